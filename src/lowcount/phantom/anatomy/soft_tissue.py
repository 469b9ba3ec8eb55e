"""The body outline as soft tissue (head, neck, torso, breasts, limbs), lungs, kidneys and the bladder."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.arms import arm_joints
from lowcount.phantom.anatomy.body import Anatomy, Body
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.proportions import REFERENCE_HEIGHT_CM, SIDES
from lowcount.phantom.geometry import Grid, Piece, ellipsoid, tube
from lowcount.phantom.uptake import Uptake


def _torso_profile(marks: Landmarks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Landmark rows (cm) with the torso half-width and AP thickness at each."""
    body = marks.body
    scale = body.height_cm / REFERENCE_HEIGHT_CM
    # The last row tapers the torso into the thighs, which the leg pieces carry on.
    ys = np.array(
        [
            marks.vertebra_y["C6"],
            marks.shoulder_y,
            marks.vertebra_y["T6"],
            marks.vertebra_y["L3"],
            marks.hip_y,
            marks.pubis_y + 5.0 * scale,
            marks.pubis_y + 10.0 * scale,
        ]
    )
    half = np.array(
        [
            6.0 * scale,
            body.shoulder_half_cm - 1.0 * scale,
            body.shoulder_half_cm - 2.5 * scale,
            body.pelvis_half_cm * 0.95 + 1.0,
            body.pelvis_half_cm + 3.0,
            body.pelvis_half_cm + 2.0,
            body.pelvis_half_cm * 0.6,
        ]
    )
    ap = np.array(
        [
            11.0 * scale,
            body.chest_ap_cm * 0.8,
            body.chest_ap_cm,
            body.abdomen_ap_cm,
            body.abdomen_ap_cm * 0.9,
            body.abdomen_ap_cm * 0.75,
            10.0 * scale,
        ]
    )
    return ys, half, ap


def _head_and_neck(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake, scale: float) -> None:
    top = marks.body.top_cm
    head = ((marks.mid, top + 11.0 * scale, 10.0 * scale + 1.5), (8.0 * scale, 11.5 * scale, 10.0 * scale))
    anatomy.add(ellipsoid(grid, "soft_head", "soft", "head", *head, uptake.soft))
    neck = np.array([(marks.mid, top + 18.0 * scale, 7.0 * scale), (marks.mid, marks.shoulder_y, 7.0 * scale)])
    anatomy.add(tube(grid, "soft_neck", "soft", "head", neck, 6.0 * scale, uptake.soft))


