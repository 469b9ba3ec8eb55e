"""The ResNet generator of CycleGAN (Zhu et al. 2017, after Johnson et al. 2016): the plain-CycleGAN baseline.

Layout as published: 7 x 7 convolution with 64 channels, two stride-2 3 x 3 convolutions (128, 256), nine
residual blocks of two 3 x 3 convolutions at 256 channels, two up-sampling steps back to 128 and 64,
7 x 7 output convolution; reflection padding and instance norm throughout. Ours: up-sampling by
nearest-neighbour resize + convolution instead of transposed convolution (which leaves checkerboard
artefacts, Odena et al. 2016); a linear output (counts are not bounded to [-1, 1], so no tanh); and
residual learning (output = input + network(input)) by default, as for the other generators here.
Input sides must be multiples of 4.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import check_input


def _unit(in_ch: int, out_ch: int, kernel: int, stride: int = 1) -> list[nn.Module]:
    pad = kernel // 2
    return [
        nn.ReflectionPad2d(pad) if stride == 1 else nn.ZeroPad2d(pad),
        nn.Conv2d(in_ch, out_ch, kernel, stride=stride, bias=False),
        nn.InstanceNorm2d(out_ch, affine=True),
        nn.ReLU(inplace=True),
    ]


class _ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *_unit(channels, channels, 3),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=False),
            nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """Args: channels (64), n_blocks (9 for 256 x 256 inputs in CycleGAN), residual.

    Shapes: (B, 1, H, W) -> (B, 1, H, W), H and W multiples of 4.
    """

    stride = 4

    def __init__(self, channels: int = 64, n_blocks: int = 9, residual: bool = True) -> None:
        super().__init__()
        if channels < 1 or n_blocks < 0:
            raise ValueError(f"channels must be >= 1 and n_blocks >= 0, got {channels}, {n_blocks}")
        self.residual = residual
        c = channels
        layers: list[nn.Module] = [*_unit(1, c, 7), *_unit(c, 2 * c, 3, 2), *_unit(2 * c, 4 * c, 3, 2)]
        layers += [_ResidualBlock(4 * c) for _ in range(n_blocks)]
        for width in (2 * c, c):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), *_unit(2 * width, width, 3)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, 1, 7)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, "ResNetGenerator")
        out = self.body(x)
        return x + out if self.residual else out
