"""What a finding of the synthetic patient is: its record, the case mix it is drawn from and where it sits.

Sources (shared/docs/phantom-physics.md section 3): >90 % of metastases in vertebrae, pelvis, proximal
femur, ribs, proximal humerus and skull [PEH]; early prostate cancer: T/L spine + pelvis 81 %, breast 42 %,
breast thoracic cage 66 % [WANG]; lesion:bone concentration sampled log-uniform 1.5-10 (S/E); sizes
5-40 mm (E); cold lytic lesions with a hot rim [RCC]; rib fractures in a vertical row, osteoporotic
vertebral fracture as a linear band [FX], [DEG]; degenerative uptake at the lateral lumbar spine,
shoulders, knees, thumb base, first MTP and manubriosternal joint [DEG]; extravasation 17.5 % [EX1],
axillary nodes 2 % [EX2], urine contamination [MSK]; superscans [SUP].

A lesion is sampled once per patient (a :class:`Lesion` record) and rendered into pieces named
``lesion_<id>_<part>`` that move with their host segment, so every acquisition gets its own mask.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lowcount.phantom.anatomy import Anatomy
from lowcount.phantom.geometry import Grid, Piece

PRIMARIES = {"M": {"prostate": 0.55, "lung": 0.25, "other": 0.20}, "F": {"breast": 0.65, "lung": 0.20, "other": 0.15}}

_LUNG_AND_OTHER = {
    "spine": 0.35,
    "pelvis": 0.20,
    "ribs": 0.22,
    "femur": 0.08,
    "humerus": 0.06,
    "skull": 0.05,
    "sternum": 0.04,
}
SITE_PROBABILITIES = {
    "prostate": {
        "spine": 0.45,
        "pelvis": 0.36,
        "ribs": 0.08,
        "femur": 0.05,
        "humerus": 0.02,
        "skull": 0.02,
        "sternum": 0.02,
    },
    "breast": {
        "spine": 0.28,
        "pelvis": 0.14,
        "ribs": 0.34,
        "sternum": 0.10,
        "skull": 0.07,
        "femur": 0.05,
        "humerus": 0.02,
    },
    "lung": _LUNG_AND_OTHER,
    "other": _LUNG_AND_OTHER,
}

SITE_HOSTS = {
    "spine": ("vertebra_T", "vertebra_L", "vertebra_C"),
    "pelvis": ("ilium_", "sacrum", "acetabulum_", "obturator_ring_"),
    "ribs": ("rib_",),
    "femur": ("femur_neck_", "femur_trochanter_", "femur_shaft_"),
    "humerus": ("humerus_head_", "humerus_shaft_"),
    "skull": ("skull_vault",),
    "sternum": ("sternum_",),
}

KINDS = (
    "metastasis",
    "rib_elongated",
    "vertebra_whole",
    "lytic",
    "fracture",
    "vertebral_fracture",
    "degenerative",
    "extravasation",
    "urine",
    "axillary_node",
    "superscan",
)
MALIGNANT_KINDS = {"metastasis", "rib_elongated", "vertebra_whole", "lytic", "superscan"}
DEGENERATIVE_SITES = (
    "shoulder_left",
    "shoulder_right",
    "knee_left",
    "knee_right",
    "first_mtp_left",
    "first_mtp_right",
    "thumb_base_left",
    "thumb_base_right",
    "manubriosternal",
    "facet_L4",
    "facet_L5",
    "sacroiliac",
)


@dataclass(frozen=True)
class Diagnosis:
    """Patient-level truth: the primary cancer and whether the skeleton holds metastases."""

    primary: str
    metastatic: bool
    superscan: bool


@dataclass(frozen=True)
class Lesion:
    """One finding, in the standard scan's frame.

    Attributes:
        lesion_id: 1-based id, the value of the lesion in the label masks.
        kind: one of ``KINDS``.
        site: host piece or landmark name.
        segment: body segment it moves with.
        x_cm, y_cm, z_cm: centre (image x, image y, height above table).
        size_mm: largest in-plane extent (diameter, or length of elongated lesions).
        contrast: lesion:host concentration ratio (cold lesions: core ratio < 1).
        malignant: whether a reader should call it metastatic.
        host_concentration: concentration of the host tissue it is measured against.
        angle_rad: in-plane orientation.
        aspect: in-plane minor:major axis ratio.
    """

    lesion_id: int
    kind: str
    site: str
    segment: str
    x_cm: float
    y_cm: float
    z_cm: float
    size_mm: float
    contrast: float
    malignant: bool
    host_concentration: float
    angle_rad: float = 0.0
    aspect: float = 1.0

    def as_row(self) -> dict:
        return asdict(self)


def host_pixel(rng: np.random.Generator, host: Piece, grid: Grid, proximal_path: np.ndarray | None = None):
    """A random pixel well inside ``host``: (x_cm, y_cm, z_cm)."""
    t = host.thickness_cm
    rows, cols = np.nonzero(t > 0.5 * t.max())
    if proximal_path is not None:  # keep to the proximal half of a long bone
        ys = (rows + host.row0 + 0.5) * grid.pixel_cm
        y_mid = 0.5 * (proximal_path[0, 1] + proximal_path[-1, 1])
        keep = ys <= y_mid if proximal_path[0, 1] < proximal_path[-1, 1] else ys >= y_mid
        if keep.any():
            rows, cols = rows[keep], cols[keep]
    k = int(rng.integers(len(rows)))
    r, c = rows[k], cols[k]
    return ((host.col0 + c + 0.5) * grid.pixel_cm, (host.row0 + r + 0.5) * grid.pixel_cm, float(host.z_cm[r, c]))


def pick_host(rng: np.random.Generator, anatomy: Anatomy, site: str) -> Piece:
    hosts = [
        p
        for p in anatomy.pieces
        if p.tissue == "bone" and p.name.startswith(SITE_HOSTS[site]) and not p.name.startswith("growth_plate")
    ]
    return hosts[int(rng.integers(len(hosts)))]


def contrast_ratio(rng: np.random.Generator, lo: float = 1.5, hi: float = 10.0) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
