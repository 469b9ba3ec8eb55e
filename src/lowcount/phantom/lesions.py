"""Drawing a patient's findings (metastases by primary, benign mimics, artefacts) and rendering each with a mask.

A lesion is sampled once per patient (a :class:`~lowcount.phantom.findings.Lesion` record) and rendered into
pieces named ``lesion_<id>_<part>`` that move with their host segment, so every acquisition gets its own mask.
Case mix and sources: lowcount.phantom.findings.
"""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy import Anatomy
from lowcount.phantom.benign import artefacts, benign_findings, urine_contamination
from lowcount.phantom.findings import (
    KINDS,
    MALIGNANT_KINDS,
    PRIMARIES,
    SITE_PROBABILITIES,
    Diagnosis,
    Lesion,
    contrast_ratio,
    host_pixel,
    pick_host,
)
from lowcount.phantom.geometry import Grid, Piece, ellipsoid, paste, tube
from lowcount.phantom.uptake import Uptake

__all__ = [
    "KINDS",
    "MALIGNANT_KINDS",
    "Diagnosis",
    "Lesion",
    "label_map",
    "render_lesion",
    "sample_diagnosis",
    "sample_lesions",
    "urine_contamination",
]


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


def _metastasis(rng, anatomy, grid, primary: str, lesion_id: int) -> Lesion:
    sites = SITE_PROBABILITIES[primary]
    site = str(rng.choice(list(sites), p=list(sites.values())))
    host = pick_host(rng, anatomy, site)
    x, y, z = host_pixel(rng, host, grid, anatomy.paths.get(host.name))
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
        contrast = contrast_ratio(rng, 1.5, 4.0)
        x = (host.col0 + host.shape[1] / 2) * grid.pixel_cm
        y = (host.row0 + host.shape[0] / 2) * grid.pixel_cm
        size = host.shape[1] * grid.pixel_cm * 10.0
    elif kind == "lytic":
        contrast = float(rng.uniform(0.1, 0.4))
    else:
        contrast = contrast_ratio(rng)
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
    lesions += benign_findings(rng, anatomy, grid, uptake, age_years, len(lesions) + 1)
    lesions += artefacts(rng, anatomy, uptake, len(lesions) + 1)
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
