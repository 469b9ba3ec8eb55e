"""The four blocks of EMANet (two-stage SPECT bone-scan denoising; paper in ../shared/papers, section 1.2).

- :class:`DenseResidualBlock` (RDC, Fig. 3b): a 3x3 convolution, densely connected 3x3 layers, a 1x1
  fusion of everything at that scale, coordinate attention and a local residual connection. Replaces the
  U-Net's double convolution in both networks.
- :class:`MultiscaleDilatedBlock` (MD, Fig. 4): parallel 3x3 convolutions with three dilation rates,
  concatenated, coordinate attention, 1x1 compression, batch norm and ReLU, then average pooling by 2: the
  backbone's second, wider-field path down one level. The paper's rates are (5, 7, 9), (4, 5, 6), (2, 3, 5)
  for its three MD blocks (mixed odd/even rates with small common divisors avoid gridding); lowcount
  takes them from the shallowest level to the deepest.
- :class:`AttentionGate` (RCAG, Fig. 5, eqs. 4-11): the max-pooled encoder features x1 and the MD features
  x2 concatenated into x_c, re-weighted by coordinate attention into x'_c, and x_c + x'_c compressed back
  to C channels by 1x1 convolution, batch norm and ReLU.
- :class:`DecoderFusion` (CF, Fig. 2b): the coarser decoder output brought to the next level by bilinear
  interpolation and a 1x1 convolution, added to that level's decoder output, coordinate attention.

Where the paper is silent lowcount chooses, and says so here: batch norm + ReLU after every 3x3
convolution, three dense layers of ``growth = out_ch // 2`` channels (at least 4) in RDC, the residual
taken from the block's first 3x3 convolution, bilinear interpolation with ``align_corners=False``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lowcount.models.coordinate_attention import CoordinateAttention

MD_DILATIONS = ((5, 7, 9), (4, 5, 6), (2, 3, 5))  # the paper's three MD blocks, shallowest first


def conv_bn_relu(in_ch: int, out_ch: int, kernel: int = 3, dilation: int = 1) -> nn.Sequential:
    padding = dilation * (kernel // 2)
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, padding=padding, dilation=dilation, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


class DenseResidualBlock(nn.Module):
    """RDC: (B, in_ch, H, W) -> (B, out_ch, H, W).

    Args:
        in_ch, out_ch: channels in and out.
        layers: densely connected 3x3 layers after the first convolution.
        growth: channels each dense layer adds (default ``max(out_ch // 2, 4)``).
        attention: coordinate attention on the fused features (off only for ablations).
    """

    def __init__(self, in_ch: int, out_ch: int, layers: int = 3, growth: int | None = None, attention: bool = True):
        super().__init__()
        if min(in_ch, out_ch) < 1:
            raise ValueError(f"channels must be >= 1, got {in_ch} -> {out_ch}")
        if layers < 1:
            raise ValueError(f"layers must be >= 1, got {layers}")
        growth = max(out_ch // 2, 4) if growth is None else growth
        if growth < 1:
            raise ValueError(f"growth must be >= 1, got {growth}")
        self.head = conv_bn_relu(in_ch, out_ch)
        self.dense = nn.ModuleList(conv_bn_relu(out_ch + i * growth, growth) for i in range(layers))
        self.fuse = nn.Conv2d(out_ch + layers * growth, out_ch, 1)
        self.attention = CoordinateAttention(out_ch) if attention else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = self.head(x)
        features = [first]
        for layer in self.dense:
            features.append(layer(torch.cat(features, dim=1)))
        return first + self.attention(self.fuse(torch.cat(features, dim=1)))


class MultiscaleDilatedBlock(nn.Module):
    """MD: (B, in_ch, H, W) -> (B, out_ch, H / 2, W / 2).

    Args:
        in_ch, out_ch: channels in and out.
        dilations: the parallel branches' dilation rates (each >= 1, at least two).
    """

    def __init__(self, in_ch: int, out_ch: int, dilations: tuple[int, ...] = MD_DILATIONS[0]) -> None:
        super().__init__()
        if min(in_ch, out_ch) < 1:
            raise ValueError(f"channels must be >= 1, got {in_ch} -> {out_ch}")
        if len(dilations) < 2 or min(dilations) < 1:
            raise ValueError(f"dilations must be at least two rates >= 1, got {dilations}")
        self.branches = nn.ModuleList(conv_bn_relu(in_ch, out_ch, dilation=d) for d in dilations)
        width = out_ch * len(dilations)
        self.attention = CoordinateAttention(width)
        self.compress = conv_bn_relu(width, out_ch, kernel=1)
        self.down = nn.AvgPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        joint = torch.cat([branch(x) for branch in self.branches], dim=1)
        return self.down(self.compress(self.attention(joint)))


class AttentionGate(nn.Module):
    """RCAG: inputs each (B, channels, H, W) -> (B, channels, H, W). ``inputs`` = how many feature maps are
    concatenated (2 in EMANet: pooled encoder features and MD features; 1 when the MD path is ablated)."""

    def __init__(self, channels: int, inputs: int = 2) -> None:
        super().__init__()
        if channels < 1 or inputs < 1:
            raise ValueError(f"channels and inputs must be >= 1, got {channels} and {inputs}")
        self.inputs = inputs
        self.attention = CoordinateAttention(channels * inputs)
        self.out = conv_bn_relu(channels * inputs, channels, kernel=1)

    def forward(self, *features: torch.Tensor) -> torch.Tensor:
        if len(features) != self.inputs:
            raise ValueError(f"AttentionGate was built for {self.inputs} inputs, got {len(features)}")
        joint = torch.cat(features, dim=1)  # x_c, eq. 4
        return self.out(joint + self.attention(joint))  # eqs. 10-11


class DecoderFusion(nn.Module):
    """CF: (coarser (B, coarse_ch, h, w), finer (B, fine_ch, H, W)) -> (B, fine_ch, H, W)."""

    def __init__(self, coarse_ch: int, fine_ch: int) -> None:
        super().__init__()
        if min(coarse_ch, fine_ch) < 1:
            raise ValueError(f"channels must be >= 1, got {coarse_ch} and {fine_ch}")
        self.project = nn.Conv2d(coarse_ch, fine_ch, 1)
        self.attention = CoordinateAttention(fine_ch)

    def forward(self, coarse: torch.Tensor, fine: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(coarse, size=fine.shape[2:], mode="bilinear", align_corners=False)
        return self.attention(self.project(up) + fine)
