"""RRDBNet generator of the fast whole-body-scan GAN (Qi et al. 2024, after ESRGAN, Wang et al. 2018).

The paper's generator stacks 9 residual-in-residual dense blocks, then an ESPCN sub-pixel up-sampling
and a down-sampling structure, so the output has the input's size. Here: a 3x3 head, 9 RRDBs (each three
5-convolution dense blocks with growth 32 and residual scaling 0.2, as in ESRGAN), a 3x3 body conv with
the long skip, ESPCN x2 (conv to 4 x channels, pixel shuffle, LeakyReLU), a stride-2 3x3 convolution
back to the input grid, and a 3x3 output conv. The paper does not say whether the input is added to
the output; it is not (as in ESRGAN) unless ``residual=True``. Input sides must be even.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import check_input


class _DenseBlock(nn.Module):
    def __init__(self, channels: int, growth: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            [nn.Conv2d(channels + i * growth, growth if i < 4 else channels, 3, padding=1) for i in range(5)]
        )
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for i, layer in enumerate(self.convs):
            out = layer(torch.cat(features, dim=1))
            if i < 4:
                features.append(self.act(out))
        return x + 0.2 * out


class RRDB(nn.Module):
    """Residual in residual dense block: three dense blocks and a scaled skip."""

    def __init__(self, channels: int = 64, growth: int = 32) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[_DenseBlock(channels, growth) for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.blocks(x)


class RRDBNet(nn.Module):
    """Args: n_blocks (9 in the paper), channels (64), growth (32), residual."""

    stride = 2

    def __init__(self, n_blocks: int = 9, channels: int = 64, growth: int = 32, residual: bool = False) -> None:
        super().__init__()
        if min(n_blocks, channels, growth) < 1:
            raise ValueError("n_blocks, channels and growth must all be >= 1")
        self.residual = residual
        self.head = nn.Conv2d(1, channels, 3, padding=1)
        self.body = nn.Sequential(*[RRDB(channels, growth) for _ in range(n_blocks)])
        self.body_conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.up = nn.Sequential(
            nn.Conv2d(channels, 4 * channels, 3, padding=1), nn.PixelShuffle(2), nn.LeakyReLU(0.2, inplace=True)
        )
        self.down = nn.Sequential(
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)
        )
        self.tail = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, "RRDBNet")
        h = self.head(x)
        h = h + self.body_conv(self.body(h))
        out = self.tail(self.down(self.up(h)))
        return x + out if self.residual else out
