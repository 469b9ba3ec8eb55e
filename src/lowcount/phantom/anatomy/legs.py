"""The legs: femur (head, neck, trochanter, shaft, condyles), patella, tibia and fibula, ankle and foot.

Supine feet point up, so their projection is foreshortened: calcaneus, tarsus and a fan of metatarsals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.anatomy.growth import growth_plate
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.proportions import REFERENCE_HEIGHT_CM, SIDES
from lowcount.phantom.geometry import Grid, ellipsoid, tube
from lowcount.phantom.uptake import Uptake


@dataclass(frozen=True)
class _Leg:
    """Where one leg's joints are (cm) and which pieces it renders into."""

    side: str
    sign: float
    segment: str
    scale: float
    hip: tuple[float, float, float]
    knee_x: float
    ankle_x: float
    thigh_z: float
    shin_z: float


def _leg(marks: Landmarks, side: str, sign: float) -> _Leg:
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    return _Leg(
        side=side,
        sign=sign,
        segment=f"leg_{side}",
        scale=scale,
        hip=(marks.mid + sign * 0.64 * marks.body.pelvis_half_cm, marks.hip_y, 0.45 * marks.abdomen_ap),
        knee_x=marks.mid + sign * (0.5 * marks.body.leg_spread_cm + 4.0 * scale),
        ankle_x=marks.mid + sign * (marks.body.leg_spread_cm + 3.0 * scale),
        thigh_z=8.0 * scale,
        shin_z=5.5 * scale,
    )


def _femur(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake, leg: _Leg) -> None:
    side, segment, scale, hip = leg.side, leg.segment, leg.scale, leg.hip
    head_semi_axes = (2.3 * scale, 2.3 * scale, 2.3 * scale)
    anatomy.add(
        ellipsoid(
            grid, f"femur_head_{side}", "bone", segment, hip, head_semi_axes, uptake.joint * 0.8, shell_fraction=0.4
        )
    )
    troch = (hip[0] + leg.sign * 4.0 * scale, marks.hip_y + 2.5 * scale, leg.thigh_z)
    neck = np.array([hip, troch])
    anatomy.add(
        tube(grid, f"femur_neck_{side}", "bone", segment, neck, 1.5 * scale, uptake.joint * 0.7, shell_fraction=0.5)
    )
    trochanter_semi_axes = (1.8 * scale, 2.2 * scale, 2.0)
    anatomy.add(
        ellipsoid(grid, f"femur_trochanter_{side}", "bone", segment, troch, trochanter_semi_axes, uptake.joint * 0.7)
    )
    shaft = np.array([troch, (leg.knee_x, marks.knee_y - 4.0 * scale, leg.shin_z + 1.0)])
    radii = np.array([1.5 * scale, 1.4 * scale])
    anatomy.add(tube(grid, f"femur_shaft_{side}", "bone", segment, shaft, radii, uptake.rib, shell_fraction=0.45))
    anatomy.paths[f"femur_shaft_{side}"] = shaft


def _knee(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake, leg: _Leg) -> None:
    side, segment, scale, knee_x, shin_z = leg.side, leg.segment, leg.scale, leg.knee_x, leg.shin_z
    condyles = ((knee_x, marks.knee_y - 1.8 * scale, shin_z + 1.0), (3.9 * scale, 2.6 * scale, 3.0 * scale))
    anatomy.add(
        ellipsoid(grid, f"femur_condyles_{side}", "bone", segment, *condyles, uptake.joint * 0.75, shell_fraction=0.5)
    )
    patella = ((knee_x, marks.knee_y - 3.0 * scale, shin_z + 5.5 * scale), (2.1 * scale, 2.4 * scale, 1.0))
    anatomy.add(ellipsoid(grid, f"patella_{side}", "bone", segment, *patella, uptake.joint * 0.6))
    plateau = ((knee_x, marks.knee_y + 1.6 * scale, shin_z + 0.5), (3.8 * scale, 2.0 * scale, 2.8 * scale))
    anatomy.add(
        ellipsoid(grid, f"tibia_plateau_{side}", "bone", segment, *plateau, uptake.joint * 0.7, shell_fraction=0.5)
    )


