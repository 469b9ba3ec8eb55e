"""RCAN (Zhang et al., ECCV 2018) at scale 1 for denoising: residual groups of residual channel-attention
blocks. Defaults are the paper's (10 groups x 20 blocks, 64 channels, reduction 16); the SE-LiteCycleGAN
paper uses RCAN as a supervised baseline without giving its size. Residual learning on the input is
lowcount's choice for scale-1 use. Any input size.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import ChannelAttention, check_input


class _RCAB(nn.Module):
    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
            ChannelAttention(channels, reduction),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class _Group(nn.Module):
    def __init__(self, channels: int, blocks: int, reduction: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *[_RCAB(channels, reduction) for _ in range(blocks)], nn.Conv2d(channels, channels, 3, padding=1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class RCAN(nn.Module):
    """Args: n_groups, n_blocks (per group), channels, reduction, residual (output = input + net)."""

    stride = 1

    def __init__(
        self, n_groups: int = 10, n_blocks: int = 20, channels: int = 64, reduction: int = 16, residual: bool = True
    ) -> None:
        super().__init__()
        if min(n_groups, n_blocks, channels, reduction) < 1:
            raise ValueError("n_groups, n_blocks, channels and reduction must all be >= 1")
        self.residual = residual
        self.head = nn.Conv2d(1, channels, 3, padding=1)
        self.body = nn.Sequential(
            *[_Group(channels, n_blocks, reduction) for _ in range(n_groups)],
            nn.Conv2d(channels, channels, 3, padding=1),
        )
        self.tail = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, 1, "RCAN")
        h = self.head(x)
        out = self.tail(h + self.body(h))
        return x + out if self.residual else out
