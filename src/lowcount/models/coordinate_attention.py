"""Coordinate attention (Hou, Zhou and Feng, CVPR 2021), the attention inside every EMANet block.

Squeeze-and-excitation pools a feature map to one number per channel and so forgets where things are.
Coordinate attention pools along each axis separately instead: the mean over the columns of every row gives
a (C, H) profile, the mean over the rows of every column a (C, W) profile (EMANet eqs. 5-6). Both
profiles go through one shared 1x1 transform to C/r channels with batch norm and ReLU (eq. 7), are split
again, and each is mapped back to C channels by its own 1x1 convolution and a sigmoid (eqs. 8-9): a gate
per channel and row, and one per channel and column. The output is the input times both gates (eq. 10),
so a feature is weighted by where it lies along each axis as well as by its channel.

Choices where the papers differ or are silent: ReLU in the shared transform (Hou et al. use h-swish; the
EMANet paper names a ReLU-type non-linearity), sigmoid gates, and a hidden width of
``max(channels // reduction, min_hidden)``.
"""

from __future__ import annotations

import torch
from torch import nn


class CoordinateAttention(nn.Module):
    """Args:
        channels: feature channels C.
        reduction: r, the shared transform's width is ``max(C // r, min_hidden)``.
        min_hidden: smallest hidden width.

    Shapes: (B, C, H, W) -> (B, C, H, W); :meth:`gates` gives the row gate (B, C, H, 1) and the column gate
    (B, C, 1, W).
    """

    def __init__(self, channels: int, reduction: int = 8, min_hidden: int = 8) -> None:
        super().__init__()
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        if reduction < 1 or min_hidden < 1:
            raise ValueError(f"reduction and min_hidden must be >= 1, got {reduction} and {min_hidden}")
        hidden = max(channels // reduction, min_hidden)
        self.shared = nn.Sequential(nn.Conv2d(channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU())
        self.to_rows = nn.Conv2d(hidden, channels, 1)
        self.to_columns = nn.Conv2d(hidden, channels, 1)

    def gates(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(row gate (B, C, H, 1), column gate (B, C, 1, W)), each in (0, 1)."""
        height = x.shape[2]
        rows = x.mean(dim=3, keepdim=True)  # (B, C, H, 1): the mean of every row
        columns = x.mean(dim=2, keepdim=True).transpose(2, 3)  # (B, C, W, 1): the mean of every column
        joint = self.shared(torch.cat([rows, columns], dim=2))
        row_part, column_part = joint[:, :, :height], joint[:, :, height:]
        return torch.sigmoid(self.to_rows(row_part)), torch.sigmoid(self.to_columns(column_part)).transpose(2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        row_gate, column_gate = self.gates(x)
        return x * row_gate * column_gate