def _lower_leg(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake, leg: _Leg) -> None:
    side, sign, segment, scale = leg.side, leg.sign, leg.segment, leg.scale
    knee_x, ankle_x, shin_z = leg.knee_x, leg.ankle_x, leg.shin_z
    tibia = np.array(
        [
            (knee_x, marks.knee_y + 2.5 * scale, shin_z + 0.5),
            (ankle_x - sign * 0.5, marks.ankle_y - 1.5 * scale, shin_z),
        ]
    )
    radii = np.array([1.4 * scale, 1.1 * scale])
    anatomy.add(tube(grid, f"tibia_shaft_{side}", "bone", segment, tibia, radii, uptake.rib, shell_fraction=0.45))
    anatomy.paths[f"tibia_shaft_{side}"] = tibia
    fibula = np.array(
        [
            (knee_x + sign * 3.0 * scale, marks.knee_y + 2.8 * scale, shin_z - 1.0),
            (ankle_x + sign * 2.3 * scale, marks.ankle_y - 0.5 * scale, shin_z - 1.0),
        ]
    )
    anatomy.add(tube(grid, f"fibula_{side}", "bone", segment, fibula, 0.55 * scale, uptake.rib * 0.8))
    ankle = ((ankle_x, marks.ankle_y, shin_z), (2.6 * scale, 1.6 * scale, 2.0))
    anatomy.add(ellipsoid(grid, f"ankle_{side}", "bone", segment, *ankle, uptake.joint * 0.8))


def _foot(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake, leg: _Leg) -> None:
    side, sign, segment, scale, ankle_x = leg.side, leg.sign, leg.segment, leg.scale, leg.ankle_x
    calcaneus = ((ankle_x, marks.ankle_y + 3.0 * scale, 3.0), (1.8 * scale, 2.6 * scale, 2.5))
    anatomy.add(ellipsoid(grid, f"calcaneus_{side}", "bone", segment, *calcaneus, uptake.joint * 0.8))
    tarsus = ((ankle_x + sign * 0.8, marks.ankle_y + 3.5 * scale, 9.0 * scale), (2.4 * scale, 1.8 * scale, 2.0))
    anatomy.add(ellipsoid(grid, f"tarsus_{side}", "bone", segment, *tarsus, uptake.joint * 0.8))
    for k in range(5):
        x0 = ankle_x + sign * (0.8 + (k - 1.5) * 0.9) * scale
        tip = (x0 + sign * (k - 2) * 0.5 * scale, marks.ankle_y + 7.2 * scale, 15.0 * scale)
        pts = np.array([(x0, marks.ankle_y + 4.5 * scale, 11.0 * scale), tip])
        anatomy.add(tube(grid, f"metatarsal_{side}_{k + 1}", "bone", segment, pts, 0.45 * scale, uptake.rib * 0.9))


def add_legs(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    """Both legs, their joints as landmarks (knee, first MTP joint, ankle) and, in the young, growth plates."""
    for side, sign in SIDES.items():
        leg = _leg(marks, side, sign)
        for part in (_femur, _knee, _lower_leg, _foot):
            part(anatomy, grid, marks, uptake, leg)
        scale, knee_x, ankle_x, shin_z, segment = leg.scale, leg.knee_x, leg.ankle_x, leg.shin_z, leg.segment
        anatomy.landmarks[f"knee_{side}"] = (knee_x, marks.knee_y, shin_z + 1.0)
        anatomy.landmarks[f"first_mtp_{side}"] = (
            ankle_x - sign * 0.8 * scale,
            marks.ankle_y + 7.0 * scale,
            15.0 * scale,
        )
        anatomy.landmarks[f"ankle_{side}"] = (ankle_x, marks.ankle_y, shin_z)
        for name, centre, half_width_cm in (
            (f"femur_{side}", (knee_x, marks.knee_y - 3.5 * scale, shin_z + 1.0), 3.2 * scale),
            (f"tibia_{side}", (knee_x, marks.knee_y + 2.8 * scale, shin_z + 0.5), 3.0 * scale),
            (f"tibia_distal_{side}", (ankle_x, marks.ankle_y - 1.8 * scale, shin_z), 1.6 * scale),
        ):
            growth_plate(anatomy, grid, name, segment, centre, half_width_cm, uptake)
