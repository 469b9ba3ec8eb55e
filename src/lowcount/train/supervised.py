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
from lowcount.train.ema import EMA
from lowcount.train.method import TrainingMethod
from lowcount.train.method_config import SupervisedConfig
from lowcount.train.optimiser_step import descend, end_step
from lowcount.train.optimisers import build_optimiser
from lowcount.train.schedule import build_scheduler


class Supervised(TrainingMethod):
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
        self.net = net.to(device)
        self.model = model if model is not None else self.net
        self.cfg, self.settings, self.device = cfg, settings, device
        self.loss = CompositeLoss(list(settings.loss)).to(device)
        self.optimiser = build_optimiser(cfg.optimiser, self.net.parameters(), cfg.lr, cfg.betas, settings.weight_decay)
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
        descend(loss, self.optimiser, [self.net], "training", grad_clip=self.cfg.grad_clip)  # DDP averages
        lr = end_step(self.optimiser, [self.scheduler], self.ema, self.net)
        return {"loss": float(loss.detach()), **{f"loss_{k}": v for k, v in parts.items()}, "lr": lr}

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
