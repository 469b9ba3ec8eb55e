"""Learning-rate schedules by name: constant, cosine to zero, or the CycleGAN linear decay."""

from __future__ import annotations

import math

import torch


def build_scheduler(optimiser: torch.optim.Optimizer, name: str, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A step-wise LambdaLR (its state holds only numbers, so checkpoints stay plain data)."""
    if name == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1.0)
    if name == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, steps) / steps))
        )
    if name == "linear_decay":
        half = steps // 2
        return torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: 1.0 if step < half else max(0.0, 1.0 - (step - half) / max(steps - half, 1))
        )
    raise ValueError(f"unknown scheduler {name!r}; choose constant, cosine or linear_decay")
