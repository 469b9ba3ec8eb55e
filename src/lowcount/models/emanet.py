"""EMANet's two networks (two-stage SPECT bone-scan denoising; paper in ../shared/papers, Fig. 2).

- :class:`NoiseLevelEstimator` (stage 1, Fig. 2a): a three-level U-Net of RDC blocks, global average pooling
  (over the body) and a fully connected layer giving one logit per noise level (the paper's levels 1-50, lowcount's
  definition in lowcount.data.degrade.emanet_noise). :meth:`NoiseLevelEstimator.level` turns the logits
  into a level: the expectation over the softmax, a continuous estimate (the arg-max is the class).
- :class:`EMANet` (stage 2, Fig. 2b): a U-Net whose input is the noisy image concatenated with the noise
  level map. Every level is an RDC block; going down, the max-pooled features and the MD block's
  dilated-convolution features are fused by an RCAG gate; going up, nearest-neighbour resize and
  convolution, concatenated skips and RDC blocks; the decoder outputs of every level are fused by CF blocks
  into the predicted noise, and the output is the input minus the noise (residual learning, eqs. 2-3).

The flags ``rdc``, ``md``, ``rcag`` and ``cf`` switch each module off for the paper's ablation (Table 4):
without RDC a level is two 3x3 conv-BN-ReLU units (the U-Net's own block); without MD the RCAG gate sees the
pooled features alone; without RCAG the pooled and MD features are added; without CF the last decoder
output alone gives the noise. The paper does not publish widths: lowcount's defaults are (16, 32, 64, 128)
for the backbone (stride 8) and (16, 32, 64) for the estimator (stride 4).
"""

from __future__ import annotations

import torch
from torch import nn

from lowcount.models.blocks import ResizeConv, check_input, unet_pass
from lowcount.models.emanet_blocks import (
    MD_DILATIONS,
    AttentionGate,
    DecoderFusion,
    DenseResidualBlock,
    MultiscaleDilatedBlock,
    conv_bn_relu,
)


def _level_block(in_ch: int, out_ch: int, rdc: bool) -> nn.Module:
    return (
        DenseResidualBlock(in_ch, out_ch)
        if rdc
        else nn.Sequential(conv_bn_relu(in_ch, out_ch), conv_bn_relu(out_ch, out_ch))
    )


def _check_channels(channels: tuple[int, ...], least: int, most: int | None = None) -> None:
    if len(channels) < least or (most is not None and len(channels) > most):
        span = f"{least}-{most}" if most else f"at least {least}"
        raise ValueError(f"channels needs {span} levels, got {channels}")
    if any(c < 1 for c in channels):
        raise ValueError(f"channels must be positive, got {channels}")


BODY_GREY = 10.0  # grey level (of 255) from which a pixel counts as body in the estimator's pooling


class NoiseLevelEstimator(nn.Module):
    """Args:
        channels: widths of the U-Net's levels, from the top (three in the paper).
        levels: noise levels to classify (1..levels).
        in_channels: image channels.

    Shapes: (B, in_channels, H, W), sides multiples of ``stride`` -> logits (B, levels).

    Input: images on their 0-1 grey scale (divided by their smoothed peak, lowcount.data.noise_level_samples).
    The network first takes ``sqrt(255 x)``, the square root of the grey value, where Poisson noise of level L
    has the same standard deviation ``L / sqrt(512)`` at every brightness (the Anscombe idea): the level is
    then the size of the noise alone, not its size relative to the local signal. The global average pooling
    averages over the body only, pixels of grey value ``BODY_GREY`` or more (the background of a bone scan
    holds no noise to measure, and how much of it an image holds says nothing about the level). The paper
    feeds the image as it is and pools over all of it; trained that way, ours learned nothing in 500 steps
    (a validation level RMSE of 9.7, the spread of the levels; docs/benchmarks.md).
    """

    def __init__(self, channels: tuple[int, ...] = (16, 32, 64), levels: int = 50, in_channels: int = 1) -> None:
        super().__init__()
        _check_channels(channels, 2)
        if levels < 2 or in_channels < 1:
            raise ValueError(f"levels must be >= 2 and in_channels >= 1, got {levels} and {in_channels}")
        self.levels, self.in_channels = levels, in_channels
        self.stride = 2 ** (len(channels) - 1)
        self.encoders = nn.ModuleList(
            DenseResidualBlock(previous, c) for previous, c in zip((in_channels, *channels[:-1]), channels, strict=True)
        )
        self.pool = nn.MaxPool2d(2)
        self.ups = nn.ModuleList(
            ResizeConv(2, deep, c) for deep, c in zip(channels[:0:-1], channels[-2::-1], strict=True)
        )
        self.decoders = nn.ModuleList(DenseResidualBlock(2 * c, c) for c in channels[-2::-1])
        self.classify = nn.Linear(channels[0], levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, type(self).__name__, self.in_channels)
        grey = 255.0 * x.clamp_min(0.0)
        h = unet_pass(torch.sqrt(grey), self.encoders, self.pool, self.ups, self.decoders)
        body = (grey >= BODY_GREY).to(h.dtype)
        pooled = (h * body).sum(dim=(2, 3)) / body.sum(dim=(2, 3)).clamp_min(1.0)
        return self.classify(pooled)

    def level(self, logits: torch.Tensor) -> torch.Tensor:
        """The estimated level (B,): the softmax-weighted mean of 1..levels."""
        values = torch.arange(1, self.levels + 1, device=logits.device, dtype=torch.float32)
        return torch.softmax(logits.float(), dim=1) @ values


