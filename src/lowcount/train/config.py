"""Training configuration: a YAML file with ``data:``, ``model:`` and ``train:`` sections.

Example (configs/se_unet.yaml)::

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
      loss: [{name: l1, weight: 1.0}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lowcount.config import from_dict, read_yaml
from lowcount.data.datasets import DataConfig

SCHEDULERS = ("constant", "cosine", "linear_decay")
AMP = ("none", "bf16")
METHODS = ("supervised", "gan", "cyclegan")


@dataclass(frozen=True)
class ModelConfig:
    """``name`` from lowcount.models.MODELS and the constructor ``args``.

    ``init_from``: start from trained weights instead of a random draw (fine-tuning): a .safetensors file
    with its .json sidecar, or the name of a shipped model (``se_unet``); its architecture and arguments
    must be these. Only the network being trained starts there (in a CycleGAN, G; F and the critics
    start fresh), and a resumed run takes its weights from the checkpoint.
    """

    name: str = "se_unet"
    args: dict = field(default_factory=dict)
    init_from: str | None = None

    def __post_init__(self) -> None:
        from lowcount.models import MODELS

        if self.name not in MODELS:
            raise ValueError(f"unknown model {self.name!r}; choose from {sorted(MODELS)}")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and bookkeeping.

    Attributes:
        method: ``supervised`` (pixel losses on pairs), ``gan`` (pairs with an adversarial term: pix2pix,
            the RRDBNet GAN, WGAN; see the ``gan`` section) or ``cyclegan`` (unpaired, two generators).
        steps: optimiser steps in total.
        batch_size: samples per step and process (the global batch is batch_size x processes).
        lr, betas, weight_decay: Adam(W) settings.
        scheduler: ``constant``, ``cosine`` (to 0 over ``steps``) or ``linear_decay`` (constant for the first
            half, then linearly to 0, the CycleGAN recipe).
        loss: terms of lowcount.losses.pixel.CompositeLoss.
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
            counting the hot spots the model creates there (lowcount.train.lesion_free); empty for none.
    """

    method: str = "supervised"
    steps: int = 1000
    batch_size: int = 8
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 0.0
    scheduler: str = "constant"
    loss: tuple[dict, ...] = ({"name": "l1", "weight": 1.0},)
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
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {SCHEDULERS}, got {self.scheduler!r}")
        if self.amp not in AMP:
            raise ValueError(f"amp must be one of {AMP}, got {self.amp!r}")
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        for name in ("checkpoint_every", "validate_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class DiscriminatorConfig:
    """``name`` from lowcount.models.patchgan.DISCRIMINATORS and its constructor ``args``."""

    name: str = "patchgan"
    args: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from lowcount.models.patchgan import DISCRIMINATORS

        if self.name not in DISCRIMINATORS:
            raise ValueError(f"unknown discriminator {self.name!r}; choose from {sorted(DISCRIMINATORS)}")


@dataclass(frozen=True)
class PerceptualConfig:
    """The perceptual term (lowcount.losses.perceptual.PerceptualLoss).

    Attributes:
        network: ``vgg16``, ``vgg19``, ``domain``, or None for no perceptual term.
        layers: feature layers (None: the network's defaults).
        weights: weights file; for ``domain`` None makes ``lowcount train`` fit the feature auto-encoder
            on the training set's standard scans first (``fit_steps`` steps, kept in ``<run>/feature_net``).
        criterion: ``l1`` or ``mse``.
        fit_steps: steps of that fit.
        autoencoder: constructor arguments of the FeatureAutoencoder fitted for ``domain``.
    """

    network: str | None = None
    layers: tuple[str, ...] | None = None
    weights: str | None = None
    criterion: str = "l1"
    fit_steps: int = 500
    autoencoder: dict = field(default_factory=lambda: {"channels": [16, 32, 64]})

    def __post_init__(self) -> None:
        from lowcount.losses.perceptual import NETWORKS

        if self.network is not None and self.network not in NETWORKS:
            raise ValueError(f"perceptual.network must be one of {NETWORKS} or null, got {self.network!r}")
        if self.fit_steps < 1:
            raise ValueError(f"perceptual.fit_steps must be >= 1, got {self.fit_steps}")


@dataclass(frozen=True)
class GANConfig:
    """Adversarial settings for ``train.method: gan`` and ``cyclegan`` (ignored by ``supervised``).

    The generator is the ``model`` section; its pixel terms are ``train.loss`` (with their weights).

    Attributes:
        discriminator: the critic (PatchGAN by default).
        loss: ``vanilla``, ``lsgan``, ``hinge`` or ``wgan_gp`` (lowcount.losses.adversarial).
        adversarial_weight: weight of the generator's adversarial term.
        cycle_weight: CycleGAN cycle-consistency L1 weight (lambda, 10 in CycleGAN).
        cycle_sigma_px: compare cycle reconstructions with their inputs after Gaussian smoothing by this
            many pixels (ours; 0, the published plain L1, asks G to hide the fast scan's noise in its output
            so that F can restore it, and the hidden noise stays visible).
        standard_cycle_sigma_px: the same for the cycle that starts from standard scans (y -> F -> G -> y);
            None: ``cycle_sigma_px``. With ``noise_model: poisson``, G sees a fresh fast-level Poisson draw
            of F(y) in that cycle, so a plain L1 there (0) trains it to remove the extra noise of a fast scan
            at every scale, while the smoothed fast cycle spares it from hiding that noise in its output.
        discriminator_input: ``x`` (the network values) or ``anscombe`` (ours, CycleGAN only): the critics see
            counts at their scan's own level through the Anscombe transform (divided by 10), where Poisson
            noise has unit variance at every count level, so a noise level that does not match the domain is
            as visible in soft tissue as in bone.
        noise_model: ``none`` (published) or ``poisson`` (ours): generators give expected counts, and a
            generated image is seen by its critic (and, in a CycleGAN, passed on to the other generator) only
            as a Poisson draw at its domain's count level (straight-through gradient; paired GANs draw at
            the target's level). A critic then cannot reward painted-on noise texture. Under study: at 2000 steps an
            SE-LiteCycleGAN with it collapsed under the log loss and held with ``lsgan`` (docs/benchmarks.md).
        identity_weight: CycleGAN identity L1 weight (G(y) ~ y, F(x) ~ x); 0 for off.
        fidelity_weight: CycleGAN count-fidelity weight (ours, not in the papers): L1 between G(x) and x
            after Gaussian smoothing by ``fidelity_sigma_px`` (lowcount.losses.pixel.LowPassL1Loss); 0 for off.
        fidelity_sigma_px: that smoothing.
        split_weight: CycleGAN split-pair weight (ours, not in the papers): L1 between G(a) and b, where a and b
            split a standard scan's counts binomially into 1/k (a fast scan of the same instant, k =
            ``data.thin_factor``) and the rest scaled by k/(k-1): denoising from standard scans alone, with
            independent noise in a and b, so G is taught to remove noise rather than only to hide it from
            D_std; the fast and standard scans still come from disjoint patients. 0 for off.
        perceptual_weight: weight of the perceptual term (needs ``perceptual.network``).
        bce_weight: weight of a pixel-wise binary cross-entropy between output and target, each divided
            by the target's per-image maximum (our reading of the RRDBNet GAN's L_BCE).
        gp_weight: gradient-penalty weight for ``wgan_gp``.
        critic_steps: discriminator updates per generator update (on the same batch).
        pool_size: CycleGAN history of generated images shown to the discriminators (0 for off).
        conditional: the discriminator sees (input, image) pairs (pix2pix).
        same_patients: CycleGAN draws fast and standard scans from every patient instead of disjoint halves.
        d_lr, d_betas: discriminator optimiser (None: as train.lr and train.betas).
        perceptual: the perceptual network.
    """

    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    loss: str = "lsgan"
    adversarial_weight: float = 1.0
    cycle_weight: float = 10.0
    cycle_sigma_px: float = 0.0
    standard_cycle_sigma_px: float | None = None
    discriminator_input: str = "x"
    noise_model: str = "none"
    identity_weight: float = 0.0
    fidelity_weight: float = 0.0
    fidelity_sigma_px: float = 2.0
    split_weight: float = 0.0
    perceptual_weight: float = 0.0
    bce_weight: float = 0.0
    gp_weight: float = 10.0
    critic_steps: int = 1
    pool_size: int = 50
    conditional: bool = False
    same_patients: bool = False
    d_lr: float | None = None
    d_betas: tuple[float, float] | None = None
    perceptual: PerceptualConfig = field(default_factory=PerceptualConfig)

    def __post_init__(self) -> None:
        from lowcount.losses.adversarial import KINDS

        if self.loss not in KINDS:
            raise ValueError(f"gan.loss must be one of {KINDS}, got {self.loss!r}")
        weights = ("adversarial", "cycle", "identity", "fidelity", "split", "perceptual", "bce")
        for name in (f"{w}_weight" for w in weights):
            if getattr(self, name) < 0:
                raise ValueError(f"gan.{name} must be >= 0, got {getattr(self, name)}")
        if self.discriminator_input not in ("x", "anscombe"):
            raise ValueError(f"gan.discriminator_input must be 'x' or 'anscombe', got {self.discriminator_input!r}")
        if self.noise_model not in ("none", "poisson"):
            raise ValueError(f"gan.noise_model must be 'none' or 'poisson', got {self.noise_model!r}")
        if self.cycle_sigma_px < 0:
            raise ValueError(f"gan.cycle_sigma_px must be >= 0 (0 for plain L1), got {self.cycle_sigma_px}")
        if self.standard_cycle_sigma_px is not None and self.standard_cycle_sigma_px < 0:
            raise ValueError(
                f"gan.standard_cycle_sigma_px must be >= 0 (0 for plain L1) or null, got {self.standard_cycle_sigma_px}"
            )
        if self.critic_steps < 1 or self.pool_size < 0:
            raise ValueError(f"critic_steps must be >= 1 and pool_size >= 0, got {self.critic_steps}, {self.pool_size}")
        if self.perceptual_weight > 0 and self.perceptual.network is None:
            raise ValueError("gan.perceptual_weight > 0 needs gan.perceptual.network (vgg16, vgg19 or domain)")


@dataclass(frozen=True)
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    gan: GANConfig = field(default_factory=GANConfig)


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


def load_run_config(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> RunConfig:
    """Read a training YAML (sections ``model``, ``data``, ``train``, ``gan``; anything else is an error),
    with optional ``section.key=value`` overrides."""
    return from_dict(RunConfig, apply_overrides(read_yaml(path) or {}, overrides, str(path)), str(path))
