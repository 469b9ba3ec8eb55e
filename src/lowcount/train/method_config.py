"""The settings of each training method: one frozen dataclass per method, one YAML section named after it.

``train.method`` chooses the method and with it the section that holds its settings (lowcount.train.config):

- ``supervised:`` :class:`SupervisedConfig`: pixel losses on pairs, Adam(W);
- ``gan:`` :class:`PairedGANConfig`: pairs with an adversarial term (pix2pix, the RRDBNet GAN, WGAN);
- ``cyclegan:`` :class:`CycleGANConfig`: unpaired, two generators and two critics (CycleGAN, SE-LiteCycleGAN);
- ``noise_level:`` :class:`NoiseLevelConfig`: EMANet's first stage, a classifier of the noise level;
- ``segmentation:`` :class:`SegmentationConfig`: the lesion segmenter of the downstream test.

Both adversarial methods share :class:`CriticConfig`. A key that a method does not use is not a field of its
dataclass, so it is refused when the config is read, naming the key and the method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOISE_MODELS = ("none", "poisson")
DISCRIMINATOR_INPUTS = ("x", "anscombe")


def _check_weights(config, names: tuple[str, ...], section: str) -> None:
    for name in names:
        if getattr(config, name) < 0:
            raise ValueError(f"{section}.{name} must be >= 0, got {getattr(config, name)}")


@dataclass(frozen=True)
class SupervisedConfig:
    """Supervised training (lowcount.train.supervised).

    Attributes:
        loss: terms of lowcount.losses.pixel.CompositeLoss, e.g. ``[{name: l1, weight: 1.0}]``.
        weight_decay: Adam's L2 penalty (0 for none).
    """

    loss: tuple[dict, ...] = ({"name": "l1", "weight": 1.0},)
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.weight_decay < 0:
            raise ValueError(f"supervised.weight_decay must be >= 0, got {self.weight_decay}")


@dataclass(frozen=True)
class CriticConfig:
    """The discriminator(s) of an adversarial method and the game they play.

    Attributes:
        name, args: a critic of lowcount.models.patchgan.DISCRIMINATORS and its constructor arguments.
        objective: ``vanilla``, ``lsgan``, ``hinge`` or ``wgan_gp`` (lowcount.losses.adversarial).
        gp_weight: gradient-penalty weight for ``wgan_gp``.
        lr, betas: the critics' Adam settings (None: as ``train.lr`` and ``train.betas``).
    """

    name: str = "patchgan"
    args: dict = field(default_factory=dict)
    objective: str = "lsgan"
    gp_weight: float = 10.0
    lr: float | None = None
    betas: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        from lowcount.losses.adversarial import KINDS
        from lowcount.models.patchgan import DISCRIMINATORS

        if self.name not in DISCRIMINATORS:
            raise ValueError(f"unknown critic {self.name!r}; choose from {sorted(DISCRIMINATORS)}")
        if self.objective not in KINDS:
            raise ValueError(f"critic.objective must be one of {KINDS}, got {self.objective!r}")
        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"critic.lr must be positive or null, got {self.lr}")


@dataclass(frozen=True)
class PerceptualConfig:
    """The perceptual term of a paired GAN (lowcount.losses.perceptual.PerceptualLoss).

    Attributes:
        network: ``vgg16``, ``vgg19``, ``domain``, or None for no perceptual term.
        layers: feature layers (None: the network's defaults).
        weights: weights file. VGG: torchvision's file (default ``$LOWCOUNT_WEIGHTS_DIR``); ``domain``: a
            fitted feature auto-encoder, made first with
            ``lowcount train feature_autoencoder --data COHORT --out runs/feature_net``.
        criterion: ``l1`` or ``mse``.
    """

    network: str | None = None
    layers: tuple[str, ...] | None = None
    weights: str | None = None
    criterion: str = "l1"

    def __post_init__(self) -> None:
        from lowcount.losses.perceptual import NETWORKS

        if self.network is not None and self.network not in NETWORKS:
            raise ValueError(f"perceptual.network must be one of {NETWORKS} or null, got {self.network!r}")


@dataclass(frozen=True)
class PairedGANConfig:
    """Paired adversarial training (lowcount.train.gan): pix2pix, the RRDBNet GAN, WGAN.

    The generator is the ``model`` section; the loss is ``pixel_loss`` + ``perceptual_weight`` x perceptual
    + ``bce_weight`` x BCE + ``adversarial_weight`` x the generator's adversarial term.

    Attributes:
        pixel_loss: pixel terms (lowcount.losses.pixel.CompositeLoss), with their weights.
        critic: the discriminator (PatchGAN by default) and the objective.
        adversarial_weight: weight of the generator's adversarial term.
        noise_model: ``none`` (published) or ``poisson`` (ours): the critic sees a Poisson draw of the
            generated expected counts at the target's level (lowcount.train.noise_model).
        perceptual_weight: weight of the perceptual term (needs ``perceptual.network``).
        perceptual: the perceptual network.
        bce_weight: weight of a pixel-wise binary cross-entropy between output and target, each divided
            by the target's per-image maximum (our reading of the RRDBNet GAN's L_BCE).
        critic_steps: discriminator updates per generator update (on the same batch).
        conditional: the critic sees (input, image) pairs (pix2pix); its ``in_channels`` default to 2.
    """

    pixel_loss: tuple[dict, ...] = ({"name": "l1", "weight": 1.0},)
    critic: CriticConfig = field(default_factory=CriticConfig)
    adversarial_weight: float = 1.0
    noise_model: str = "none"
    perceptual_weight: float = 0.0
    perceptual: PerceptualConfig = field(default_factory=PerceptualConfig)
    bce_weight: float = 0.0
    critic_steps: int = 1
    conditional: bool = False

    def __post_init__(self) -> None:
        _check_weights(self, ("adversarial_weight", "perceptual_weight", "bce_weight"), "gan")
        if self.noise_model not in NOISE_MODELS:
            raise ValueError(f"gan.noise_model must be one of {NOISE_MODELS}, got {self.noise_model!r}")
        if self.critic_steps < 1:
            raise ValueError(f"gan.critic_steps must be >= 1, got {self.critic_steps}")
        if self.perceptual_weight > 0 and self.perceptual.network is None:
            raise ValueError("gan.perceptual_weight > 0 needs gan.perceptual.network (vgg16, vgg19 or domain)")
        if self.conditional and self.critic.args.get("in_channels", 2) != 2:
            raise ValueError(
                f"gan.conditional: the critic sees (input, image), so critic.args.in_channels must be 2, "
                f"got {self.critic.args['in_channels']}"
            )

    def critic_args(self) -> dict:
        """The critic's constructor arguments (two input channels when conditional)."""
        return {"in_channels": 2, **self.critic.args} if self.conditional else dict(self.critic.args)


