"""One optimisation step, the same for every training method and network.

:func:`descend` checks that the loss is finite, clears and computes the gradients, averages them across
processes (the adversarial methods keep bare networks; lowcount.train.distributed.average_gradients),
clips them and steps the optimiser. :func:`end_step` reads the learning rate that was used, advances the
schedules and updates the EMA copy. The order is part of the contract: resumed runs replay it bit for bit.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.train.distributed import Dist, average_gradients


def descend(
    loss: torch.Tensor,
    optimiser: torch.optim.Optimizer,
    modules: list[nn.Module],
    name: str,
    dist: Dist | None = None,
    grad_clip: float | None = None,
) -> None:
    """Backpropagate ``loss`` into ``modules`` and step ``optimiser``.

    Args:
        loss: a scalar; ``name`` says which (``generator``, ``discriminator``...) in the error when it is
            not finite.
        dist: average the gradients of ``modules`` across processes (None: they are not, e.g. because the
            network is wrapped in DistributedDataParallel, which does it during backward).
        grad_clip: clip the gradient norm of ``modules``' parameters to this (None: no clipping).
    """
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the {name} loss became {loss.item()}; lower the learning rate or check the data")
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    if dist is not None:
        average_gradients(modules, dist)
    if grad_clip:
        nn.utils.clip_grad_norm_([p for module in modules for p in module.parameters()], grad_clip)
    optimiser.step()


def end_step(optimiser: torch.optim.Optimizer, schedulers: list, ema=None, net: nn.Module | None = None) -> float:
    """The learning rate ``optimiser`` used, after advancing ``schedulers`` and updating ``ema`` from ``net``."""
    lr = optimiser.param_groups[0]["lr"]
    for scheduler in schedulers:
        scheduler.step()
    if ema is not None:
        ema.update(net)
    return lr
