"""Tracer biodistribution of Tc-99m MDP at 2-5 h, and how it changes between two scans.

Concentrations are relative activity per cm of path. Sources (tags as in shared/docs/phantom-physics.md):
regional bone SUV spine/pelvis about 3x ribs/humerus [NAU]; skull 0.7-1.5x spine (S/E); bone:soft-tissue
concentration 6-15 (E, [ISMM]); kidneys 0.3-1x spine in the image (E); bladder 1-3x bone concentration
(E); growth plate:diaphysis up to 8.2 at age 11-13 [GP]; soft tissue falls 5-10 % per 30 min (E);
Tc-99m half-life 6.02 h [G16].
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

TC99M_HALF_LIFE_MIN = 6.02 * 60.0


@dataclass(frozen=True)
class Uptake:
    """Per-patient tracer concentrations at the standard scan (relative units per cm of path).

    ``spine`` is the reference: pelvis, sacrum and the axial skeleton take it; ``rib`` applies to ribs,
    scapulae, clavicles and long-bone shafts; ``joint`` to long-bone ends and joints.
    """

    spine: float
    rib: float
    skull: float
    joint: float
    sternum: float
    soft: float
    lung: float
    kidney: float
    bladder: float
    bladder_volume_ml: float
    growth_plate_ratio: float
    superscan: bool = False

    def for_bone(self, kind: str) -> float:
        """Concentration of a bone uptake class (``spine``, ``rib``, ``skull``, ``joint``, ``sternum``)."""
        return {
            "spine": self.spine,
            "rib": self.rib,
            "skull": self.skull,
            "joint": self.joint,
            "sternum": self.sternum,
        }[kind]


def growth_plate_ratio(age_years: float) -> float:
    """Plate:diaphysis concentration ratio by age: peaks near 8 at 11-13 years [GP], 1 once plates close."""
    if age_years >= 20:
        return 1.0
    peak = 8.2
    if age_years <= 12:
        return 1.0 + (peak - 1.0) * max(age_years - 2.0, 0.0) / 10.0
    return 1.0 + (peak - 1.0) * (20.0 - age_years) / 8.0


def sample_uptake(rng: np.random.Generator, age_years: float, superscan: bool = False) -> Uptake:
    """Draw one patient's concentrations.

    Old patients get fainter bone (osteoporosis) and so a lower bone:soft-tissue ratio; a superscan
    raises skeletal uptake, nearly removes the kidneys and lowers soft tissue [SUP].
    """
    healthy_spine = rng.uniform(2.9, 3.7)
    healthy_rib = healthy_spine / rng.uniform(2.6, 3.4)
    # Soft tissue is set against normal long bone (bone:soft 6-15); osteoporosis then dims bone only.
    soft = healthy_rib / rng.uniform(6.0, 15.0)
    osteo = 1.0 if age_years < 65 else rng.uniform(0.7, 0.92)
    spine, rib = healthy_spine * osteo, healthy_rib * osteo
    skull = spine * rng.uniform(0.35, 0.55)  # cortical shell only: the projected vault is not brighter than spine
    joint = rib * rng.uniform(1.4, 2.0)
    sternum = rib * rng.uniform(1.2, 1.6)
    kidney = spine * rng.uniform(0.25, 0.7)
    bladder = spine * rng.uniform(1.0, 3.0)
    volume = rng.uniform(100.0, 400.0)
    if superscan:
        factor = rng.uniform(2.0, 3.0)
        spine, rib, skull, joint, sternum = (v * factor for v in (spine, rib, skull, joint, sternum))
        soft *= 0.6
        kidney *= 0.1
    return Uptake(
        spine=spine,
        rib=rib,
        skull=skull,
        joint=joint,
        sternum=sternum,
        soft=soft,
        lung=soft * 0.3,
        kidney=kidney,
        bladder=bladder,
        bladder_volume_ml=volume,
        growth_plate_ratio=growth_plate_ratio(age_years),
        superscan=superscan,
    )


@dataclass(frozen=True)
class Kinetics:
    """How the patient changes between the standard scan and a later scan.

    Attributes:
        soft_factor_per_30min: soft-tissue (and kidney) concentration kept per 30 min, 0.90-0.95.
        bladder_fill_ml_per_min: urine production.
        voided: whether the patient voided between the standard and the later scan.
        volume_after_void_ml: bladder volume just after voiding.
    """

    soft_factor_per_30min: float
    bladder_fill_ml_per_min: float
    voided: bool
    volume_after_void_ml: float


def sample_kinetics(rng: np.random.Generator, void_probability: float = 0.15) -> Kinetics:
    return Kinetics(
        soft_factor_per_30min=rng.uniform(0.90, 0.95),
        bladder_fill_ml_per_min=rng.uniform(1.0, 3.0),
        voided=bool(rng.random() < void_probability),
        volume_after_void_ml=rng.uniform(20.0, 60.0),
    )


def decay_factor(minutes: np.ndarray | float) -> np.ndarray | float:
    """Fraction of Tc-99m activity left after ``minutes``."""
    return np.exp2(-np.asarray(minutes) / TC99M_HALF_LIFE_MIN)


def uptake_at(uptake: Uptake, kinetics: Kinetics, minutes_after_standard: float) -> Uptake:
    """Concentrations ``minutes_after_standard`` after the standard scan (decay is applied by the camera).

    Bone is on its plateau; soft tissue and kidneys clear; the bladder fills, or restarts after voiding.
    """
    if minutes_after_standard < 0:
        raise ValueError(f"minutes_after_standard must be >= 0, got {minutes_after_standard}")
    keep = kinetics.soft_factor_per_30min ** (minutes_after_standard / 30.0)
    start = kinetics.volume_after_void_ml if kinetics.voided else uptake.bladder_volume_ml
    volume = start + kinetics.bladder_fill_ml_per_min * minutes_after_standard
    return replace(
        uptake,
        soft=uptake.soft * keep,
        lung=uptake.lung * keep,
        kidney=uptake.kidney * keep,
        bladder_volume_ml=volume,
    )
