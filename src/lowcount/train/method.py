"""What every training method shares: its inference network (the EMA copy when kept) and prediction.

A training method (Supervised, PairedGAN, CycleGAN) sets ``net`` (the network that is deployed), ``ema`` (an EMA or
None), ``cfg`` (the train section) and ``device``, and adds ``step``, ``state_dict`` and
``load_state_dict``. Methods that train one network with one optimiser (supervised training, the noise-level
estimator, the segmenter) build and checkpoint it through :class:`OneNetworkMethod`.
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


class OneNetworkMethod(TrainingMethod):
    """One network, its optimiser (``cfg.optimiser``), scheduler and optional EMA, and their checkpoint state."""

    def _setup(self, net: nn.Module, cfg, device: str, model: nn.Module | None, weight_decay: float = 0.0) -> None:
        from lowcount.train.ema import EMA
        from lowcount.train.optimisers import build_optimiser
        from lowcount.train.schedule import build_scheduler

        self.net = net.to(device)
        self.model = model if model is not None else self.net  # DistributedDataParallel when several processes run
        self.cfg, self.device = cfg, device
        self.optimiser = build_optimiser(cfg.optimiser, self.net.parameters(), cfg.lr, cfg.betas, weight_decay)
        self.scheduler = build_scheduler(self.optimiser, cfg.scheduler, cfg.steps)
        self.ema = EMA(self.net, cfg.ema_decay) if cfg.ema_decay else None

    def state_dict(self) -> dict:
        state = {
            "net": self.net.state_dict(),
            "optimiser": self.optimiser.state_dict(),
            "scheduler": self.scheduler.state_dict(),
        }
        return {**state, **self._ema_state()}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.optimiser.load_state_dict(state["optimiser"])
        self.scheduler.load_state_dict(state["scheduler"])
        self._load_ema(state)
