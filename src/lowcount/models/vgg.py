"""The VGG16/VGG19 feature stacks (Simonyan & Zisserman 2015) with ImageNet weights from a local file.

The layout follows torchvision's module indices (``features.<i>.weight``), so torchvision's state dicts
load as they are; the weights are read from a local file, never downloaded. The file is ``weights`` if
given, else ``$LOWCOUNT_WEIGHTS_DIR/<torchvision file name>``; a file named like torchvision's
(``name-<sha256 prefix>.pth``) must match that prefix. Layer names: ``conv<block>_<k>``,
``relu<block>_<k>``, ``pool<block>``. Used by the perceptual losses (lowcount.losses.perceptual) and by
LPIPS (lowcount.evaluate.features).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch
from torch import nn

from lowcount.models.weights import layout_problems, read_state_dict, sha256_of

VGG_LAYOUTS = {
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "vgg19": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
}
# torchvision's file names; the hex part is the start of the file's SHA-256.
VGG_FILES = {"vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth"}
VGG_URL = "https://download.pytorch.org/models/{}"


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
