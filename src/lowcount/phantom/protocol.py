"""Settings of a simulated cohort: camera, scan protocol, fast-scan model and case mix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lowcount.phantom.camera import CameraConfig

FAST_MODES = ("independent", "thinned")
FAMILIES = ("procedural", "xcat", "mixed")


@dataclass(frozen=True)
class PhantomConfig:
    """Everything that decides a simulated cohort besides its seed and size.

    Attributes:
        camera: detector, collimator and geometry.
        standard_velocity_cm_min: table speed of the standard scan (guideline 10-15 cm/min [NB]).
        standard_counts_per_view: range the standard scan's expected counts per view are drawn from.
        speed_factors: fast scans to make, as multiples of the standard speed.
        fast_mode: ``independent`` (a separate draw of the patient at the later scan time, the realistic
            default) or ``thinned`` (binomial thinning of the standard scan's counts).
        delay_h: range of the injection-to-scan delay (2-5 h [G16]; 3 +- 0.5 h here).
        setup_gap_min: range of the pause between consecutive scans.
        max_shift_px: largest rigid shift of the patient between scans, per axis.
        limb_motion_probability: chance that a later scan also moves the head, an arm or a leg.
        metastatic_fraction: share of patients with skeletal metastases.
        void_probability: chance the patient voids between the standard and a later scan.
        contamination_after_void: chance that voiding leaves urine contamination on the skin.
        young_fraction: share of patients aged 8-19 (open growth plates; procedural family only).
        family: ``procedural`` (the drawn skeleton), ``xcat`` (the mesh50_XCAT real anatomy, deformed per
            patient) or ``mixed`` (each patient one or the other, ``xcat_fraction`` of them xcat).
        xcat_fraction: share of xcat patients in a ``mixed`` cohort.
        xcat_spine_to_soft: range of the xcat family's spine : soft-tissue concentration ratio (per volume;
            the other bones follow the procedural ratios to the spine).
        xcat_liver_to_soft: range of the liver : soft-tissue concentration ratio (xcat family).

    Domain randomisation (each off by default; ``configs/phantom_randomised.yaml`` turns them on):

        pixel_cm_range: range of the detector pixel (cm) drawn per patient; the matrix stays
            ``camera.grid``'s, so the body covers more or fewer pixels, as on cameras of other vendors.
        collimators: LEHR collimators (``camera.COLLIMATORS`` names) drawn from per patient.
        heart_to_soft: range of the heart blood pool : soft-tissue ratio (an ellipsoid in the chest).
        soft_texture_sd: spread (log units) of a smooth random field on the soft tissue's emission.
        soft_texture_length_cm: the field's correlation length (Gaussian smoothing sigma).
        bone_uptake_spread: spread (log units) of a per-bone factor on every bone's concentration.
        procedural_bone_scale: range of a factor on the procedural family's bone (and kidney and bladder)
            concentrations against its soft tissue: below 1 the drawn skeleton is less contrasty.
    """

    camera: CameraConfig = field(default_factory=CameraConfig)
    standard_velocity_cm_min: float = 15.0
    standard_counts_per_view: tuple[float, float] = (1.5e6, 3.5e6)
    speed_factors: tuple[float, ...] = (2.0, 3.0)
    fast_mode: str = "independent"
    delay_h: tuple[float, float] = (2.5, 3.5)
    setup_gap_min: tuple[float, float] = (1.0, 4.0)
    max_shift_px: float = 3.0
    limb_motion_probability: float = 0.3
    metastatic_fraction: float = 0.5
    void_probability: float = 0.15
    contamination_after_void: float = 0.3
    young_fraction: float = 0.08
    family: str = "procedural"
    xcat_fraction: float = 0.5
    xcat_spine_to_soft: tuple[float, float] = (8.0, 20.0)
    xcat_liver_to_soft: tuple[float, float] = (1.0, 1.6)
    pixel_cm_range: tuple[float, float] | None = None
    collimators: tuple[str, ...] = ()
    heart_to_soft: tuple[float, float] | None = None
    soft_texture_sd: float = 0.0
    soft_texture_length_cm: float = 6.0
    bone_uptake_spread: float = 0.0
    procedural_bone_scale: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        from lowcount.phantom.camera import COLLIMATORS

        unknown = [name for name in self.collimators if name not in COLLIMATORS]
        if unknown:
            raise ValueError(f"collimators must be among {sorted(COLLIMATORS)}, got {unknown}")
        for name in ("pixel_cm_range", "heart_to_soft", "procedural_bone_scale"):
            value = getattr(self, name)
            if value is not None and not 0 < value[0] <= value[1]:
                raise ValueError(f"{name} must be 0 < low <= high, got {value}")
        for name in ("soft_texture_sd", "bone_uptake_spread"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)}")
        if not self.soft_texture_length_cm > 0:
            raise ValueError(f"soft_texture_length_cm must be positive, got {self.soft_texture_length_cm}")
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}, got {self.family!r}")
        for name in ("xcat_spine_to_soft", "xcat_liver_to_soft"):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                raise ValueError(f"{name} must be 0 < low <= high, got {getattr(self, name)}")
        if self.fast_mode not in FAST_MODES:
            raise ValueError(f"fast_mode must be one of {FAST_MODES}, got {self.fast_mode!r}")
        if not self.standard_velocity_cm_min > 0:
            raise ValueError(f"standard_velocity_cm_min must be positive, got {self.standard_velocity_cm_min}")
        lo, hi = self.standard_counts_per_view
        if not 0 < lo <= hi:
            raise ValueError(f"standard_counts_per_view must be 0 < low <= high, got {self.standard_counts_per_view}")
        if any(not k > 1.0 for k in self.speed_factors):
            raise ValueError(f"speed_factors must all be > 1 (faster than standard), got {self.speed_factors}")
        if len(set(self.speed_factors)) != len(self.speed_factors):
            raise ValueError(f"speed_factors must not repeat, got {self.speed_factors}")
        for name in (
            "limb_motion_probability",
            "metastatic_fraction",
            "void_probability",
            "contamination_after_void",
            "young_fraction",
            "xcat_fraction",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if self.max_shift_px < 0:
            raise ValueError(f"max_shift_px must be >= 0, got {self.max_shift_px}")


def acquisition_name(speed_factor: float) -> str:
    """``standard`` for 1, else ``fast2x``, ``fast2.5x``..."""
    if speed_factor == 1.0:
        return "standard"
    return f"fast{speed_factor:g}x"


def load_phantom_config(
    path: str | Path | None = None,
    speed_factors: tuple[float, ...] | None = None,
    fast_mode: str | None = None,
    family: str | None = None,
) -> PhantomConfig:
    """The ``phantom:`` section of YAML file ``path`` (defaults without one), with the fast scans and the
    phantom family overridden.

    Raises:
        lowcount.config.ConfigError / ValueError: a bad file, key or value, naming it.
    """
    from dataclasses import replace

    from lowcount.config import load_section

    cfg = load_section(path, "phantom", PhantomConfig) if path else PhantomConfig()
    if speed_factors is not None:
        cfg = replace(cfg, speed_factors=tuple(speed_factors))
    if fast_mode is not None:
        cfg = replace(cfg, fast_mode=fast_mode)
    if family is not None:
        cfg = replace(cfg, family=family)
    return cfg
