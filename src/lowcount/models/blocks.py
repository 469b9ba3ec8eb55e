"""Building blocks shared by the networks: convolution units, attention, up-sampling.

Every block works in 2-D or 3-D (``spatial_dims``), single precision or bf16, on any device.
"""

from __future__ import annotations

import torch
from torch import nn

NORMS = ("instance", "batch", "none")
PADDING_MODES = ("zeros", "replicate")


def conv(
    spatial_dims: int,
    in_ch: int,
    out_ch: int,
    kernel: int = 3,
    stride: int = 1,
    bias: bool = True,
    padding_mode: str = "zeros",
) -> nn.Module:
    """A 'same'-padded convolution in 2-D or 3-D; ``padding_mode`` ``replicate`` repeats the edge, so a
    constant input stays constant up to the border (what tiled inference needs to leave no seams)."""
    if spatial_dims not in (2, 3):
        raise ValueError(f"spatial_dims must be 2 or 3, got {spatial_dims}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    cls = nn.Conv2d if spatial_dims == 2 else nn.Conv3d
    return cls(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, bias=bias, padding_mode=padding_mode)


def norm(spatial_dims: int, kind: str, channels: int) -> nn.Module:
    if kind not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {kind!r}")
    if kind == "none":
        return nn.Identity()
    if kind == "batch":
        return (nn.BatchNorm2d if spatial_dims == 2 else nn.BatchNorm3d)(channels)
    return (nn.InstanceNorm2d if spatial_dims == 2 else nn.InstanceNorm3d)(channels, affine=True)


class SqueezeExcitation(nn.Module):
    """Channel squeeze-and-excitation (Hu et al. 2018): global average pool, bottleneck MLP, sigmoid gate.

    Args:
        channels: feature channels.
        reduction: bottleneck ratio (hidden = max(channels // reduction, 4)).
    """

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        if reduction < 1:
            raise ValueError(f"reduction must be >= 1, got {reduction}")
        hidden = max(channels // reduction, 4)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels), nn.Sigmoid()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = x.mean(dim=tuple(range(2, x.ndim)))
        gate = self.fc(squeezed).view(*squeezed.shape, *([1] * (x.ndim - 2)))
        return x * gate


class DoubleConv(nn.Module):
    """Two conv-norm-activation units, optionally followed by squeeze-and-excitation (the SE-UNet block)."""

    def __init__(
        self,
        spatial_dims: int,
        in_ch: int,
        out_ch: int,
        norm_kind: str = "instance",
        se: bool = False,
        se_reduction: int = 4,
        negative_slope: float = 0.2,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv(spatial_dims, in_ch, out_ch, bias=norm_kind == "none", padding_mode=padding_mode),
            norm(spatial_dims, norm_kind, out_ch),
            nn.LeakyReLU(negative_slope, inplace=True),
            conv(spatial_dims, out_ch, out_ch, bias=norm_kind == "none", padding_mode=padding_mode),
            norm(spatial_dims, norm_kind, out_ch),
            nn.LeakyReLU(negative_slope, inplace=True),
        )
        self.se = SqueezeExcitation(out_ch, se_reduction) if se else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.se(self.body(x))


class ResizeConv(nn.Module):
    """Up-sampling by 2 as nearest-neighbour resize then convolution (no checkerboard artefacts, Odena 2016)."""

    def __init__(self, spatial_dims: int, in_ch: int, out_ch: int, padding_mode: str = "zeros") -> None:
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = conv(spatial_dims, in_ch, out_ch, padding_mode=padding_mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.up(x))


class ChannelAttention(nn.Module):
    """RCAN's channel attention (Zhang et al. 2018): pooled statistics through 1x1 convolutions, sigmoid gate."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)


def unet_pass(x: torch.Tensor, encoders, pool, ups, decoders) -> torch.Tensor:
    """The plain U-Net pass: each encoder after pooling the previous level's output, then each up-sampling,
    concatenation with the skip of its level and decoder; returns the top level's decoder output."""
    skips = []
    h = x
    for i, encoder in enumerate(encoders):
        h = encoder(h if i == 0 else pool(h))
        skips.append(h)
    for up, decoder, skip in zip(ups, decoders, reversed(skips[:-1]), strict=True):
        h = decoder(torch.cat([up(h), skip], dim=1))
    return h


def check_input(x: torch.Tensor, spatial_dims: int, stride: int, name: str, channels: int = 1) -> None:
    """Raise a clear error when ``x`` is not (B, channels, *spatial) with sides a multiple of ``stride``."""
    if torch.jit.is_tracing():  # ONNX export traces symbolic sizes; the check applies to real inputs only
        return
    if x.ndim != spatial_dims + 2 or x.shape[1] != channels:
        dims = ", ".join("DHW"[-spatial_dims:])
        raise ValueError(f"{name} takes (B, {channels}, {dims}) input, got shape {tuple(x.shape)}")
    bad = [s for s in x.shape[2:] if s % stride]
    if bad:
        raise ValueError(
            f"{name}: spatial sizes {tuple(x.shape[2:])} must be multiples of {stride}; pad the input "
            "(lowcount.data.geometry.fit does this)"
        )
