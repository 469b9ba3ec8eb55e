"""The pelvis: iliac wings and crests, sacroiliac joints, obturator rings and acetabula."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.proportions import REFERENCE_HEIGHT_CM, SIDES
from lowcount.phantom.geometry import Grid, ellipsoid, plate, tube
from lowcount.phantom.uptake import Uptake


def add_pelvis(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    pelvis_half = marks.body.pelvis_half_cm
    z_mid = 0.45 * marks.abdomen_ap
    l4, l5 = marks.vertebra_y["L4"], marks.vertebra_y["L5"]
    for side, sign in SIDES.items():

        def x(u, sign=sign):
            return marks.mid + sign * u

        wing = np.array(
            [
                (x(3.8 * scale), marks.sacrum_top + 0.5 * scale),
                (x(0.62 * pelvis_half), l4 - 0.5 * scale),
                (x(0.92 * pelvis_half), l5 + 0.5 * scale),
                (x(0.95 * pelvis_half), marks.sacrum_top + 3.0 * scale),
                (x(0.68 * pelvis_half), marks.hip_y - 2.2 * scale),
                (x(4.5 * scale), marks.sacrum_top + 6.0 * scale),
            ]
        )
        anatomy.add(plate(grid, f"ilium_{side}", "bone", "trunk", wing, 1.3, z_mid, uptake.spine * 0.55))
        crest = np.array([(*wing[0], z_mid - 3.0), (*wing[1], z_mid), (*wing[2], z_mid + 1.0), (*wing[3], z_mid + 3.0)])
        anatomy.add(
            tube(grid, f"iliac_crest_{side}", "bone", "trunk", crest, 0.7 * scale, uptake.spine * 0.6, depth_scale=1.2)
        )
        anatomy.add(
            tube(
                grid,
                f"sacroiliac_{side}",
                "bone",
                "trunk",
                np.array(
                    [
                        (x(4.0 * scale), marks.sacrum_top + 0.8 * scale, 0.3 * marks.abdomen_ap),
                        (x(3.3 * scale), marks.sacrum_top + 6.0 * scale, 0.25 * marks.abdomen_ap),
                    ]
                ),
                0.7 * scale,
                uptake.spine * 0.9,
            )
        )
        hip_x = x(0.64 * pelvis_half)
        ring = np.array(
            [
                (hip_x, marks.hip_y + 1.5 * scale, z_mid),
                (x(0.48 * pelvis_half), marks.hip_y + 6.5 * scale, 5.0),
                (x(1.6 * scale), marks.pubis_y + 3.5 * scale, marks.abdomen_ap * 0.75),
                (x(1.2 * scale), marks.pubis_y + 0.5 * scale, marks.abdomen_ap * 0.78),
                (x(0.5 * pelvis_half), marks.hip_y - 0.5 * scale, z_mid + 2.0),
            ]
        )
        anatomy.add(
            tube(
                grid,
                f"obturator_ring_{side}",
                "bone",
                "trunk",
                np.vstack([ring, ring[:1]]),
                0.9 * scale,
                uptake.spine * 0.6,
            )
        )
        anatomy.add(
            ellipsoid(
                grid,
                f"acetabulum_{side}",
                "bone",
                "trunk",
                (hip_x, marks.hip_y - 0.5 * scale, z_mid),
                (2.6 * scale, 2.4 * scale, 2.0),
                uptake.spine * 0.45,
                shell_fraction=0.3,
            )
        )
        anatomy.landmarks[f"hip_{side}"] = (hip_x, marks.hip_y, z_mid)
    anatomy.landmarks["pubis"] = (marks.mid, marks.pubis_y + 1.5 * scale, marks.abdomen_ap * 0.78)
    anatomy.landmarks["sacrum"] = (marks.mid, marks.sacrum_top + 3.0 * scale, 0.28 * marks.abdomen_ap)
