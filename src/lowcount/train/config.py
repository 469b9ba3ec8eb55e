"""Training configuration: a YAML file with ``data:``, ``model:`` and ``train:`` sections.

Example (configs/se_unet.yaml)::

    model:
      name: se_unet
      args: {channels: [16, 32, 64, 128, 256]}
    data:
      fast: fast3x
      patch: [192, 192]
    train:
      steps: 20000
      batch_size: 8
      lr: 2.0e-4
      betas: [0.5, 0.999]
      loss: [{name: l1, weight: 1.0}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lowcount.config import from_dict, read_yaml
from lowcount.data.datasets import DataConfig

SCHEDULERS = ("constant", "cosine", "linear_decay")
AMP = ("none", "bf16")


@dataclass(frozen=True)
class ModelConfig:
    """``name`` from lowcount.models.MODELS and the constructor ``args``."""

    name: str = "se_unet"
    args: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from lowcount.models import MODELS

        if self.name not in MODELS:
            raise ValueError(f"unknown model {self.name!r}; choose from {sorted(MODELS)}")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and bookkeeping.

    Attributes:
        steps: optimiser steps in total.
        batch_size: samples per step and process (the global batch is batch_size x processes).
        lr, betas, weight_decay: Adam(W) settings.
        scheduler: ``constant``, ``cosine`` (to 0 over ``steps``) or ``linear_decay`` (constant for the first
            half, then linearly to 0, the CycleGAN recipe).
        loss: terms of lowcount.losses.pixel.CompositeLoss.
        ema_decay: keep an exponential moving average of the weights (None for off); the EMA weights are
            validated and exported.
        amp: ``none`` or ``bf16`` (autocast on CPUs with bf16 support and on GPUs).
        checkpoint_every, validate_every, log_every: in steps.
        grad_clip: clip the gradient norm (None for off).
        num_workers: DataLoader worker processes.
        seed: seeds model initialisation and every data draw.
    """

    steps: int = 1000
    batch_size: int = 8
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 0.0
    scheduler: str = "constant"
    loss: tuple[dict, ...] = ({"name": "l1", "weight": 1.0},)
    ema_decay: float | None = None
    amp: str = "none"
    checkpoint_every: int = 500
    validate_every: int = 500
    log_every: int = 10
    grad_clip: float | None = None
    num_workers: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(f"steps and batch_size must be >= 1, got {self.steps}, {self.batch_size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {SCHEDULERS}, got {self.scheduler!r}")
        if self.amp not in AMP:
            raise ValueError(f"amp must be one of {AMP}, got {self.amp!r}")
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        for name in ("checkpoint_every", "validate_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def load_run_config(path: str | Path) -> RunConfig:
    """Read a training YAML (sections ``model``, ``data``, ``train``; anything else is an error)."""
    return from_dict(RunConfig, read_yaml(path), str(path))
