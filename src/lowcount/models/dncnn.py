"""DnCNN (Zhang et al., IEEE TIP 2017): conv-ReLU, (depth - 2) x conv-BN-ReLU, conv; residual learning
(the network predicts the noise, the output is input - noise). Defaults are the paper's (depth 17,
64 channels). An EMANet comparison baseline. Any input size.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import check_input


class DnCNN(nn.Module):
    stride = 1

    def __init__(self, depth: int = 17, channels: int = 64) -> None:
        super().__init__()
        if depth < 3 or channels < 1:
            raise ValueError(f"depth must be >= 3 and channels >= 1, got {depth}, {channels}")
        layers: list[nn.Module] = [nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [
                nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(channels),
                nn.ReLU(inplace=True),
            ]
        layers.append(nn.Conv2d(channels, 1, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, 1, "DnCNN")
        return x - self.body(x)
