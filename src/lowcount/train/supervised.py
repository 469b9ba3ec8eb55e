"""Supervised training on (input, target) pairs: one optimiser, a composite pixel loss, optional EMA.

``step(batch)`` does one optimisation step and returns what it computed (loss parts, learning rate);
``predict(x)`` runs the inference network (EMA weights when kept). The wrapped ``model`` may be a
DistributedDataParallel module; ``net`` is always the bare network.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from lowcount.losses.pixel import CompositeLoss
from lowcount.train.config import TrainConfig
from lowcount.train.ema import EMA
from lowcount.train.schedule import build_scheduler


def autocast(device: str, amp: str):
    """bf16 autocast when asked for, else a no-op context."""
    if amp == "bf16":
        return torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


class Supervised:
    def __init__(self, net: nn.Module, cfg: TrainConfig, device: str, model: nn.Module | None = None) -> None:
        self.net = net.to(device)
        self.model = model if model is not None else self.net
        self.cfg, self.device = cfg, device
        self.loss = CompositeLoss(list(cfg.loss)).to(device)
        self.optimiser = torch.optim.Adam(
            self.net.parameters(), lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay
        )
        self.scheduler = build_scheduler(self.optimiser, cfg.scheduler, cfg.steps)
        self.ema = EMA(self.net, cfg.ema_decay) if cfg.ema_decay else None

    def step(self, batch: dict) -> dict[str, float]:
        self.model.train()
        x = batch["input"].to(self.device, non_blocking=True)
        y = batch["target"].to(self.device, non_blocking=True)
        w = batch["weight"].to(self.device, non_blocking=True) if "weight" in batch else None
        with autocast(self.device, self.cfg.amp):
            pred = self.model(x)
        loss, parts = self.loss(pred.float(), y, w)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss.item()}; lower the learning rate or check the data")
        self.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(self.net.parameters(), self.cfg.grad_clip)
        self.optimiser.step()
        lr = self.optimiser.param_groups[0]["lr"]
        self.scheduler.step()
        if self.ema is not None:
            self.ema.update(self.net)
        return {"loss": float(loss.detach()), **{f"loss_{k}": v for k, v in parts.items()}, "lr": lr}

    def inference_net(self) -> nn.Module:
        return self.ema.model if self.ema is not None else self.net

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        net = self.inference_net()
        was_training = net.training
        net.eval()
        with autocast(self.device, self.cfg.amp):
            out = net(x.to(self.device)).float()
        net.train(was_training)
        return out

    def state_dict(self) -> dict:
        state = {
            "net": self.net.state_dict(),
            "optimiser": self.optimiser.state_dict(),
            "scheduler": self.scheduler.state_dict(),
        }
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.optimiser.load_state_dict(state["optimiser"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.ema is not None:
            if "ema" not in state:
                raise ValueError("the checkpoint has no EMA weights but the config asks for ema_decay")
            self.ema.load_state_dict(state["ema"])
