"""EDSR (Lim et al., CVPRW 2017) at scale 1: residual blocks without batch norm, a long skip, no up-sampler.
Defaults are the EDSR baseline (16 blocks, 64 channels, residual scaling 1); the SE-LiteCycleGAN paper
uses EDSR as a supervised baseline without giving its size. Residual learning on the input is lowcount's
choice for denoising. Any input size.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import check_input


class _ResBlock(nn.Module):
    def __init__(self, channels: int, res_scale: float) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.body(x)


class EDSR(nn.Module):
    """Args: n_blocks, channels, res_scale, residual (output = input + net)."""

    stride = 1

    def __init__(self, n_blocks: int = 16, channels: int = 64, res_scale: float = 1.0, residual: bool = True) -> None:
        super().__init__()
        if min(n_blocks, channels) < 1 or not res_scale > 0:
            raise ValueError("n_blocks and channels must be >= 1 and res_scale > 0")
        self.residual = residual
        self.head = nn.Conv2d(1, channels, 3, padding=1)
        self.body = nn.Sequential(
            *[_ResBlock(channels, res_scale) for _ in range(n_blocks)], nn.Conv2d(channels, channels, 3, padding=1)
        )
        self.tail = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, 1, "EDSR")
        h = self.head(x)
        out = self.tail(h + self.body(h))
        return x + out if self.residual else out