def _torso(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    """The torso as one piece: a superellipse cross-section interpolated between the profile's landmark rows."""
    ys, half, ap = _torso_profile(marks)
    r0 = max(int(ys[0] / grid.pixel_cm), 0)
    r1 = min(int(np.ceil(ys[-1] / grid.pixel_cm)), grid.rows)
    if r1 > r0:
        rows_cm = (np.arange(r0, r1) + 0.5) * grid.pixel_cm
        hw = np.interp(rows_cm, ys, half)[:, None]
        thick = np.interp(rows_cm, ys, ap)[:, None]
        xs = (np.arange(grid.cols) + 0.5) * grid.pixel_cm
        u = np.abs(xs[None, :] - marks.mid) / hw
        t = thick * np.clip(1.0 - u**3, 0.0, None) ** (1.0 / 3.0)
        torso = Piece(
            "soft_torso", "soft", "trunk", r0, 0, t.astype(np.float32), (t / 2).astype(np.float32), uptake.soft
        )
        anatomy.add(torso)


def _limbs(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake, scale: float) -> None:
    """Soft tissue around each arm (along its joints) and each leg (along the landmarks the legs placed)."""
    body = marks.body
    for side, sign in SIDES.items():
        shoulder, elbow, wrist, tip = arm_joints(marks, side)
        pts = np.array([shoulder, elbow, wrist, tip])
        pts[:, 2] = np.array([5.0, 4.5, 3.5, 1.5]) * scale if body.arm_position != "over_pelvis" else pts[:, 2]
        arm_radii = np.array([5.5, 4.2, 3.0, 1.5]) * scale
        anatomy.add(tube(grid, f"soft_arm_{side}", "soft", f"arm_{side}", pts, arm_radii, uptake.soft))
        knee, ankle = anatomy.landmarks[f"knee_{side}"], anatomy.landmarks[f"ankle_{side}"]
        hip = (marks.mid + sign * 0.55 * body.pelvis_half_cm, marks.hip_y + 3.0 * scale, 8.0 * scale)
        leg = np.array(
            [
                hip,
                (knee[0], knee[1], 5.5 * scale),
                (ankle[0], ankle[1], 4.0 * scale),
                (ankle[0], marks.ankle_y + 6.0 * scale, 8.0 * scale),
            ]
        )
        leg_radii = np.array([8.5, 5.5, 3.8, 3.5]) * scale
        anatomy.add(tube(grid, f"soft_leg_{side}", "soft", f"leg_{side}", leg, leg_radii, uptake.soft))


def add_soft_tissue(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    """Body outline as soft-tissue pieces; the camera takes their union as the body thickness."""
    body = marks.body
    scale = body.height_cm / REFERENCE_HEIGHT_CM
    _head_and_neck(anatomy, grid, marks, uptake, scale)
    _torso(anatomy, grid, marks, uptake)
    if body.sex == "F":
        for side, sign in SIDES.items():
            breast = (
                (marks.mid + sign * 8.5 * scale, marks.vertebra_y["T7"], body.chest_ap_cm + 2.5),
                (6.0 * scale, 6.0 * scale, 3.0),
            )
            anatomy.add(ellipsoid(grid, f"soft_breast_{side}", "soft", "trunk", *breast, uptake.soft))
    _limbs(anatomy, grid, marks, uptake, scale)


def add_organs(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    # Where the heart's blood pool sits, left of the midline in the middle of the chest (drawn only when the
    # cohort randomises it: lowcount.phantom.randomisation).
    anatomy.landmarks["heart"] = (
        marks.mid + SIDES["left"] * 3.0 * scale,
        marks.vertebra_y["T7"],
        0.55 * marks.chest_ap,
    )
    lung_y = 0.5 * (marks.vertebra_y["T1"] + marks.vertebra_y["T11"])
    half_span = 0.5 * (marks.vertebra_y["T11"] - marks.vertebra_y["T1"]) + 1.0
    for side, sign in SIDES.items():
        centre = (marks.mid + sign * 0.42 * (marks.body.shoulder_half_cm - 2.0), lung_y, marks.chest_ap * 0.5)
        semi = (0.3 * (marks.body.shoulder_half_cm - 2.0), half_span, marks.chest_ap * 0.32)
        # The lung replaces soft tissue: a negative piece removes the difference in concentration.
        anatomy.add(
            ellipsoid(grid, f"lung_{side}", "lung", "trunk", centre, semi, uptake.lung - uptake.soft, squareness=2.5)
        )
        kidney = (marks.mid + sign * 5.5 * scale, marks.vertebra_y["L1"] + 1.0 * scale, 0.3 * marks.abdomen_ap)
        anatomy.add(
            ellipsoid(
                grid,
                f"kidney_{side}",
                "kidney",
                "trunk",
                kidney,
                (2.8 * scale, 5.5 * scale, 2.5 * scale),
                uptake.kidney,
                angle_rad=-sign * 0.25,
            )
        )
    add_bladder(anatomy, grid, marks.body, uptake)


def bladder_centre_cm(body: Body) -> tuple[float, float, float]:
    marks = Landmarks(body)
    scale = body.height_cm / REFERENCE_HEIGHT_CM
    return (marks.mid, marks.pubis_y - 3.0 * scale, 0.55 * body.abdomen_ap_cm)


def add_bladder(anatomy: Anatomy, grid: Grid, body: Body, uptake: Uptake) -> None:
    """The bladder: a flattened ellipsoid resting on the pubis whose size follows its volume."""
    radius = (3.0 * uptake.bladder_volume_ml / (4.0 * np.pi * 1.3 * 0.9)) ** (1.0 / 3.0)
    x, y, z = anatomy.bladder_centre_cm or bladder_centre_cm(body)
    anatomy.add(
        ellipsoid(
            grid,
            "bladder",
            "bladder",
            "trunk",
            (x, y + 2.0 - radius * 0.9, z),
            (1.3 * radius, 0.9 * radius, radius),
            uptake.bladder,
        )
    )
