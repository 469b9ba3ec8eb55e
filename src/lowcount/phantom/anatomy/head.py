"""The skull: vault, face, petrous bones and mandible."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.anatomy.landmarks import Landmarks, side_x
from lowcount.phantom.anatomy.proportions import REFERENCE_HEIGHT_CM, SIDES
from lowcount.phantom.geometry import Grid, ellipsoid, tube
from lowcount.phantom.uptake import Uptake


def add_skull(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    top = marks.body.top_cm
    head_z = 10.0 * scale + 1.5  # on the head rest
    anatomy.add(
        ellipsoid(
            grid,
            "skull_vault",
            "bone",
            "head",
            (marks.mid, top + 9.5 * scale, head_z),
            (7.3 * scale, 9.5 * scale, 9.5 * scale),
            uptake.skull,
            shell_fraction=0.08,
        )
    )
    anatomy.add(
        ellipsoid(
            grid,
            "skull_face",
            "bone",
            "head",
            (marks.mid, top + 15.5 * scale, head_z + 5.5 * scale),
            (4.0 * scale, 2.6 * scale, 2.0 * scale),
            uptake.skull * 1.2,
        )
    )
    for side in SIDES:
        anatomy.add(
            ellipsoid(
                grid,
                f"skull_petrous_{side}",
                "bone",
                "head",
                (side_x(marks, side, 4.2 * scale), top + 12.5 * scale, head_z),
                (1.8 * scale, 1.0 * scale, 1.5 * scale),
                uptake.skull * 1.6,
            )
        )
    chin = (marks.mid, top + 21.5 * scale, head_z + 7.0 * scale)
    for side in SIDES:
        pts = np.array(
            [
                (side_x(marks, side, 5.3 * scale), top + 13.5 * scale, head_z - 1.0 * scale),
                (side_x(marks, side, 4.9 * scale), top + 18.8 * scale, head_z + 1.0 * scale),
                (side_x(marks, side, 2.6 * scale), top + 21.0 * scale, head_z + 5.0 * scale),
                chin,
            ]
        )
        anatomy.add(tube(grid, f"mandible_{side}", "bone", "head", pts, 0.55 * scale, uptake.skull * 1.3))
