"""The thorax: ribs, sternum, and the shoulder girdle (clavicles, scapulae, glenoids)."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.proportions import REFERENCE_HEIGHT_CM, RIB_DROP, RIB_END, RIB_REACH, SIDES
from lowcount.phantom.geometry import Grid, ellipsoid, plate, tube
from lowcount.phantom.uptake import Uptake


def add_ribs(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    chest_half = (marks.body.shoulder_half_cm - 4.0) * 0.95
    reach, drops, ends = RIB_REACH, RIB_DROP, RIB_END
    spacing = marks.spacing["T"]
    for n in range(12):
        name = f"T{n + 1}"
        y0 = marks.vertebra_y[name]
        x_spine = marks.spine_x(y0)
        u0 = 1.6 * scale + 0.05 * n  # costovertebral joints sit a little wider down the spine
        u_front = 2.2 * scale
        half = chest_half * reach[n]
        z_centre = marks.chest_ap * 0.5
        bz = marks.chest_ap * 0.5 - 1.5
        phi = np.linspace(0.0, ends[n] * np.pi, 40)
        u = np.where(phi < np.pi / 2, u0 + (half - u0) * np.sin(phi), u_front + (half - u_front) * np.sin(phi))
        y = y0 - 0.6 * scale * np.sin(np.minimum(phi * 2, np.pi)) + drops[n] * spacing * (1 - np.cos(phi)) / 2
        z = z_centre - bz * np.cos(phi)
        for side, sign in SIDES.items():
            pts = np.stack([x_spine + sign * u, y, z], axis=1)
            piece_name = f"rib_{side}_{n + 1}"
            anatomy.add(
                tube(
                    grid,
                    piece_name,
                    "bone",
                    "trunk",
                    pts,
                    0.55 * scale,
                    uptake.rib,
                    shell_fraction=0.55,
                    depth_scale=0.6,
                )
            )
            anatomy.paths[piece_name] = pts
    notch_y = marks.vertebra_y["T2"]
    z_front = marks.chest_ap - 1.6
    anatomy.add(
        ellipsoid(
            grid,
            "sternum_manubrium",
            "bone",
            "trunk",
            (marks.mid, notch_y + 2.5 * scale, z_front),
            (2.6 * scale, 2.6 * scale, 0.8),
            uptake.sternum,
        )
    )
    body_pts = np.array(
        [(marks.mid, notch_y + 5.3 * scale, z_front), (marks.mid, marks.vertebra_y["T9"], z_front - 0.5)]
    )
    anatomy.add(
        tube(
            grid,
            "sternum_body",
            "bone",
            "trunk",
            body_pts,
            np.array([1.6 * scale, 1.3 * scale]),
            uptake.sternum,
            depth_scale=0.5,
        )
    )
    anatomy.landmarks["manubriosternal"] = (marks.mid, notch_y + 5.1 * scale, z_front)
    anatomy.paths["sternum_body"] = body_pts


def add_shoulder_girdle(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    notch_y = marks.vertebra_y["T2"] - 0.5 * scale
    shoulder_half = marks.body.shoulder_half_cm
    z_front = marks.chest_ap - 2.0
    for side, sign in SIDES.items():
        acromion = (
            marks.mid + sign * (shoulder_half - 1.5 * scale),
            marks.shoulder_y - 1.0 * scale,
            marks.chest_ap * 0.55,
        )
        clav = np.array(
            [
                (marks.mid + sign * 2.0 * scale, notch_y, z_front),
                (marks.mid + sign * 0.45 * shoulder_half, notch_y - 0.2 * scale, z_front - 0.5),
                (marks.mid + sign * 0.75 * shoulder_half, notch_y - 1.5 * scale, z_front - 2.0),
                acromion,
            ]
        )
        anatomy.add(
            tube(grid, f"clavicle_{side}", "bone", "trunk", clav, 0.65 * scale, uptake.rib * 1.2, shell_fraction=0.6)
        )
        anatomy.paths[f"clavicle_{side}"] = clav
        sup = (marks.mid + sign * 6.5 * scale, marks.vertebra_y["T1"] + 0.5 * scale)
        inf = (marks.mid + sign * 8.5 * scale, marks.vertebra_y["T7"])
        lat = (marks.mid + sign * (shoulder_half - 3.5 * scale), marks.vertebra_y["T2"] + 1.0 * scale)
        z_back = 3.0
        anatomy.add(
            plate(grid, f"scapula_{side}", "bone", "trunk", np.array([sup, lat, inf]), 0.6, z_back, uptake.rib * 0.8)
        )
        anatomy.add(
            tube(
                grid,
                f"scapula_border_{side}",
                "bone",
                "trunk",
                np.array([(*lat, z_back), (*inf, z_back)]),
                0.6 * scale,
                uptake.rib,
                depth_scale=0.8,
            )
        )
        anatomy.add(
            tube(
                grid,
                f"scapula_spine_{side}",
                "bone",
                "trunk",
                np.array(
                    [(sup[0], sup[1] + 2.0 * scale, z_back), (acromion[0], acromion[1] + 0.5 * scale, acromion[2])]
                ),
                0.5 * scale,
                uptake.rib,
                depth_scale=1.2,
            )
        )
        anatomy.add(
            ellipsoid(
                grid,
                f"glenoid_{side}",
                "bone",
                "trunk",
                (lat[0] + sign * 1.3 * scale, lat[1], marks.chest_ap * 0.5),
                (0.9 * scale, 1.6 * scale, 1.5),
                uptake.joint * 0.7,
            )
        )
        anatomy.landmarks[f"shoulder_{side}"] = (lat[0] + sign * 2.5 * scale, lat[1], marks.chest_ap * 0.5)
