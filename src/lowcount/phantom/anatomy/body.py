"""The geometry of one patient (:class:`Body`, drawn by :func:`sample_body`) and its rendered pieces
(:class:`Anatomy`).

Proportions follow standard anthropometry (lowcount.phantom.anatomy.proportions): heights by sex and age,
widths with sex and build. The patient lies supine, head at row 0. In the anterior view the patient's
right is on the image left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lowcount.phantom.geometry import Grid, Piece

ARM_POSITIONS = ("sides", "abducted", "over_pelvis")


@dataclass(frozen=True)
class Body:
    """Geometric parameters of one patient (all lengths in cm).

    Attributes:
        sex: ``"F"`` or ``"M"``.
        age_years: age; below 20 growth plates show, above 65 bone fades.
        height_cm: vertex to sole.
        shoulder_half_cm: half the biacromial width.
        pelvis_half_cm: half the bi-iliac width.
        chest_ap_cm, abdomen_ap_cm: anterior-posterior body thickness of chest and abdomen.
        arm_position: one of ``ARM_POSITIONS``.
        arm_angle_rad: abduction of the arms (``abducted``) or a small outward tilt.
        scoliosis_cm: lateral amplitude of a thoracolumbar curve (signed; 0 for none).
        leg_spread_cm: distance of each ankle from the midline.
        top_cm: distance from the top of the field of view to the vertex.
        midline_cm: image x of the body midline.
    """

    sex: str
    age_years: float
    height_cm: float
    shoulder_half_cm: float
    pelvis_half_cm: float
    chest_ap_cm: float
    abdomen_ap_cm: float
    arm_position: str
    arm_angle_rad: float
    scoliosis_cm: float
    leg_spread_cm: float
    top_cm: float
    midline_cm: float

    def __post_init__(self) -> None:
        if self.sex not in ("F", "M"):
            raise ValueError(f"sex must be 'F' or 'M', got {self.sex!r}")
        if self.arm_position not in ARM_POSITIONS:
            raise ValueError(f"arm_position must be one of {ARM_POSITIONS}, got {self.arm_position!r}")
        if not 80.0 <= self.height_cm <= 215.0:
            raise ValueError(f"height_cm must be within 80-215 cm, got {self.height_cm}")


def _height_for_age(rng: np.random.Generator, sex: str, age: float) -> float:
    adult = rng.normal(175.0, 7.0) if sex == "M" else rng.normal(162.0, 7.0)
    if age >= 18:
        shrink = max(age - 60.0, 0.0) * 0.08  # height loss in old age
        return float(np.clip(adult - shrink, 140.0, 205.0))
    return float(np.clip(adult * (0.55 + 0.45 * max(age - 4.0, 0.0) / 14.0), 95.0, 200.0))


def sample_body(rng: np.random.Generator, grid: Grid, young_fraction: float = 0.08) -> Body:
    """Draw one patient's body. Most bone-scan patients are 40-85 years old; a few are young."""
    sex = "M" if rng.random() < 0.5 else "F"
    age = float(rng.uniform(8.0, 19.0) if rng.random() < young_fraction else rng.uniform(40.0, 88.0))
    height = _height_for_age(rng, sex, age)
    scale = height / (175.0 if sex == "M" else 162.0)
    shoulder = (20.0 if sex == "M" else 18.0) * scale * rng.uniform(0.94, 1.06)
    pelvis = (14.0 if sex == "M" else 15.0) * scale * rng.uniform(0.94, 1.06)
    abdomen = float(np.clip(rng.uniform(18.0, 30.0) * (0.7 + 0.3 * scale), 14.0, 32.0))
    chest = abdomen * rng.uniform(0.85, 1.0)
    arm = str(rng.choice(ARM_POSITIONS, p=[0.7, 0.1, 0.2]))
    arm_angle = float(rng.uniform(0.12, 0.22) if arm == "abducted" else rng.uniform(0.0, 0.06))
    scoliosis = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.5)) if rng.random() < 0.2 else 0.0
    length_cm = grid.rows * grid.pixel_cm
    top = float(np.clip(rng.uniform(2.0, 8.0), 0.5, max(length_cm - height - 1.0, 0.5)))
    midline = grid.cols * grid.pixel_cm / 2.0 + rng.uniform(-1.5, 1.5)
    return Body(
        sex=sex,
        age_years=age,
        height_cm=height,
        shoulder_half_cm=shoulder,
        pelvis_half_cm=pelvis,
        chest_ap_cm=chest,
        abdomen_ap_cm=abdomen,
        arm_position=arm,
        arm_angle_rad=arm_angle,
        scoliosis_cm=scoliosis,
        leg_spread_cm=float(rng.uniform(4.5, 8.0) * scale),
        top_cm=top,
        midline_cm=midline,
    )


@dataclass
class Anatomy:
    """A rendered patient: pieces plus the landmarks lesions are placed on.

    Attributes:
        pieces: every bone, organ and soft-tissue piece.
        paths: polylines (N, 3) of tube-like bones by piece name (ribs, long bones), for elongated lesions.
        landmarks: named points (x, y, z) in cm, e.g. ``"pubis"``, ``"elbow_right"``.
        sites: parts of pieces that host findings but do not emit themselves (the real-anatomy family's
            facet joints and sacroiliac joints, which are parts of its vertebrae and ilia), by name.
        bladder_centre_cm: where the bladder sits, when the body's landmarks do not say it.
    """

    pieces: list[Piece] = field(default_factory=list)
    paths: dict[str, np.ndarray] = field(default_factory=dict)
    landmarks: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    sites: dict[str, Piece] = field(default_factory=dict)
    bladder_centre_cm: tuple[float, float, float] | None = None

    def add(self, piece: Piece | None) -> None:
        if piece is not None:
            self.pieces.append(piece)
