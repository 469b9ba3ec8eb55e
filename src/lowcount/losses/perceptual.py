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

import os
import re
from pathlib import Path

import torch
from torch import nn

VGG_LAYOUTS = {
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "vgg19": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
}
# torchvision's file names; the hex part is the start of the file's SHA-256.
VGG_FILES = {"vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth"}
VGG_URL = "https://download.pytorch.org/models/{}"
DEFAULT_LAYERS = {"vgg16": ("relu1_2", "relu2_2"), "vgg19": ("conv5_4",), "domain": None}
NETWORKS = tuple(DEFAULT_LAYERS)
CRITERIA = ("l1", "mse")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGFeatures(nn.Module):
    """VGG16/19 convolutional part with torchvision's module indices, so its state dict loads as is."""

    def __init__(self, name: str = "vgg16") -> None:
        super().__init__()
        if name not in VGG_LAYOUTS:
            raise ValueError(f"VGG must be one of {sorted(VGG_LAYOUTS)}, got {name!r}")
        layers: list[nn.Module] = []
        self.layer_names: list[str] = []
        block, k, channels = 1, 0, 3
        for item in VGG_LAYOUTS[name]:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
                self.layer_names.append(f"pool{block}")
                block, k = block + 1, 0
                continue
            k += 1
            layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU(inplace=False)]
            self.layer_names += [f"conv{block}_{k}", f"relu{block}_{k}"]
            channels = item
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, layers: tuple[str, ...]) -> list[torch.Tensor]:
        wanted = {self.layer_names.index(name): name for name in layers}
        out: dict[str, torch.Tensor] = {}
        for i, module in enumerate(self.features):
            x = module(x)
            if i in wanted:
                out[wanted[i]] = x
            if len(out) == len(wanted):
                break
        return [out[name] for name in layers]


def sha256_of(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_vgg_file(name: str, weights: str | Path | None) -> Path:
    """The local file of ``name``'s ImageNet weights, or a FileNotFoundError that says how to get it."""
    standard = VGG_FILES[name]
    if weights is not None:
        path = Path(weights)
    elif os.environ.get("LOWCOUNT_WEIGHTS_DIR"):
        path = Path(os.environ["LOWCOUNT_WEIGHTS_DIR"]) / standard
    else:
        path = None
    if path is None or not path.is_file():
        prefix = standard.split("-")[1].split(".")[0]
        where = f"{path}" if path is not None else "no file given and LOWCOUNT_WEIGHTS_DIR is not set"
        raise FileNotFoundError(
            f"{name} ImageNet weights not found ({where}). lowcount never downloads: place torchvision's "
            f"{standard} (SHA-256 starting {prefix}, normally obtained from {VGG_URL.format(standard)} or from "
            f"a torchvision cache ~/.cache/torch/hub/checkpoints/) in $LOWCOUNT_WEIGHTS_DIR or give its path "
            f"as perceptual.weights; or use network: domain, which needs no download"
        )
    return path


def read_state_dict(path: Path) -> dict:
    """A state dict from a .safetensors file or (safely, ``weights_only``) from a PyTorch pickle."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError, EOFError for damaged or unsafe files
        raise ValueError(f"{path}: not a readable state dict ({type(exc).__name__}: {exc})") from exc


def layout_problems(expected: dict, state: dict) -> tuple[list[str], list[str]]:
    """(keys of ``expected`` missing from ``state``, keys whose tensor shapes differ)."""
    missing = sorted(set(expected) - set(state))
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    return missing, wrong


def load_vgg(name: str, weights: str | Path | None = None) -> VGGFeatures:
    """VGGFeatures with ImageNet weights from a local torchvision-layout file (.pth or .safetensors)."""
    path = resolve_vgg_file(name, weights)
    match = re.search(r"-([0-9a-f]{8,})\.", path.name)
    if match and not sha256_of(path).startswith(match.group(1)):
        raise ValueError(
            f"{path}: SHA-256 does not start with {match.group(1)} as its name says; the file is damaged or "
            "not the published one. Download it again or rename a deliberately different file"
        )
    state = read_state_dict(path)
    features = {k: v for k, v in state.items() if k.startswith("features.")}
    net = VGGFeatures(name)
    missing, wrong = layout_problems(net.state_dict(), features)
    if missing or wrong:
        raise ValueError(
            f"{path}: not torchvision's {name} layout (missing {missing[:4]}, wrong shapes {wrong[:4]}); "
            f"the file must hold keys features.<i>.weight/bias as torchvision's {VGG_FILES[name]} does"
        )
    net.load_state_dict(features)
    return net


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
            self.net = _load_domain(weights)
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


def _load_domain(weights: str | Path | None) -> nn.Module:
    if weights is None:
        raise ValueError(
            "perceptual network 'domain' needs the weights of a fitted feature auto-encoder (perceptual.weights); "
            "lowcount train fits one itself when the GAN config leaves weights empty"
        )
    from lowcount.models.weights import load_weights

    model, meta = load_weights(weights)
    if meta["model"] != "feature_autoencoder":
        raise ValueError(f"{weights}: holds a {meta['model']!r}, not a feature_autoencoder")
    return model
