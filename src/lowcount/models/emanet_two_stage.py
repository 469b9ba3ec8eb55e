"""EMANet's two stages as one blind denoiser: the estimator reads the noise level, the backbone uses it.

Input is the image alone (B, 1, H, W) in network units. Stage 1 (lowcount.models.emanet.NoiseLevelEstimator)
sees each image divided by its smoothed peak, as it was trained (lowcount.data.noise_level_samples), and
returns an EMANet level L; stage 2 (lowcount.models.emanet.EMANet with ``in_channels=2``) gets the count
level that L stands for as its map: a pixel of network value x has variance ``x * c**2`` with

    c = L * sqrt(P / (128 * 255)),

where P is the image's smoothed peak in network units (the grey mapping puts 255 at P and gives a pixel of
grey value g the variance ``g * L**2 / 128``). With raw counts this ``c`` is the exact count level the
backbone was trained with (lowcount.data.normalise.count_level), so a backbone trained on counts runs on
images whose counts are unknown: rescaled exports, processed images, the standard scans themselves (the
paper's blind denoising, Figs. 12-14). The level is a differentiable function of the estimator's logits
(the softmax expectation), so the two stages can be fine-tuned together (``configs/emanet_joint.yaml``).

The smoothed peak uses a Gaussian of sigma 2 px (lowcount.data.noise_level.PEAK_SIGMA_PX) truncated at 4
sigma, with edge replication where scipy, used for the training labels, mirrors the edge: the two differ
only when the peak sits within 8 px of the border.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lowcount.data.noise_level import PEAK_SIGMA_PX
from lowcount.models.blocks import check_input
from lowcount.models.emanet import EMANet, NoiseLevelEstimator

GREY_SCALE = 128.0 * 255.0


def smoothed_peak(x: torch.Tensor, sigma_px: float = PEAK_SIGMA_PX) -> torch.Tensor:
    """The per-image maximum (B,) of (B, 1, H, W) ``x`` smoothed by a Gaussian of ``sigma_px``."""
    radius = int(4 * sigma_px + 0.5)
    offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / sigma_px) ** 2)
    kernel = (kernel / kernel.sum()).to(x.dtype)
    h = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    h = F.conv2d(h, kernel.view(1, 1, 1, -1))
    h = F.conv2d(h, kernel.view(1, 1, -1, 1))
    return h.amax(dim=(1, 2, 3))


def _tuples(args: dict) -> dict:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in args.items()}


class TwoStageEMANet(nn.Module):
    """Args:
        estimator: NoiseLevelEstimator arguments (``in_channels`` is 1).
        backbone: EMANet arguments (``in_channels`` is 2: the image and the level map).

    Shapes: (B, 1, H, W), sides multiples of ``stride`` -> (B, 1, H, W).
    """

    def __init__(self, estimator: dict | None = None, backbone: dict | None = None) -> None:
        super().__init__()
        estimator, backbone = dict(estimator or {}), dict(backbone or {})
        if estimator.get("in_channels", 1) != 1 or backbone.get("in_channels", 2) != 2:
            raise ValueError(
                "the two-stage EMANet's estimator takes 1 channel and its backbone 2; leave in_channels out"
            )
        estimator["in_channels"], backbone["in_channels"] = 1, 2
        self.estimator = NoiseLevelEstimator(**_tuples(estimator))
        self.backbone = EMANet(**_tuples(backbone))
        self.in_channels = 1
        self.stride = math.lcm(self.estimator.stride, self.backbone.stride)

    def count_level(self, x: torch.Tensor) -> torch.Tensor:
        """The estimated count level (B,) of each image (module docstring)."""
        peak = smoothed_peak(x.float()).clamp_min(1e-12)
        level = self.estimator.level(self.estimator(x / peak.view(-1, 1, 1, 1).to(x.dtype)))
        return level * torch.sqrt(peak / GREY_SCALE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, type(self).__name__, 1)
        level_map = self.count_level(x).view(-1, 1, 1, 1).to(x.dtype).expand_as(x)
        return self.backbone(torch.cat([x, level_map], dim=1))
