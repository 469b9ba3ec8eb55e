"""Findings of the synthetic patient: metastases, benign mimics and artefacts, each with a mask.

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
from lowcount.phantom.geometry import Grid, Piece, ellipsoid, paste, tube
from lowcount.phantom.uptake import Uptake

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


def sample_diagnosis(
    rng: np.random.Generator,
    sex: str,
    metastatic_fraction: float = 0.5,
    superscan_fraction: float = 0.04,
    age_years: float = 60.0,
) -> Diagnosis:
    """Draw the primary cancer (by sex) and the metastatic status; a few metastatic patients are superscans.

    Patients under 20 are scanned for other reasons here (growth, trauma): no primary, no metastases.
    """
    if not 0.0 <= metastatic_fraction <= 1.0:
        raise ValueError(f"metastatic_fraction must be in [0, 1], got {metastatic_fraction}")
    if age_years < 20:
        return Diagnosis(primary="none", metastatic=False, superscan=False)
    table = PRIMARIES[sex]
    primary = str(rng.choice(list(table), p=list(table.values())))
    metastatic = bool(rng.random() < metastatic_fraction)
    superscan = metastatic and bool(rng.random() < superscan_fraction)
    return Diagnosis(primary=primary, metastatic=metastatic, superscan=superscan)


def _host_pixel(rng: np.random.Generator, host: Piece, grid: Grid, proximal_path: np.ndarray | None = None):
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


def _pick_host(rng: np.random.Generator, anatomy: Anatomy, site: str) -> Piece:
    hosts = [
        p
        for p in anatomy.pieces
        if p.tissue == "bone" and p.name.startswith(SITE_HOSTS[site]) and not p.name.startswith("growth_plate")
    ]
    return hosts[int(rng.integers(len(hosts)))]


def _contrast(rng: np.random.Generator, lo: float = 1.5, hi: float = 10.0) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _metastasis(rng, anatomy, grid, primary: str, lesion_id: int) -> Lesion:
    sites = SITE_PROBABILITIES[primary]
    site = str(rng.choice(list(sites), p=list(sites.values())))
    host = _pick_host(rng, anatomy, site)
    x, y, z = _host_pixel(rng, host, grid, anatomy.paths.get(host.name))
    roll = rng.random()
    if site == "ribs" and roll < 0.4:
        kind, size = "rib_elongated", rng.uniform(20.0, 60.0)
    elif site == "spine" and roll < 0.15:
        kind, size = "vertebra_whole", 0.0
    elif roll > (0.75 if primary == "other" else 0.95):
        kind, size = "lytic", rng.uniform(15.0, 40.0)
    else:
        kind = "metastasis"
        size = rng.uniform(5.0, 20.0 if site in ("ribs", "sternum") else 40.0)
    if kind == "vertebra_whole":
        contrast = _contrast(rng, 1.5, 4.0)
        x = (host.col0 + host.shape[1] / 2) * grid.pixel_cm
        y = (host.row0 + host.shape[0] / 2) * grid.pixel_cm
        size = host.shape[1] * grid.pixel_cm * 10.0
    elif kind == "lytic":
        contrast = float(rng.uniform(0.1, 0.4))
    else:
        contrast = _contrast(rng)
    return Lesion(
        lesion_id,
        kind,
        host.name,
        host.segment,
        x,
        y,
        z,
        float(size),
        contrast,
        True,
        host.concentration,
        float(rng.uniform(0, np.pi)),
        float(rng.uniform(0.7, 1.0)),
    )


def _benign(rng, anatomy: Anatomy, grid: Grid, uptake: Uptake, age: float, next_id: int) -> list[Lesion]:
    found: list[Lesion] = []
    if rng.random() < 0.12:  # rib fractures in a vertical row
        side = str(rng.choice(["left", "right"]))
        first = int(rng.integers(3, 9))
        lateral = rng.uniform(0.45, 0.95)
        for n in range(first, first + int(rng.integers(2, 5))):
            name = f"rib_{side}_{n}"
            if name not in anatomy.paths:
                continue
            path = anatomy.paths[name]
            k = int(lateral * (len(path) - 1) * 0.5)
            x, y, z = path[k]
            found.append(
                Lesion(
                    next_id + len(found),
                    "fracture",
                    name,
                    "trunk",
                    float(x),
                    float(y),
                    float(z),
                    float(rng.uniform(8.0, 14.0)),
                    _contrast(rng, 2.0, 5.0),
                    False,
                    uptake.rib,
                )
            )
    if age > 65 and rng.random() < 0.15:  # osteoporotic compression: a linear band across a vertebra
        level = str(rng.choice(["T8", "T10", "T11", "T12", "L1", "L2"]))
        host = next(p for p in anatomy.pieces if p.name == f"vertebra_{level}")
        x = (host.col0 + host.shape[1] / 2) * grid.pixel_cm
        y = (host.row0 + host.shape[0] * rng.uniform(0.3, 0.7)) * grid.pixel_cm
        z = float(host.z_cm[host.shape[0] // 2, host.shape[1] // 2])
        found.append(
            Lesion(
                next_id + len(found),
                "vertebral_fracture",
                host.name,
                host.segment,
                x,
                y,
                z,
                host.shape[1] * grid.pixel_cm * 10.0,
                _contrast(rng, 2.0, 4.0),
                False,
                uptake.spine,
                0.0,
                0.18,
            )
        )
    n_degenerative = int(rng.poisson(1.5 if age > 50 else 0.2))
    for site in rng.choice(DEGENERATIVE_SITES, size=min(n_degenerative, 4), replace=False):
        site = str(site)
        side = str(rng.choice(["left", "right"]))
        if site.startswith("facet_"):
            host = next(p for p in anatomy.pieces if p.name == f"pedicle_{site[6:]}_{side}")
            x, y, z = _host_pixel(rng, host, grid)
            segment, host_conc, size = host.segment, uptake.spine, rng.uniform(12.0, 20.0)
        elif site == "sacroiliac":
            host = next(p for p in anatomy.pieces if p.name == f"sacroiliac_{side}")
            x, y, z = _host_pixel(rng, host, grid)
            segment, host_conc, size = host.segment, uptake.spine, rng.uniform(15.0, 25.0)
        else:
            x, y, z = anatomy.landmarks[site]
            segment = (
                ("arm_" + site.split("_")[-1])
                if site.startswith("thumb")
                else (("leg_" + site.split("_")[-1]) if site.startswith(("knee", "first_mtp")) else "trunk")
            )
            host_conc, size = uptake.joint, rng.uniform(12.0, 30.0)
        found.append(
            Lesion(
                next_id + len(found),
                "degenerative",
                site,
                segment,
                float(x),
                float(y),
                float(z),
                float(size),
                _contrast(rng, 1.3, 2.5),
                False,
                host_conc,
                float(rng.uniform(0, np.pi)),
                float(rng.uniform(0.6, 1.0)),
            )
        )
    return found


def _artefacts(rng, anatomy: Anatomy, uptake: Uptake, next_id: int) -> list[Lesion]:
    found: list[Lesion] = []
    if rng.random() < 0.175:  # extravasation at the injection site [EX1]
        side = str(rng.choice(["left", "right"]))
        where = f"elbow_{side}" if rng.random() < 0.7 else f"hand_{side}"
        x, y, z = anatomy.landmarks[where]
        found.append(
            Lesion(
                next_id,
                "extravasation",
                where,
                f"arm_{side}",
                float(x),
                float(y),
                float(z) + 1.0,
                float(rng.uniform(15.0, 40.0)),
                float(rng.uniform(0.3, 2.0)),
                False,
                uptake.spine,
            )
        )
        if rng.random() < 0.12:  # lymphatic drainage to an axillary node [EX2]
            x, y, z = anatomy.landmarks[f"axilla_{side}"]
            found.append(
                Lesion(
                    next_id + 1,
                    "axillary_node",
                    f"axilla_{side}",
                    "trunk",
                    float(x),
                    float(y),
                    float(z),
                    float(rng.uniform(8.0, 15.0)),
                    float(rng.uniform(0.5, 1.5)),
                    False,
                    uptake.spine,
                )
            )
    return found


def urine_contamination(rng: np.random.Generator, anatomy: Anatomy, uptake: Uptake, lesion_id: int) -> Lesion:
    """A drop of urine on the skin or clothes near the groin or thigh [MSK]."""
    x0, y0, _ = anatomy.landmarks["pubis"]
    side = float(rng.choice([-1.0, 1.0]))
    x = x0 + side * rng.uniform(0.0, 9.0)
    y = y0 + rng.uniform(2.0, 18.0)
    z = float(rng.choice([0.3, 14.0]))  # on the posterior skin (table) or the anterior thigh
    segment = "trunk" if y < y0 + 4 else ("leg_left" if side > 0 else "leg_right")
    return Lesion(
        lesion_id,
        "urine",
        "skin",
        segment,
        float(x),
        float(y),
        z,
        float(rng.uniform(8.0, 25.0)),
        float(rng.uniform(0.5, 3.0)),
        False,
        uptake.spine,
    )


def sample_lesions(
    rng: np.random.Generator,
    anatomy: Anatomy,
    grid: Grid,
    uptake: Uptake,
    diagnosis: Diagnosis,
    age_years: float,
    mean_metastases: float = 3.0,
) -> list[Lesion]:
    """Draw every finding of one patient; ids run from 1 in the order they are drawn."""
    lesions: list[Lesion] = []
    if diagnosis.superscan:
        lesions.append(
            Lesion(1, "superscan", "skeleton", "trunk", 0.0, 0.0, 0.0, 0.0, uptake.spine, True, uptake.spine)
        )
    elif diagnosis.metastatic:
        count = min(1 + int(rng.geometric(1.0 / mean_metastases)) - 1, 15)
        for _ in range(max(count, 1)):
            lesions.append(_metastasis(rng, anatomy, grid, diagnosis.primary, len(lesions) + 1))
    lesions += _benign(rng, anatomy, grid, uptake, age_years, len(lesions) + 1)
    lesions += _artefacts(rng, anatomy, uptake, len(lesions) + 1)
    if rng.random() < 0.05:
        lesions.append(urine_contamination(rng, anatomy, uptake, len(lesions) + 1))
    return lesions


def render_lesion(lesion: Lesion, anatomy: Anatomy, grid: Grid) -> list[Piece]:
    """Pieces that add a lesion's extra activity to its host (negative for a cold core)."""
    name = f"lesion_{lesion.lesion_id}"
    centre = (lesion.x_cm, lesion.y_cm, lesion.z_cm)
    radius = lesion.size_mm / 20.0
    extra = (lesion.contrast - 1.0) * lesion.host_concentration
    seg, kind = lesion.segment, lesion.kind
    host = next((p for p in anatomy.pieces if p.name == lesion.site), None)
    host_half_depth = 1.0
    if host is not None:
        host_half_depth = max(0.5 * float(host.thickness_cm.max()), 0.3)
    if kind == "superscan":
        return []
    if kind == "vertebra_whole" and host is not None:
        return [Piece(f"{name}_body", "lesion", seg, host.row0, host.col0, host.thickness_cm, host.z_cm, extra)]
    if kind == "rib_elongated" and lesion.site in anatomy.paths:
        path = anatomy.paths[lesion.site]
        step = np.hypot(*np.diff(path[:, :2], axis=0).T)
        arclength = np.concatenate([[0.0], np.cumsum(step)])
        k = int(np.argmin(np.hypot(path[:, 0] - lesion.x_cm, path[:, 1] - lesion.y_cm)))
        half = lesion.size_mm / 20.0
        keep = np.abs(arclength - arclength[k]) <= half
        pts = path[keep] if keep.sum() >= 2 else path[max(k - 1, 0) : k + 2]
        piece = tube(grid, f"{name}_rib", "lesion", seg, pts, 0.65, extra, depth_scale=0.6)
        return [piece] if piece is not None else []
    if kind == "lytic":
        core_depth = min(radius, host_half_depth)
        core = ellipsoid(
            grid,
            f"{name}_core",
            "lesion",
            seg,
            centre,
            (radius, radius * lesion.aspect, core_depth),
            -(1.0 - lesion.contrast) * lesion.host_concentration,
            lesion.angle_rad,
        )
        # A thin reactive rim at 1.5x the host concentration around the cold core.
        rim_r = radius * 1.25
        rim = ellipsoid(
            grid,
            f"{name}_rim",
            "lesion",
            seg,
            centre,
            (rim_r, rim_r * lesion.aspect, core_depth * 1.1),
            0.5 * lesion.host_concentration,
            lesion.angle_rad,
            shell_fraction=0.25,
        )
        return [p for p in (core, rim) if p is not None]
    if kind in ("extravasation", "urine", "axillary_node"):
        depth = radius * 0.6
        tissue = "artefact"
        conc = lesion.contrast * lesion.host_concentration
    else:
        depth = min(radius, host_half_depth + 0.3)
        tissue = "lesion"
        conc = extra
    piece = ellipsoid(
        grid, f"{name}_focus", tissue, seg, centre, (radius, radius * lesion.aspect, depth), conc, lesion.angle_rad
    )
    return [piece] if piece is not None else []


def label_map(pieces: list[Piece], grid: Grid, min_thickness_cm: float = 0.05) -> np.ndarray:
    """(H, W) uint16 map of lesion pieces' footprints, valued by their lesion id (``lesion_<id>_<part>``)."""
    labels = np.zeros((grid.rows, grid.cols), dtype=np.uint16)
    for p in pieces:
        ident = int(p.name.split("_")[1])
        footprint = np.where(p.thickness_cm > min_thickness_cm, ident, 0).astype(np.uint16)
        paste(labels, footprint, p.row0, p.col0, mode="max")
    return labels
