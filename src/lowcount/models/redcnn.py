"""RED-CNN (Chen et al., IEEE TMI 2017): five 5x5 convolutions without padding, five transposed
convolutions back to full size, and three shortcuts (input to output, conv 2 to deconv 3, conv 4 to
deconv 1). Defaults are the paper's (96 filters). An EMANet comparison baseline. Any input size at
least 21 x 21.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import check_input


class REDCNN(nn.Module):
    stride = 1

    def __init__(self, channels: int = 96) -> None:
        super().__init__()
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        self.convs = nn.ModuleList([nn.Conv2d(1 if i == 0 else channels, channels, 5) for i in range(5)])
        self.deconvs = nn.ModuleList([nn.ConvTranspose2d(channels, 1 if i == 4 else channels, 5) for i in range(5)])
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, 1, "REDCNN")
        if min(x.shape[-2:]) < 21:
            raise ValueError(f"REDCNN needs inputs of at least 21 x 21, got {tuple(x.shape[-2:])}")
        h = self.relu(self.convs[0](x))
        skip_2 = h = self.relu(self.convs[1](h))
        h = self.relu(self.convs[2](h))
        skip_4 = h = self.relu(self.convs[3](h))
        h = self.relu(self.convs[4](h))
        h = self.deconvs[0](h) + skip_4
        h = self.deconvs[1](self.relu(h))
        h = self.deconvs[2](self.relu(h)) + skip_2
        h = self.deconvs[3](self.relu(h))
        h = self.deconvs[4](self.relu(h)) + x
        return self.relu(h)
