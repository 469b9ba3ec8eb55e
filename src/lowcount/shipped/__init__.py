"""The models, filter settings and observer threshold that ship inside the package.

Built by ``lowcount ship-models`` (lowcount.ship) on a phantom cohort that no test or demo
uses, and read by ``lowcount enhance`` (``--model se_unet`` or ``--model se_lite_cyclegan``; the default
is ``DEFAULT_MODEL``) and by ``lowcount demo``. Each model folder holds ``model.safetensors``, its
``model.json`` sidecar and ``card.json`` (data, recipe, steps, validation numbers, training time).
"""

from __future__ import annotations

import json
from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parent
MODELS = ("se_unet", "se_lite_cyclegan")
DEFAULT_MODEL = "se_unet"
# Shipped weights that are starting points of other shipped models, not models offered for enhancement:
# se_unet_k3, the 3x-only SE-UNet that SE-LiteCycleGAN's generator starts from (model.init_from).
STARTS = ("se_unet_k3",)
FEATURE_NET = "feature_net"
CLASSICAL = ("gaussian", "median", "wiener", "tv")
STANDARD_FILTERS = ("gaussian", "tv")  # tuned for the standard scan itself (files classical/standard_<name>.json)


def model_weights(name: str) -> Path:
    """The shipped weights file of ``name`` (a key of ``MODELS``, ``STARTS`` or ``FEATURE_NET``)."""
    if name not in (*MODELS, *STARTS, FEATURE_NET):
        raise ValueError(f"no shipped model {name!r}; shipped: {', '.join(MODELS)}")
    path = SHIPPED_DIR / name / "model.safetensors"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the shipped {name} weights are missing from this installation; rebuild them with "
            "`lowcount ship-models` (see the README) or give --model a run folder"
        )
    return path


def card(name: str) -> dict:
    """The JSON card of a shipped model (empty when there is none)."""
    path = SHIPPED_DIR / name / "card.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def classical_card(method: str, scan: str = "fast") -> Path:
    """The tuned settings of ``method`` for fast scans, or (``scan="standard"``) for standard scans."""
    return SHIPPED_DIR / "classical" / (f"{method}.json" if scan == "fast" else f"standard_{method}.json")


def best_standard_filter() -> Path:
    """The card of the classical filter that brought the validation standard scans closest to their truth."""
    cards = [classical_card(m, "standard") for m in STANDARD_FILTERS]
    return max(cards, key=lambda path: json.loads(path.read_text())["psnr_db"])


def observer_threshold() -> float:
    path = SHIPPED_DIR / "observer.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; rebuild the shipped files with `lowcount ship-models`")
    return float(json.loads(path.read_text())["threshold"])
