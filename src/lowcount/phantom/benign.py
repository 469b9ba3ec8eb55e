"""Benign findings and artefacts that mimic lesions: rib fractures, osteoporotic vertebral fractures,
degenerative joints, extravasation at the injection site, axillary nodes and urine contamination (sources in
lowcount.phantom.findings)."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy import Anatomy
from lowcount.phantom.findings import DEGENERATIVE_SITES, Lesion, contrast_ratio, host_pixel
from lowcount.phantom.geometry import Grid
from lowcount.phantom.uptake import Uptake


def _rib_fractures(rng, anatomy: Anatomy, uptake: Uptake, found: list[Lesion], next_id: int) -> None:
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
                    contrast_ratio(rng, 2.0, 5.0),
                    False,
                    uptake.rib,
                )
            )


def _vertebral_fracture(rng, anatomy: Anatomy, grid: Grid, uptake: Uptake, found: list[Lesion], next_id: int) -> None:
    if rng.random() < 0.15:  # osteoporotic compression: a linear band across a vertebra
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
                contrast_ratio(rng, 2.0, 4.0),
                False,
                uptake.spine,
                0.0,
                0.18,
            )
        )


def _site(anatomy: Anatomy, name: str):
    """The piece (or non-emitting site) called ``name``."""
    if name in anatomy.sites:
        return anatomy.sites[name]
    return next(p for p in anatomy.pieces if p.name == name)


def _degenerative(rng, anatomy: Anatomy, grid: Grid, uptake: Uptake, age: float, found: list[Lesion], next_id: int):
    n_degenerative = int(rng.poisson(1.5 if age > 50 else 0.2))
    for site in rng.choice(DEGENERATIVE_SITES, size=min(n_degenerative, 4), replace=False):
        site = str(site)
        side = str(rng.choice(["left", "right"]))
        if site.startswith("facet_"):
            host = _site(anatomy, f"pedicle_{site[6:]}_{side}")
            x, y, z = host_pixel(rng, host, grid)
            segment, host_conc, size = host.segment, uptake.spine, rng.uniform(12.0, 20.0)
        elif site == "sacroiliac":
            host = _site(anatomy, f"sacroiliac_{side}")
            x, y, z = host_pixel(rng, host, grid)
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
                contrast_ratio(rng, 1.3, 2.5),
                False,
                host_conc,
                float(rng.uniform(0, np.pi)),
                float(rng.uniform(0.6, 1.0)),
            )
        )


def benign_findings(rng, anatomy: Anatomy, grid: Grid, uptake: Uptake, age: float, next_id: int) -> list[Lesion]:
    """Rib fractures, an osteoporotic vertebral fracture (over 65) and degenerative joints, ids from ``next_id``."""
    found: list[Lesion] = []
    _rib_fractures(rng, anatomy, uptake, found, next_id)
    if age > 65:
        _vertebral_fracture(rng, anatomy, grid, uptake, found, next_id)
    _degenerative(rng, anatomy, grid, uptake, age, found, next_id)
    return found


def artefacts(rng, anatomy: Anatomy, uptake: Uptake, next_id: int) -> list[Lesion]:
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