class EMANet(nn.Module):
    """Args:
        channels: widths of the U-Net's levels, from the top (2-4 levels: one MD block per step down, with the
            paper's dilation sets in order).
        in_channels: 2 (image + noise-level map, the paper's design) or 1 (the image alone).
        rdc, md, rcag, cf: the modules, each on by default (off for the ablation).

    Shapes: (B, in_channels, H, W), sides multiples of ``stride`` -> (B, 1, H, W) = x[:, :1] - noise.
    """

    def __init__(
        self,
        channels: tuple[int, ...] = (16, 32, 64, 128),
        in_channels: int = 2,
        rdc: bool = True,
        md: bool = True,
        rcag: bool = True,
        cf: bool = True,
    ) -> None:
        super().__init__()
        _check_channels(channels, 2, len(MD_DILATIONS) + 1)
        if in_channels not in (1, 2):
            raise ValueError(f"in_channels must be 1 (image) or 2 (image + noise-level map), got {in_channels}")
        self.in_channels, self.md_on, self.rcag_on, self.cf_on = in_channels, md, rcag, cf
        self.stride = 2 ** (len(channels) - 1)
        inputs = (in_channels, *channels[:-1])
        self.encoders = nn.ModuleList(_level_block(i, c, rdc) for i, c in zip(inputs, channels, strict=True))
        self.pool = nn.MaxPool2d(2)
        steps = list(zip(channels[:-1], MD_DILATIONS, strict=False))
        self.mds = nn.ModuleList(MultiscaleDilatedBlock(c, c, rates) for c, rates in steps) if md else None
        self.gates = nn.ModuleList(AttentionGate(c, 2 if md else 1) for c, _ in steps) if rcag else None
        self.ups = nn.ModuleList(
            ResizeConv(2, deep, c) for deep, c in zip(channels[:0:-1], channels[-2::-1], strict=True)
        )
        self.decoders = nn.ModuleList(_level_block(2 * c, c, rdc) for c in channels[-2::-1])
        fine = channels[-3::-1]
        self.fusions = (
            nn.ModuleList(DecoderFusion(c, f) for c, f in zip(channels[-2:0:-1], fine, strict=True)) if cf else None
        )
        self.head = nn.Conv2d(channels[0], 1, 1)

    def _down(self, i: int, h: torch.Tensor) -> torch.Tensor:
        pooled = self.pool(h)
        wide = self.mds[i](h) if self.md_on else None
        if self.rcag_on:
            return self.gates[i](pooled, wide) if self.md_on else self.gates[i](pooled)
        return pooled + wide if self.md_on else pooled

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, type(self).__name__, self.in_channels)
        skips = []
        h = x
        for i, encoder in enumerate(self.encoders):
            h = encoder(h if i == 0 else self._down(i - 1, h))
            skips.append(h)
        decoded = []
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips[:-1]), strict=True):
            h = decoder(torch.cat([up(h), skip], dim=1))
            decoded.append(h)
        fused = decoded[0]
        if self.cf_on:
            for fusion, finer in zip(self.fusions, decoded[1:], strict=True):
                fused = fusion(fused, finer)
        else:
            fused = decoded[-1]
        return x[:, :1] - self.head(fused)
