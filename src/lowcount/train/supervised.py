"""Supervised training on (input, target) pairs: one optimiser, a composite pixel loss, optional EMA.

``step(batch)`` does one optimisation step and returns what it computed (loss parts, learning rate);
``predict(x)`` runs the inference network (EMA weights when kept). The wrapped ``model`` may be a
DistributedDataParallel module; ``net`` is always the bare network.
"""

from __future__ import annotations

from torch import nn

from lowcount.device import autocast
from lowcount.losses.pixel import CompositeLoss
from lowcount.train.config import TrainConfig
from lowcount.train.method import OneNetworkMethod
from lowcount.train.method_config import SupervisedConfig
from lowcount.train.optimiser_step import descend, end_step


class Supervised(OneNetworkMethod):
    """Args:
    net: the network; cfg: the train section; settings: the supervised section.
    device: torch device string.
    model: ``net`` wrapped in DistributedDataParallel when several processes run (None: ``net``).
    """

    def __init__(
        self,
        net: nn.Module,
        cfg: TrainConfig,
        settings: SupervisedConfig,
        device: str,
        model: nn.Module | None = None,
    ) -> None:
        self._setup(net, cfg, device, model, settings.weight_decay)
        self.settings = settings
        self.loss = CompositeLoss(list(settings.loss)).to(device)

    def step(self, batch: dict) -> dict[str, float]:
        self.model.train()
        x = batch["input"].to(self.device, non_blocking=True)
        y = batch["target"].to(self.device, non_blocking=True)
        w = batch["weight"].to(self.device, non_blocking=True) if "weight" in batch else None
        with autocast(self.device, self.cfg.amp):
            pred = self.model(x)
        loss, parts = self.loss(pred.float(), y, w)
        descend(loss, self.optimiser, [self.net], "training", grad_clip=self.cfg.grad_clip)  # DDP averages
        lr = end_step(self.optimiser, [self.scheduler], self.ema, self.net)
        return {"loss": float(loss.detach()), **{f"loss_{k}": v for k, v in parts.items()}, "lr": lr}
