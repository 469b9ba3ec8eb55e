"""Training configuration: a YAML file with ``model:``, ``data:``, ``train:`` and one method section.

``train.method`` picks the training method, and the section named after it holds that method's settings
(lowcount.train.method_config): ``supervised:``, ``gan:``, ``cyclegan:``, ``noise_level:`` or
``segmentation:``. Any other section, and any key the method does not use, is an error. Example (the se_unet recipe)::

    model:
      name: se_unet
      args: {channels: [16, 32, 64, 128, 256]}
    data:
      fast: fast3x
      patch: [192, 192]
    train:
      steps: 20000
      batch_size: 8
      lr: 2.0e-4
      betas: [0.5, 0.999]
    supervised:
      loss: [{name: l1, weight: 1.0}]
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lowcount.config import from_dict, read_yaml
from lowcount.data.config import DataConfig
from lowcount.train.method_config import (
    METHOD_CONFIGS,
    CycleGANConfig,
    NoiseLevelConfig,
    PairedGANConfig,
    SegmentationConfig,
    SupervisedConfig,
)

SCHEDULERS = ("constant", "cosine", "linear_decay")
AMP = ("none", "bf16")
METHODS = tuple(METHOD_CONFIGS)


@dataclass(frozen=True)
class ModelConfig:
    """``name`` from lowcount.models.MODELS and the constructor ``args``.

    ``init_from``: start from trained weights instead of a random draw (fine-tuning): a .safetensors file
    with its .json sidecar, or the name of a shipped model (``se_unet``); its architecture and arguments
    must be these. Only the network being trained starts there (in a CycleGAN, G; F and the critics
    start fresh), and a resumed run takes its weights from the checkpoint.

    ``init_parts``: start named parts of the network from trained weights, ``{part: weights}``, e.g. the
    two-stage EMANet's ``estimator`` and ``backbone`` from their own runs (``configs/emanet_joint.yaml``); each
    file must hold a network of that part's architecture.
    """

    name: str = "se_unet"
    args: dict = field(default_factory=dict)
    init_from: str | None = None
    init_parts: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from lowcount.models import MODELS

        if self.name not in MODELS:
            raise ValueError(f"unknown model {self.name!r}; choose from {sorted(MODELS)}")
        if self.init_from and self.init_parts:
            raise ValueError("model.init_from and model.init_parts both set: start from one or the other")


OPTIMISER_NAMES = ("adam", "adamw", "radam")  # lowcount.train.optimisers.OPTIMISERS, without importing torch


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and bookkeeping, shared by every method.

    Attributes:
        method: ``supervised`` (pixel losses on pairs), ``gan`` (pairs with an adversarial term: pix2pix,
            the RRDBNet GAN, WGAN), ``cyclegan`` (unpaired, two generators), ``noise_level`` (EMANet's
            noise-level classifier) or ``segmentation`` (the lesion segmenter); its settings are the section of
            the same name.
        steps: optimiser steps in total.
        batch_size: samples per step and process (the global batch is batch_size x processes).
        lr, betas: Adam settings of the network being trained (the generators of adversarial methods).
        optimiser: ``adam``, ``adamw`` or ``radam`` (lowcount.train.optimisers) for supervised training; the
            adversarial methods use Adam.
        scheduler: ``constant``, ``cosine`` (to 0 over ``steps``) or ``linear_decay`` (constant for the first
            half, then linearly to 0, the CycleGAN recipe).
        ema_decay: keep an exponential moving average of the weights (None for off); the EMA weights are
            validated and exported.
        amp: ``none`` or ``bf16`` (autocast on CPUs with bf16 support and on GPUs).
        checkpoint_every, validate_every, log_every: in steps.
        grad_clip: clip the gradient norm (None for off).
        num_workers: DataLoader worker processes.
        seed: seeds model initialisation and every data draw.
        export: which weights become ``model.safetensors``: ``last`` (the final step) or ``best`` (the
            validation ranked first by lowcount.train.selection.rank: fewest created hot spots per image,
            then PSNR; the adversarial recipes use it, as their critics can start to draw hot spots late).
        lesion_free_seeds: lesion-free phantom patients whose fast scans every validation also enhances,
            counting the hot spots the model creates there (lowcount.evaluate.validation.LesionFreeCheck); empty
            for none.
    """

    method: str = "supervised"
    steps: int = 1000
    batch_size: int = 8
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    optimiser: str = "adam"
    scheduler: str = "constant"
    ema_decay: float | None = None
    amp: str = "none"
    checkpoint_every: int = 500
    validate_every: int = 500
    log_every: int = 10
    grad_clip: float | None = None
    num_workers: int = 0
    seed: int = 0
    export: str = "last"
    lesion_free_seeds: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        from lowcount.train.selection import EXPORTS

        if self.export not in EXPORTS:
            raise ValueError(f"export must be one of {EXPORTS}, got {self.export!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(f"steps and batch_size must be >= 1, got {self.steps}, {self.batch_size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.optimiser not in OPTIMISER_NAMES:
            raise ValueError(f"optimiser must be one of {OPTIMISER_NAMES}, got {self.optimiser!r}")
        if self.optimiser != "adam" and self.method not in ("supervised", "noise_level", "segmentation"):
            raise ValueError(f"optimiser {self.optimiser!r} is for supervised training; method {self.method} uses adam")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {SCHEDULERS}, got {self.scheduler!r}")
        if self.amp not in AMP:
            raise ValueError(f"amp must be one of {AMP}, got {self.amp!r}")
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        for name in ("checkpoint_every", "validate_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


MOVED = {
    "train.loss": "supervised.loss (or gan.pixel_loss for train.method gan)",
    "train.weight_decay": "supervised.weight_decay",
    "gan.discriminator": "critic (name and args) in the method's section",
    "gan.loss": "critic.objective (the adversarial loss) in the method's section; pixel terms are gan.pixel_loss",
    "gan.d_lr": "critic.lr in the method's section",
    "gan.d_betas": "critic.betas in the method's section",
    "gan.gp_weight": "critic.gp_weight in the method's section",
    "gan.perceptual.fit_steps": "train feature_autoencoder first and set gan.perceptual.weights",
    "gan.perceptual.autoencoder": "train feature_autoencoder first and set gan.perceptual.weights",
}


@dataclass(frozen=True)
class RunConfig:
    """A whole training config: ``model``, ``data``, ``train`` and the settings of ``train.method``.

    ``method`` is the dataclass of ``METHOD_CONFIGS[train.method]``, read from the YAML section named after
    the method (``supervised:``, ``gan:`` or ``cyclegan:``). Checks that need more than one section live here.
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    method: SupervisedConfig | PairedGANConfig | CycleGANConfig | NoiseLevelConfig | SegmentationConfig = field(
        default_factory=SupervisedConfig
    )

    def __post_init__(self) -> None:
        name = self.train.method
        if not isinstance(self.method, METHOD_CONFIGS[name]):
            raise ValueError(
                f"train.method is {name!r} but the method settings are {type(self.method).__name__}; "
                f"give them in a {name!r} section"
            )
        pairs = self.data.pairs
        if (name == "noise_level") != (self.model.name == "noise_level_estimator"):
            raise ValueError(
                f"train.method noise_level trains model noise_level_estimator and nothing else (got method {name!r}, "
                f"model {self.model.name!r})"
            )
        if (name == "segmentation") != (self.model.name == "lesion_unet"):
            raise ValueError(
                f"train.method segmentation trains model lesion_unet and nothing else (got method {name!r}, "
                f"model {self.model.name!r})"
            )
        if name == "noise_level" and self.model.args.get("levels", 50) < self.method.levels[1]:
            raise ValueError(
                f"noise_level.levels reach {self.method.levels[1]} but the model classifies "
                f"{self.model.args.get('levels', 50)} levels; raise model.args.levels"
            )
        if name == "cyclegan" and pairs not in ("acquired", "thinned"):
            raise ValueError(f"train.method cyclegan takes data.pairs 'acquired' or 'thinned', got {pairs!r}")
        if name == "cyclegan" and self.method.split_weight > 0 and not self.data.thin_factor > 1:
            raise ValueError(f"cyclegan.split_weight needs data.thin_factor > 1, got {self.data.thin_factor}")
        if self.data.thin_factor_range is not None and name == "cyclegan":
            raise ValueError("data.thin_factor_range applies to paired methods; cyclegan uses data.thin_factor")
        if self.data.level_channel and (name != "supervised" or self.model.args.get("in_channels") != 2):
            raise ValueError(
                "data.level_channel feeds the count level as a second input channel: it needs train.method "
                f"supervised and model.args.in_channels: 2 (got {name!r}, {self.model.args.get('in_channels', 1)})"
            )
        if self.train.lesion_free_seeds and pairs in ("emanet", "self"):
            raise ValueError(
                f"train.lesion_free_seeds needs fast scans to enhance, but data.pairs {pairs!r} keeps the count "
                "level; leave lesion_free_seeds empty for this data.pairs"
            )
        perceptual = getattr(self.method, "perceptual", None)
        if perceptual is not None and self.method.perceptual_weight > 0:
            if perceptual.network == "domain" and perceptual.weights is None:
                raise ValueError(
                    "gan.perceptual.network domain needs gan.perceptual.weights: fit the feature network first, "
                    "`lowcount train feature_autoencoder --data COHORT --out runs/feature_net`, then give "
                    "--set gan.perceptual.weights=runs/feature_net/model.safetensors"
                )


def plain(cfg: RunConfig) -> dict:
    """The resolved config as YAML-able sections (tuples become lists), the method's under its own name."""
    data = json.loads(json.dumps(asdict(cfg)))
    method = data.pop("method")
    return {**data, cfg.train.method: method}


def apply_overrides(data: dict, overrides: tuple[str, ...] | list[str], where: str = "config") -> dict:
    """``section.key=value`` assignments (values in YAML, e.g. ``data.patch=[128,128]``) applied to ``data``."""
    import yaml

    from lowcount.config import ConfigError

    for item in overrides:
        key, sep, text = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise ConfigError(f"{where}: override {item!r} must look like section.key=value, e.g. train.steps=500")
        node = data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{where}: override {item!r}: {part!r} is a value, not a section")
            node = child
        node[parts[-1]] = yaml.safe_load(text)
    return data


def _moved_keys(sections: dict) -> list[str]:
    found = []
    for old, new in MOVED.items():
        node = sections
        for part in old.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            found.append(f"{old} is now {new}")
    return found


def run_config(sections: dict, where: str = "config") -> RunConfig:
    """A RunConfig from YAML sections: ``model``, ``data``, ``train`` and the one named after ``train.method``.

    Raises:
        ConfigError: an unknown section, a section of another method, an unknown or misplaced key, or a bad
            value, naming the file, the key and the method.
    """
    from lowcount.config import ConfigError

    if moved := _moved_keys(sections):
        raise ConfigError(f"{where}: {'; '.join(moved)}")
    if not isinstance(sections.get("model"), dict):
        raise ConfigError(
            f"{where}: a training config needs a 'model' section naming the network (e.g. model: {{name: se_unet}}); "
            "`lowcount configs show se_unet` prints a complete one"
        )
    train_cfg = from_dict(TrainConfig, sections.get("train"), f"{where}:train")
    name = train_cfg.method
    others = sorted(set(sections) - {"model", "data", "train", name})
    if others:
        wrong = [s for s in others if s in METHOD_CONFIGS]
        hint = f"; the settings of train.method {name!r} go in a {name!r} section" if wrong else ""
        raise ConfigError(
            f"{where}: section(s) {others} do not apply to train.method {name!r}; allowed sections are "
            f"['data', 'model', 'train', {name!r}]{hint}"
        )
    try:
        return RunConfig(
            model=from_dict(ModelConfig, sections.get("model"), f"{where}:model"),
            data=from_dict(DataConfig, sections.get("data"), f"{where}:data"),
            train=train_cfg,
            method=from_dict(METHOD_CONFIGS[name], sections.get(name), f"{where}:{name}", f" for train.method {name}"),
        )
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{where}: {exc}") from exc


def load_run_config(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> RunConfig:
    """Read a training YAML (see :func:`run_config`), with optional ``section.key=value`` overrides."""
    return run_config(apply_overrides(read_yaml(path) or {}, overrides, str(path)), str(path))