@dataclass(frozen=True)
class CycleGANConfig:
    """Unpaired training (lowcount.train.cyclegan): CycleGAN and SE-LiteCycleGAN.

    The generator G (fast -> standard) is the ``model`` section; F is a fresh copy of it.

    Attributes:
        critic: D_std (D_fast is a fresh copy) and the objective.
        adversarial_weight: weight of the generators' adversarial terms.
        cycle_weight: cycle-consistency L1 weight (lambda, 10 in CycleGAN).
        cycle_sigma_px: compare cycle reconstructions with their inputs after Gaussian smoothing by this
            many pixels (ours; 0, the published plain L1, asks G to hide the fast scan's noise in its output
            so that F can restore it, and the hidden noise stays visible).
        standard_cycle_sigma_px: the same for the cycle that starts from standard scans (y -> F -> G -> y);
            None: ``cycle_sigma_px``. With ``noise_model: poisson``, G sees a fresh fast-level Poisson draw
            of F(y) in that cycle, so a plain L1 there (0) trains it to remove the extra noise of a fast scan
            at every scale, while the smoothed fast cycle spares it from hiding that noise in its output.
        discriminator_input: ``x`` (the network values) or ``anscombe`` (ours): the critics see counts at
            their scan's own level through the Anscombe transform (divided by 10), where Poisson noise has
            unit variance at every count level, so a noise level that does not match the domain is as
            visible in soft tissue as in bone.
        noise_model: ``none`` (published) or ``poisson`` (ours): generators give expected counts, and a
            generated image is seen by its critic and passed on to the other generator only as a Poisson
            draw at its domain's count level (straight-through gradient). A critic then cannot reward
            painted-on noise texture. Under study: at 2000 steps an SE-LiteCycleGAN with it collapsed under
            the log loss and held with ``lsgan`` (docs/benchmarks.md).
        identity_weight: identity L1 weight (G(y) ~ y, F(x) ~ x); 0 for off.
        fidelity_weight: count-fidelity weight (ours, not in the papers): L1 between G(x) and x after
            Gaussian smoothing by ``fidelity_sigma_px`` (lowcount.losses.pixel.LowPassL1Loss); 0 for off.
        fidelity_sigma_px: that smoothing.
        split_weight: split-pair weight (ours, not in the papers): L1 between G(a) and b, where a and b split
            a standard scan's counts binomially into 1/k (a fast scan of the same instant, k =
            ``data.thin_factor``) and the rest scaled by k/(k-1): denoising from standard scans alone, with
            independent noise in a and b, so G is taught to remove noise rather than only to hide it from
            D_std; the fast and standard scans still come from disjoint patients. 0 for off.
        pool_size: history of generated images shown to the critics (0 for off).
        same_patients: draw fast and standard scans from every patient instead of disjoint halves.
    """

    critic: CriticConfig = field(default_factory=CriticConfig)
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
    pool_size: int = 50
    same_patients: bool = False

    def __post_init__(self) -> None:
        weights = ("adversarial_weight", "cycle_weight", "identity_weight", "fidelity_weight", "split_weight")
        _check_weights(self, weights, "cyclegan")
        if self.discriminator_input not in DISCRIMINATOR_INPUTS:
            raise ValueError(
                f"cyclegan.discriminator_input must be one of {DISCRIMINATOR_INPUTS}, got {self.discriminator_input!r}"
            )
        if self.noise_model not in NOISE_MODELS:
            raise ValueError(f"cyclegan.noise_model must be one of {NOISE_MODELS}, got {self.noise_model!r}")
        if self.cycle_sigma_px < 0:
            raise ValueError(f"cyclegan.cycle_sigma_px must be >= 0 (0 for plain L1), got {self.cycle_sigma_px}")
        if self.standard_cycle_sigma_px is not None and self.standard_cycle_sigma_px < 0:
            raise ValueError(
                "cyclegan.standard_cycle_sigma_px must be >= 0 (0 for plain L1) or null, "
                f"got {self.standard_cycle_sigma_px}"
            )
        if self.pool_size < 0:
            raise ValueError(f"cyclegan.pool_size must be >= 0, got {self.pool_size}")


