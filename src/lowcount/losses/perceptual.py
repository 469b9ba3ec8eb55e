"""Perceptual (feature) losses: distances between network activations of the output and the target.

Networks:
- ``vgg16`` / ``vgg19``: the VGG feature stacks (Simonyan & Zisserman 2015), defined here; their ImageNet
  weights are read from a local file in torchvision's state-dict layout (``features.<i>.weight``), never
  downloaded. The file is ``weights`` if given, else ``$LOWCOUNT_WEIGHTS_DIR/<torchvision file name>``.
  A file named like torchvision's (``name-<sha256 prefix>.pth``) must match that prefix.
- ``domain``: the encoder of lowcount's FeatureAutoencoder fitted on standard scans (lowcount weights:
  .safetensors + .json sidecar), for offline use and for features that know count images.

Layer names for VGG: ``conv<block>_<k>``, ``relu<block>_<k>``, ``pool<block>`` (``relu2_2`` is the end of
the second block). EMANet's composite loss uses the first two blocks of VGG16 (``relu1_2``, ``relu2_2``,
our reading of "the first two layers"); ESRGAN-style losses use VGG19 ``conv5_4``. For ``domain`` the
layers are encoder levels ``level1``, ``level2``...

Count images are mapped for ImageNet networks as: divide output and target by the target's 99th
percentile per image (so bone is about 0.2-1 and the bladder may exceed 1), copy to three channels,
then ImageNet mean/std normalisation.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from lowcount.models.autoencoder import load_feature_autoencoder
from lowcount.models.vgg import load_vgg

DEFAULT_LAYERS = {"vgg16": ("relu1_2", "relu2_2"), "vgg19": ("conv5_4",), "domain": None}
NETWORKS = tuple(DEFAULT_LAYERS)
CRITERIA = ("l1", "mse")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PerceptualLoss(nn.Module):
    """Mean over ``layers`` of the L1 (or MSE) distance between features of ``pred`` and ``target``.

    Args:
        network: ``vgg16``, ``vgg19`` or ``domain``.
        layers: feature layers (defaults: see DEFAULT_LAYERS; all encoder levels for ``domain``).
        weights: file of the network's weights (VGG: torchvision layout; domain: lowcount weights).
        criterion: ``l1`` or ``mse``.

    Shapes: pred, target (B, 1, H, W) in network units; returns a scalar. The feature network is frozen.
    """

    def __init__(
        self,
        network: str = "vgg16",
        layers: tuple[str, ...] | None = None,
        weights: str | Path | None = None,
        criterion: str = "l1",
    ) -> None:
        super().__init__()
        if network not in NETWORKS:
            raise ValueError(f"perceptual network must be one of {NETWORKS}, got {network!r}")
        if criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {CRITERIA}, got {criterion!r}")
        self.network, self.criterion = network, criterion
        if network == "domain":
            self.net = load_feature_autoencoder(weights)
            names = [f"level{i + 1}" for i in range(len(self.net.encoder))]
        else:
            self.net = load_vgg(network, weights)
            names = self.net.layer_names
        self.layers = tuple(layers) if layers else (DEFAULT_LAYERS[network] or tuple(names))
        unknown = [name for name in self.layers if name not in names]
        if unknown:
            raise ValueError(f"unknown {network} layer(s) {unknown}; choose from {names}")
        self.net.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True):  # the feature network always stays in eval mode
        super().train(mode)
        self.net.eval()
        return self

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        if self.network == "domain":
            levels = self.net.features(x)
            return [levels[int(name[len("level") :]) - 1] for name in self.layers]
        return self.net((x.expand(-1, 3, -1, -1) - self.mean) / self.std, self.layers)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if pred.shape != target.shape or pred.ndim != 4 or pred.shape[1] != 1:
            raise ValueError(
                f"PerceptualLoss takes two (B, 1, H, W) tensors of one shape, got {tuple(pred.shape)}, "
                f"{tuple(target.shape)}"
            )
        if self.network != "domain":
            scale = torch.quantile(target.detach().flatten(1).float(), 0.99, dim=1).clamp_min(1e-6)
            scale = scale.view(-1, 1, 1, 1)
            pred, target = pred / scale, target / scale
        distance = nn.functional.l1_loss if self.criterion == "l1" else nn.functional.mse_loss
        pairs = zip(self._features(pred), self._features(target), strict=True)
        return torch.stack([distance(p, t.detach()) for p, t in pairs]).mean()


class PerceptualTerm(PerceptualLoss):
    """:class:`PerceptualLoss` as a term of lowcount.losses.pixel.CompositeLoss (``{name: perceptual, network:
    vgg16, weights: FILE}``), so that supervised training can use it: EMANet's composite loss is
    ``[{name: mse, weight: 0.8}, {name: perceptual, weight: 0.2}]`` (lambda 0.2). The pixel weight map (0 on
    the bladder) is not applied to features, whose receptive fields mix neighbouring pixels."""

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        return super().forward(pred, target)
