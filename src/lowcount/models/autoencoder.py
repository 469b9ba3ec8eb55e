"""A small convolutional auto-encoder whose encoder is lowcount's domain feature network.

ImageNet networks (VGG) are often unavailable offline and were trained on natural RGB photographs, not on
single-channel count images. This auto-encoder is fitted on standard scans (``data.pairs: self``: input
and target are the same scan) and its encoder activations then serve as features for the perceptual loss
(lowcount.losses.perceptual, ``network: domain``). Layout (ours): per level two 3 x 3 convolutions with
LeakyReLU(0.2), the first of stride 2 from the second level on; the decoder mirrors it with
resize-convolution up-sampling. No skips, so the reconstruction has to pass through the features.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from lowcount.models.blocks import ResizeConv, check_input


def _level(in_ch: int, out_ch: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(out_ch, out_ch, 3, padding=1),
        nn.LeakyReLU(0.2, inplace=True),
    )


class FeatureAutoencoder(nn.Module):
    """Args: channels per encoder level, e.g. (16, 32, 64): the first at full resolution, then halved.

    ``features(x)`` returns the activation of each encoder level; ``forward(x)`` the reconstruction.
    Shapes: (B, 1, H, W) -> (B, 1, H, W), sides multiples of ``stride``.
    """

    def __init__(self, channels: tuple[int, ...] = (16, 32, 64)) -> None:
        super().__init__()
        if len(channels) < 2 or min(channels) < 1:
            raise ValueError(f"channels needs at least two positive levels, got {channels}")
        self.stride = 2 ** (len(channels) - 1)
        widths = (1, *channels)
        self.encoder = nn.ModuleList(
            [_level(widths[i], widths[i + 1], 1 if i == 0 else 2) for i in range(len(channels))]
        )
        decoder: list[nn.Module] = []
        for high, low in zip(reversed(channels[1:]), reversed(channels[:-1]), strict=True):
            decoder += [ResizeConv(2, high, low), nn.LeakyReLU(0.2, inplace=True)]
        decoder.append(nn.Conv2d(channels[0], 1, 3, padding=1))
        self.decoder = nn.Sequential(*decoder)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for level in self.encoder:
            x = level(x)
            out.append(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, self.stride, "FeatureAutoencoder")
        return self.decoder(self.features(x)[-1])


def load_feature_autoencoder(weights: str | Path | None) -> FeatureAutoencoder:
    """The fitted domain feature network in ``weights`` (lowcount weights of a ``feature_autoencoder``)."""
    from lowcount.models.weights import load_weights

    if weights is None:
        raise ValueError(
            "the domain feature network needs the weights of a fitted feature auto-encoder: fit one with "
            "`lowcount train feature_autoencoder --data COHORT --out runs/feature_net` and give "
            "runs/feature_net/model.safetensors (or use the shipped one, lowcount/shipped/feature_net)"
        )
    model, meta = load_weights(weights)
    if meta["model"] != "feature_autoencoder":
        raise ValueError(f"{weights}: holds a {meta['model']!r}, not a feature_autoencoder")
    return model
