"""Inception-v3 as used for FID (Heusel et al. 2017), defined here, with weights from a local file.

The network is the TensorFlow FID Inception (the 2015-12-05 graph) in the module layout of torchvision's
Inception3, so the state dict of pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth`` loads as is:
stem ``Conv2d_1a_3x3`` ... ``Conv2d_4a_3x3``, blocks ``Mixed_5b`` ... ``Mixed_7c``, classifier ``fc``
(1008 classes, unused). Every convolution is bias-free with batch norm (eps 0.001) and ReLU. As in the
TensorFlow graph, the average-pooling branches do not count zero padding, and the last block pools its
branch with a maximum instead of an average.

Features: the 2048 global-average-pooled activations of ``Mixed_7c``, for (B, 3, 299, 299) input in
[-1, 1]. lowcount never downloads the weights; see :func:`load_fid_inception`.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

FID_FILE = "pt_inception-2015-12-05-6726825d.pth"
FID_URL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + FID_FILE


class _Conv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel, stride: int = 1, padding=0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_ch, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _avg_pool(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class _BlockA(nn.Module):  # 35 x 35 grid: 1x1, 5x5, double 3x3, pooled 1x1
    def __init__(self, in_ch: int, pool_ch: int) -> None:
        super().__init__()
        self.branch1x1 = _Conv(in_ch, 64, 1)
        self.branch5x5_1 = _Conv(in_ch, 48, 1)
        self.branch5x5_2 = _Conv(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = _Conv(in_ch, 64, 1)
        self.branch3x3dbl_2 = _Conv(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = _Conv(96, 96, 3, padding=1)
        self.branch_pool = _Conv(in_ch, pool_ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        five = self.branch5x5_2(self.branch5x5_1(x))
        return torch.cat([self.branch1x1(x), five, double, self.branch_pool(_avg_pool(x))], 1)


class _BlockB(nn.Module):  # 35 -> 17 grid reduction
    def __init__(self, in_ch: int) -> None:
        super().__init__()
        self.branch3x3 = _Conv(in_ch, 384, 3, stride=2)
        self.branch3x3dbl_1 = _Conv(in_ch, 64, 1)
        self.branch3x3dbl_2 = _Conv(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = _Conv(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), double, F.max_pool2d(x, 3, stride=2)], 1)


class _BlockC(nn.Module):  # 17 x 17 grid with factorised 7x7 convolutions
    def __init__(self, in_ch: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = _Conv(in_ch, 192, 1)
        self.branch7x7_1 = _Conv(in_ch, c7, 1)
        self.branch7x7_2 = _Conv(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = _Conv(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = _Conv(in_ch, c7, 1)
        self.branch7x7dbl_2 = _Conv(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = _Conv(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = _Conv(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = _Conv(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = _Conv(in_ch, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seven = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            double = layer(double)
        return torch.cat([self.branch1x1(x), seven, double, self.branch_pool(_avg_pool(x))], 1)


class _BlockD(nn.Module):  # 17 -> 8 grid reduction
    def __init__(self, in_ch: int) -> None:
        super().__init__()
        self.branch3x3_1 = _Conv(in_ch, 192, 1)
        self.branch3x3_2 = _Conv(192, 320, 3, stride=2)
        self.branch7x7x3_1 = _Conv(in_ch, 192, 1)
        self.branch7x7x3_2 = _Conv(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = _Conv(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = _Conv(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        three = self.branch3x3_2(self.branch3x3_1(x))
        seven = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([three, seven, F.max_pool2d(x, 3, stride=2)], 1)


class _BlockE(nn.Module):  # 8 x 8 grid with split 1x3 / 3x1 outputs
    def __init__(self, in_ch: int, max_pool: bool) -> None:
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = _Conv(in_ch, 320, 1)
        self.branch3x3_1 = _Conv(in_ch, 384, 1)
        self.branch3x3_2a = _Conv(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = _Conv(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = _Conv(in_ch, 448, 1)
        self.branch3x3dbl_2 = _Conv(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = _Conv(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = _Conv(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = _Conv(in_ch, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        three = self.branch3x3_1(x)
        three = torch.cat([self.branch3x3_2a(three), self.branch3x3_2b(three)], 1)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        double = torch.cat([self.branch3x3dbl_3a(double), self.branch3x3dbl_3b(double)], 1)
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else _avg_pool(x)
        return torch.cat([self.branch1x1(x), three, double, self.branch_pool(pooled)], 1)


class FIDInception(nn.Module):
    """Inception-v3 (FID variant). ``forward``: (B, 3, 299, 299) in [-1, 1] -> (B, 2048) pooled features."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = _Conv(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = _Conv(32, 32, 3)
        self.Conv2d_2b_3x3 = _Conv(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = _Conv(64, 80, 1)
        self.Conv2d_4a_3x3 = _Conv(80, 192, 3)
        self.Mixed_5b = _BlockA(192, 32)
        self.Mixed_5c = _BlockA(256, 64)
        self.Mixed_5d = _BlockA(288, 64)
        self.Mixed_6a = _BlockB(288)
        self.Mixed_6b = _BlockC(768, 128)
        self.Mixed_6c = _BlockC(768, 160)
        self.Mixed_6d = _BlockC(768, 160)
        self.Mixed_6e = _BlockC(768, 192)
        self.Mixed_7a = _BlockD(768)
        self.Mixed_7b = _BlockE(1280, max_pool=False)
        self.Mixed_7c = _BlockE(2048, max_pool=True)
        self.fc = nn.Linear(2048, 1008)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = F.max_pool2d(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)), 3, stride=2)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(self, f"Mixed_{name}")(x)
        return x.mean(dim=(2, 3))


def load_fid_inception(weights: str | Path | None = None) -> FIDInception:
    """FIDInception with pytorch-fid's weights from ``weights`` or ``$LOWCOUNT_WEIGHTS_DIR/<FID_FILE>``."""
    path = Path(weights) if weights else None
    if path is None and os.environ.get("LOWCOUNT_WEIGHTS_DIR"):
        path = Path(os.environ["LOWCOUNT_WEIGHTS_DIR"]) / FID_FILE
    if path is None or not path.is_file():
        where = path if path is not None else "no file given and LOWCOUNT_WEIGHTS_DIR is not set"
        raise FileNotFoundError(
            f"FID Inception weights not found ({where}). lowcount never downloads: place pytorch-fid's {FID_FILE} "
            f"(SHA-256 starting 6726825d, normally obtained from {FID_URL}) in $LOWCOUNT_WEIGHTS_DIR, or use the "
            "domain feature network's FID, which needs no download"
        )
    from lowcount.models.weights import layout_problems, read_state_dict, sha256_of

    if path.name == FID_FILE and not sha256_of(path).startswith("6726825d"):
        raise ValueError(f"{path}: SHA-256 does not start with 6726825d as its name says; download it again")
    state = read_state_dict(path)
    net = FIDInception()
    expected = net.state_dict()
    missing, wrong = layout_problems(expected, state)
    if missing or wrong:
        raise ValueError(
            f"{path}: not the FID Inception layout (missing {missing[:3]}, wrong shapes {wrong[:3]}); expected "
            f"pytorch-fid's {FID_FILE}"
        )
    net.load_state_dict({k: state[k] for k in expected})
    return net.eval()
