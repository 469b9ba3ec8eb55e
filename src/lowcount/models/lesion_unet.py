"""The lesion segmenter of the EMANet paper's downstream test (section 3.3.2, Table 8): a U-Net whose levels
are residual blocks with squeeze-and-excitation, giving one logit per pixel (lesion or not).

The paper names the design (a U-Net "with residual structure and SE modules", binary segmentation) and
nothing else; lowcount's choices: each level is conv3-BN-ReLU-conv3-BN plus a shortcut (a 1x1 convolution
when the width changes), an SE gate (Hu et al. 2018) on the residual branch, then ReLU; max-pool down,
nearest-neighbour resize and convolution up, widths (16, 32, 64, 128). The input is the scan divided by its
mean (any count level, any units), the output the lesion logit.
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import ResizeConv, SqueezeExcitation, check_input, unet_pass


class ResidualSEBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, se_reduction: int = 4) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            SqueezeExcitation(out_ch, se_reduction),
        )
        self.shortcut = nn.Identity() if in_ch == out_ch else nn.Conv2d(in_ch, out_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class LesionUNet(nn.Module):
    """Args:
        channels: widths of the levels, from the top (at least two).
        se_reduction: bottleneck ratio of the SE gates.

    Shapes: (B, 1, H, W), sides multiples of ``stride`` -> lesion logits (B, 1, H, W).
    """

    def __init__(self, channels: tuple[int, ...] = (16, 32, 64, 128), se_reduction: int = 4) -> None:
        super().__init__()
        if len(channels) < 2 or any(c < 1 for c in channels):
            raise ValueError(f"channels needs at least two positive widths, got {channels}")
        self.in_channels, self.stride = 1, 2 ** (len(channels) - 1)
        self.encoders = nn.ModuleList(
            ResidualSEBlock(i, c, se_reduction) for i, c in zip((1, *channels[:-1]), channels, strict=True)
        )
        self.pool = nn.MaxPool2d(2)
        self.ups = nn.ModuleList(ResizeConv(2, d, c) for d, c in zip(channels[:0:-1], channels[-2::-1], strict=True))
        self.decoders = nn.ModuleList(ResidualSEBlock(2 * c, c, se_reduction) for c in channels[-2::-1])
        self.head = nn.Conv2d(channels[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, type(self).__name__)
        return self.head(unet_pass(x, self.encoders, self.pool, self.ups, self.decoders))