NOISE_LEVEL_BASES = ("auto", "truth", "standard")


@dataclass(frozen=True)
class NoiseLevelConfig:
    """Training EMANet's noise-level estimator (lowcount.train.noise_level) on images of known level.

    Attributes:
        base: what the noise goes onto (lowcount.data.noise_level_samples): ``truth`` (phantom cohorts: exact
            labels), ``standard`` (the standard scans, any cohort) or ``auto`` (truth when the manifest names
            it).
        levels: (low, high): the integer levels drawn for training (the paper's 1-50).
        test_levels: the levels of the validation views (level RMSE and bias, lowest RMSE exported as best).
    """

    base: str = "auto"
    levels: tuple[int, int] = (1, 50)
    test_levels: tuple[int, ...] = (5, 10, 15, 20, 25, 30, 35, 40)

    def __post_init__(self) -> None:
        if self.base not in NOISE_LEVEL_BASES:
            raise ValueError(f"noise_level.base must be one of {NOISE_LEVEL_BASES}, got {self.base!r}")
        if len(self.levels) != 2 or not 1 <= self.levels[0] <= self.levels[1]:
            raise ValueError(f"noise_level.levels must be [low, high] with 1 <= low <= high, got {self.levels}")
        if not self.test_levels or min(self.test_levels) <= 0:
            raise ValueError(f"noise_level.test_levels must be positive levels, got {self.test_levels}")


@dataclass(frozen=True)
class SegmentationConfig:
    """Training the lesion segmenter (lowcount.train.segmentation).

    Attributes:
        pos_weight: weight of lesion pixels in the binary cross-entropy.
        dice_weight: weight of the soft Dice loss added to it.
    """

    pos_weight: float = 10.0
    dice_weight: float = 1.0

    def __post_init__(self) -> None:
        if not self.pos_weight > 0 or self.dice_weight < 0:
            raise ValueError(
                f"segmentation.pos_weight must be > 0 and dice_weight >= 0, got {self.pos_weight}, {self.dice_weight}"
            )


METHOD_CONFIGS = {
    "supervised": SupervisedConfig,
    "gan": PairedGANConfig,
    "cyclegan": CycleGANConfig,
    "noise_level": NoiseLevelConfig,
    "segmentation": SegmentationConfig,
}
