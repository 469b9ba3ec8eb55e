"""The spine: 24 vertebral bodies with pedicles and spinous processes, and the sacrum."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.proportions import (
    REFERENCE_HEIGHT_CM,
    SIDES,
    VERTEBRA_DEPTH_CM,
    VERTEBRA_WIDTH_CM,
    VERTEBRAE,
)
from lowcount.phantom.geometry import Grid, ellipsoid, tube
from lowcount.phantom.uptake import Uptake


def add_spine(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    depths = VERTEBRA_DEPTH_CM
    for name in VERTEBRAE:
        region, index = name[0], int(name[1:])
        count = sum(other[0] == region for other in VERTEBRAE)
        w0, w1 = VERTEBRA_WIDTH_CM[region]
        half_w = 0.5 * (w0 + (w1 - w0) * (index - 1) / max(count - 1, 1)) * marks.body.height_cm / REFERENCE_HEIGHT_CM
        y = marks.vertebra_y[name]
        x, z = marks.spine_x(y), marks.spine_z(y)
        half_h = 0.45 * marks.spacing[region]
        segment = "head" if name in ("C1", "C2", "C3") else "trunk"
        body = ellipsoid(
            grid,
            f"vertebra_{name}",
            "bone",
            segment,
            (x, y, z),
            (half_w, half_h, depths[region]),
            uptake.spine,
            squareness=4.0,
            shell_fraction=0.6,
        )
        anatomy.add(body)
        for side in SIDES:
            anatomy.add(
                ellipsoid(
                    grid,
                    f"pedicle_{name}_{side}",
                    "bone",
                    segment,
                    (x + SIDES[side] * 0.62 * half_w, y, z - depths[region] - 0.6),
                    (0.28 * half_w, 0.55 * half_h, 0.6),
                    uptake.spine * 1.1,
                )
            )
        anatomy.add(
            tube(
                grid,
                f"spinous_{name}",
                "bone",
                segment,
                np.array([(x, y - 0.2 * half_h, z - depths[region] - 0.8), (x, y + 0.9 * half_h, max(z - 4.0, 0.8))]),
                0.35,
                uptake.spine * 0.8,
            )
        )
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    z_top, z_tip = 0.3 * marks.abdomen_ap, 3.0
    anatomy.add(
        tube(
            grid,
            "sacrum",
            "bone",
            "trunk",
            np.array([(marks.mid, marks.sacrum_top + 1.5 * scale, z_top), (marks.mid, marks.sacrum_tip, z_tip)]),
            np.array([5.0 * scale, 1.2 * scale]),
            uptake.spine * 0.9,
            depth_scale=0.35,
        )
    )
