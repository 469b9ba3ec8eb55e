"""Training EMANet's first stage: the noise-level classifier, by cross-entropy over the levels.

The samples (lowcount.data.noise_level_samples) carry continuous levels (a level re-mapped to an image's own
peak is rarely an integer), so the target of the cross-entropy is "two-hot": the probability is split
between the two classes next to the level in proportion to nearness (a level of 7.3 puts 0.7 on class 7 and
0.3 on class 8), and levels outside the classes go to the end classes. The expectation of the target is
then the level itself, which is what :meth:`lowcount.models.emanet.NoiseLevelEstimator.level` reads back.

:func:`level_validator` scores the estimate on whole validation views at fixed levels: ``level_rmse``
(which ranks checkpoints for ``train.export: best``, lowcount.train.selection.rank) and ``level_bias``
(mean estimate minus truth) overall, and the RMSE at each test level (``level_rmse_<L>``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lowcount.device import autocast
from lowcount.train.config import TrainConfig
from lowcount.train.method import OneNetworkMethod
from lowcount.train.optimiser_step import descend, end_step


def two_hot(levels: torch.Tensor, classes: int) -> torch.Tensor:
    """(B, classes) target probabilities for continuous ``levels`` (B,) over classes 1..``classes``."""
    position = levels.float().clamp(1.0, float(classes)) - 1.0
    below = position.floor().long().clamp(max=classes - 2)
    upper = position - below.float()
    target = torch.zeros(len(levels), classes, device=levels.device)
    target.scatter_(1, below[:, None], (1.0 - upper)[:, None])
    target.scatter_add_(1, (below + 1)[:, None], upper[:, None])
    return target


class NoiseLevelTraining(OneNetworkMethod):
    """Args: net (a NoiseLevelEstimator), cfg (the train section), device, and model: ``net`` wrapped in
    DistributedDataParallel when several processes run (None: ``net``)."""

    def __init__(self, net: nn.Module, cfg: TrainConfig, device: str, model: nn.Module | None = None) -> None:
        self._setup(net, cfg, device, model)

    def step(self, batch: dict) -> dict[str, float]:
        self.model.train()
        x = batch["input"].to(self.device, non_blocking=True)
        level = batch["level"].to(self.device, non_blocking=True)
        with autocast(self.device, self.cfg.amp):
            logits = self.model(x)
        logits = logits.float()
        loss = -(two_hot(level, self.net.levels) * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
        descend(loss, self.optimiser, [self.net], "training", grad_clip=self.cfg.grad_clip)
        lr = end_step(self.optimiser, [self.scheduler], self.ema, self.net)
        error = (self.net.level(logits.detach()) - level).float()
        return {"loss": float(loss.detach()), "level_rmse": float(error.pow(2).mean().sqrt()), "lr": lr}

    def estimate(self, x: torch.Tensor) -> torch.Tensor:
        """The inference network's level estimates (B,) for (B, 1, H, W) images on their 0-1 grey scale."""
        net = self.inference_net()
        return net.level(self.predict(x))


def level_validator(data, batch_size: int = 4):
    """A validation callable for :func:`lowcount.train.loop.fit` over the items of ``data`` (whole views
    of lowcount.data.noise_level_samples.NoiseLevelSamples with ``train=False``; drawn once)."""
    items = [data[i] for i in range(len(data))]
    truth = np.array([float(item["level"]) for item in items])
    nominal = np.array([data.test_levels[i % len(data.test_levels)] for i in range(len(items))])

    def validate(method: NoiseLevelTraining) -> dict[str, float]:
        estimates = []
        for start in range(0, len(items), batch_size):
            x = torch.from_numpy(np.stack([item["input"] for item in items[start : start + batch_size]]))
            estimates.append(method.estimate(x).cpu().numpy())
        error = np.concatenate(estimates) - truth
        metrics = {"level_rmse": float(np.sqrt(np.mean(error**2))), "level_bias": float(error.mean())}
        for level in data.test_levels:
            metrics[f"level_rmse_{level}"] = float(np.sqrt(np.mean(error[nominal == level] ** 2)))
        return metrics

    return validate
