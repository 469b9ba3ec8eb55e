"""What every training method shares: its inference network (the EMA copy when kept) and prediction.

A training method (Supervised, PairedGAN, CycleGAN) sets ``net`` (the network that is deployed), ``ema`` (an EMA or
None), ``cfg`` (the train section) and ``device``, and adds ``step``, ``state_dict`` and
``load_state_dict``.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.device import autocast


class TrainingMethod:
    net: nn.Module
    ema: object | None
    device: str

    def inference_net(self) -> nn.Module:
        return self.ema.model if self.ema is not None else self.net

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The inference network's output for (B, 1, H, W) input, in eval mode, as float32."""
        net = self.inference_net()
        was_training = net.training
        net.eval()
        with autocast(self.device, self.cfg.amp):
            out = net(x.to(self.device)).float()
        net.train(was_training)
        return out

    def _ema_state(self) -> dict:
        return {"ema": self.ema.state_dict()} if self.ema is not None else {}

    def _load_ema(self, state: dict) -> None:
        if self.ema is None:
            return
        if "ema" not in state:
            raise ValueError("the checkpoint has no EMA weights but the config asks for ema_decay")
        self.ema.load_state_dict(state["ema"])
