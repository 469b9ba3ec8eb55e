"""PatchGAN discriminators (Isola et al. 2017): a fully convolutional critic that scores overlapping patches.

With ``n_layers=3`` each output value sees a 70 x 70 pixel patch of the input (4 x 4 convolutions: three of
stride 2, then two of stride 1), the discriminator of pix2pix, CycleGAN and SE-LiteCycleGAN. Choices:
LeakyReLU(0.2); no normalisation on the first layer; instance norm elsewhere by default (``norm="none"``
for a WGAN-GP critic, whose gradient penalty is per sample and must not mix samples through batch
statistics). ``MultiScalePatchGAN`` runs ``n_scales`` PatchGANs on the input down-sampled by 1, 2, 4...
(average pooling), as in pix2pixHD; it returns one logit map per scale.

These are not image-to-image networks, so they live in ``DISCRIMINATORS``, not in ``lowcount.models.MODELS``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lowcount.models.blocks import norm


class PatchGAN(nn.Module):
    """Args:
        in_channels: 1 for an unconditional critic, 2 when the input image is concatenated (pix2pix).
        channels: width of the first layer (doubled per layer up to 8 x).
        n_layers: stride-2 layers; the receptive field is 70 px for 3, 34 for 2, 142 for 4.
        norm: ``instance``, ``batch`` or ``none``.

    Shapes: (B, in_channels, H, W) -> (B, 1, H', W') logits, H' about H / 2**n_layers - 2.
    """

    def __init__(
        self, in_channels: int = 1, channels: int = 64, n_layers: int = 3, norm_kind: str = "instance"
    ) -> None:
        super().__init__()
        if n_layers < 1 or channels < 1 or in_channels < 1:
            raise ValueError(
                f"n_layers, channels and in_channels must be >= 1, got {n_layers}, {channels}, {in_channels}"
            )
        layers: list[nn.Module] = [nn.Conv2d(in_channels, channels, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        width = channels
        for i in range(1, n_layers + 1):
            previous, width = width, channels * min(2**i, 8)
            stride = 2 if i < n_layers else 1
            layers += [
                nn.Conv2d(previous, width, 4, stride, 1, bias=norm_kind == "none"),
                norm(2, norm_kind, width),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        layers.append(nn.Conv2d(width, 1, 4, 1, 1))
        self.body = nn.Sequential(*layers)
        self.in_channels = in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"PatchGAN takes (B, {self.in_channels}, H, W), got shape {tuple(x.shape)}")
        return self.body(x)


class MultiScalePatchGAN(nn.Module):
    """``n_scales`` PatchGANs, the k-th on the input average-pooled k times by 2; returns a list of logits."""

    def __init__(
        self,
        in_channels: int = 1,
        channels: int = 64,
        n_layers: int = 3,
        norm_kind: str = "instance",
        n_scales: int = 2,
    ) -> None:
        super().__init__()
        if n_scales < 1:
            raise ValueError(f"n_scales must be >= 1, got {n_scales}")
        self.scales = nn.ModuleList([PatchGAN(in_channels, channels, n_layers, norm_kind) for _ in range(n_scales)])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for i, critic in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            outputs.append(critic(x))
        return outputs


DISCRIMINATORS = {"patchgan": PatchGAN, "multiscale_patchgan": MultiScalePatchGAN}


def build_discriminator(name: str, **kwargs) -> nn.Module:
    """``DISCRIMINATORS[name](**kwargs)``; a bad name or argument raises a ValueError naming it."""
    if name not in DISCRIMINATORS:
        raise ValueError(f"unknown discriminator {name!r}; choose from {sorted(DISCRIMINATORS)}")
    try:
        return DISCRIMINATORS[name](**kwargs)
    except TypeError as exc:
        raise ValueError(f"discriminator {name!r}: {exc}") from exc
