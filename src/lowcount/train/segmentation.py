"""Training the lesion segmenter (lowcount.models.lesion_unet) on the phantom's lesion masks.

Samples are the paired samples of lowcount.data.paired with the truth: the network's input is the sample's
input (a thinned or acquired scan, divided by its mean) and its target the lesion mask of that
acquisition (``labels > 0``), cropped and flipped with it. The loss is binary cross-entropy (positives
weighted by ``pos_weight``: lesions cover well under 1 % of a view) plus ``dice_weight`` times the soft Dice
loss over the batch. :func:`segmentation_validator` scores whole validation views: precision, IoU and
recall of the pooled pixels at probability 0.5 (lowcount.evaluate.segmentation), the IoU ranking checkpoints
for ``train.export: best``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lowcount.device import autocast
from lowcount.train.config import TrainConfig
from lowcount.train.method import OneNetworkMethod
from lowcount.train.method_config import SegmentationConfig
from lowcount.train.optimiser_step import descend, end_step


def soft_dice_loss(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """1 - 2 |P . M| / (|P| + |M|) over the whole batch, P the probabilities (1 when both are empty)."""
    probability = torch.sigmoid(logits)
    overlap = (probability * mask).sum()
    return 1.0 - (2.0 * overlap + 1.0) / (probability.sum() + mask.sum() + 1.0)


class SegmentationTraining(OneNetworkMethod):
    """Args: net (a LesionUNet), cfg (the train section), settings (the segmentation section), device, model
    (``net`` in DistributedDataParallel when several processes run, else None)."""

    def __init__(self, net: nn.Module, cfg: TrainConfig, settings: SegmentationConfig, device: str, model=None) -> None:
        self._setup(net, cfg, device, model)
        self.settings = settings

    def step(self, batch: dict) -> dict[str, float]:
        self.model.train()
        x = batch["input"][:, :1].to(self.device, non_blocking=True)
        mask = (batch["labels"] > 0).float().to(self.device, non_blocking=True)
        with autocast(self.device, self.cfg.amp):
            logits = self.model(x)
        logits = logits.float()
        weight = torch.tensor(self.settings.pos_weight, device=logits.device)
        bce = F.binary_cross_entropy_with_logits(logits, mask, pos_weight=weight)
        dice = soft_dice_loss(logits, mask)
        loss = bce + self.settings.dice_weight * dice
        descend(loss, self.optimiser, [self.net], "training", grad_clip=self.cfg.grad_clip)
        lr = end_step(self.optimiser, [self.scheduler], self.ema, self.net)
        return {
            "loss": float(loss.detach()),
            "loss_bce": float(bce.detach()),
            "loss_dice": float(dice.detach()),
            "lr": lr,
        }


def segmentation_validator(data, threshold: float = 0.5):
    """A validation callable over the whole views of ``data`` (PairedScans with the truth, ``train=False``)."""
    from lowcount.evaluate.segmentation import overlap, overlap_scores

    items = [data[i] for i in range(len(data))]

    def validate(method: SegmentationTraining) -> dict[str, float]:
        pooled = {"tp": 0, "fp": 0, "fn": 0}
        for item in items:
            logits = method.predict(torch.from_numpy(item["input"][None, :1]))
            marked = torch.sigmoid(logits)[0, 0].cpu().numpy() >= threshold
            for key, value in overlap(marked, item["labels"][0] > 0).items():
                pooled[key] += value
        scores = overlap_scores(pooled)
        return {key: float(np.nan_to_num(value)) for key, value in scores.items()}

    return validate
