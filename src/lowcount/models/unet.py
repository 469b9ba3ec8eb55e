"""U-Net (Ronneberger et al. 2015) in 2-D or 3-D, optionally with squeeze-and-excitation in every block.

- ``UNet(channels=(64, 128, 256, 512))``: the four-level U-Net of the micro-CT dose-reduction paper (2-D or
  3-D, trained with MAE) and the UNet baseline of the SE-LiteCycleGAN paper.
- ``SEUNet`` = ``UNet(se=True)`` with base width 16, ``channels=(16, 32, 64, 128, 256)``: the generator of
  SE-LiteCycleGAN. The paper puts SE attention into a UNet generator and cuts the number of kernels per
  layer to lighten it; its exact widths are not published, so base 16 is lowcount's "Lite" setting.

Choices (ours where the papers are silent): instance norm and LeakyReLU(0.2) in each block, max-pool
down-sampling, nearest-neighbour resize + convolution up-sampling (no checkerboard), concatenated skips,
and residual learning (the network predicts a correction added to its input) by default, since the
input is already a noisy version of the output. The input's sides must be multiples of
``2 ** (len(channels) - 1)`` (the ``stride`` attribute).
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import DoubleConv, ResizeConv, check_input, conv, unet_pass


class UNet(nn.Module):
    """Encoder-decoder with skips.

    Args:
        spatial_dims: 2 or 3.
        channels: feature channels per level, from the top; len(channels) levels.
        se: squeeze-and-excitation after every double convolution.
        norm: ``instance``, ``batch`` or ``none``.
        residual: output = input + network(input).
        se_reduction: SE bottleneck ratio.
        in_channels: 1, or 2 when the scan comes with its count-level map (``data.level_channel``): the
            second channel conditions the network and the residual is added to the first.
        padding_mode: ``zeros`` or ``replicate`` (the micro-CT recipes: blocks of a tiled volume then agree
            at their borders on flat regions).

    Shapes: (B, in_channels, H, W) or (B, in_channels, D, H, W) -> (B, 1, ...), sides multiples of ``stride``.
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        channels: tuple[int, ...] = (64, 128, 256, 512),
        se: bool = False,
        norm: str = "instance",
        residual: bool = True,
        se_reduction: int = 4,
        in_channels: int = 1,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        if in_channels < 1:
            raise ValueError(f"in_channels must be >= 1, got {in_channels}")
        if len(channels) < 2:
            raise ValueError(f"channels needs at least two levels, got {channels}")
        if any(c < 1 for c in channels):
            raise ValueError(f"channels must be positive, got {channels}")
        self.spatial_dims, self.residual = spatial_dims, residual
        self.stride = 2 ** (len(channels) - 1)
        self.in_channels = in_channels
        self.encoders = nn.ModuleList()
        previous = in_channels
        for c in channels:
            self.encoders.append(
                DoubleConv(spatial_dims, previous, c, norm, se, se_reduction, padding_mode=padding_mode)
            )
            previous = c
        self.pool = (nn.MaxPool2d if spatial_dims == 2 else nn.MaxPool3d)(2)
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for c in reversed(channels[:-1]):
            self.ups.append(ResizeConv(spatial_dims, previous, c, padding_mode))
            self.decoders.append(DoubleConv(spatial_dims, 2 * c, c, norm, se, se_reduction, padding_mode=padding_mode))
            previous = c
        self.head = conv(spatial_dims, previous, 1, kernel=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.spatial_dims, self.stride, type(self).__name__, self.in_channels)
        out = self.head(unet_pass(x, self.encoders, self.pool, self.ups, self.decoders))
        return x[:, :1] + out if self.residual else out


class SEUNet(UNet):
    """SE-UNet, the SE-LiteCycleGAN generator: UNet with SE in every block, base width 16 by default."""

    def __init__(
        self,
        spatial_dims: int = 2,
        channels: tuple[int, ...] = (16, 32, 64, 128, 256),
        norm: str = "instance",
        residual: bool = True,
        se_reduction: int = 4,
        in_channels: int = 1,
    ) -> None:
        super().__init__(spatial_dims, channels, True, norm, residual, se_reduction, in_channels)


class UNet3D(UNet):
    """The four-level 3-D U-Net of the micro-CT dose-reduction paper (input (B, 1, D, H, W))."""

    def __init__(
        self,
        channels: tuple[int, ...] = (32, 64, 128, 256),
        norm: str = "instance",
        residual: bool = True,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__(
            spatial_dims=3, channels=channels, se=False, norm=norm, residual=residual, padding_mode=padding_mode
        )
