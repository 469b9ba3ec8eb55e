"""The arms: humerus, elbow, radius and ulna, carpus and the rays of the hand, in one of three positions."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.anatomy.growth import growth_plate
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.proportions import LIMB_LENGTHS, REFERENCE_HEIGHT_CM, SIDES
from lowcount.phantom.geometry import Grid, ellipsoid, tube
from lowcount.phantom.uptake import Uptake


def arm_joints(marks: Landmarks, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shoulder, elbow, wrist and fingertip positions (x, y, z) of one arm."""
    body = marks.body
    scale = body.height_cm / REFERENCE_HEIGHT_CM
    sign = SIDES[side]
    shoulder = np.array(
        [marks.mid + sign * (body.shoulder_half_cm - 1.0 * scale), marks.shoulder_y + 1.0 * scale, marks.chest_ap * 0.5]
    )
    upper, fore, hand = (LIMB_LENGTHS[limb] * body.height_cm for limb in ("upper_arm", "forearm", "hand"))
    arm_z = 4.5 * scale
    angle = body.arm_angle_rad
    direction = np.array([sign * np.sin(angle), np.cos(angle), 0.0])
    elbow = shoulder + upper * direction
    elbow[0] += sign * 1.5 * scale
    elbow[2] = arm_z
    if body.arm_position == "over_pelvis":
        target = np.array([marks.mid + sign * 5.0 * scale, marks.pubis_y - 2.0 * scale, marks.abdomen_ap + 1.5])
        d = target - elbow
        d[:2] /= np.hypot(*d[:2])
        wrist = elbow + np.array([d[0] * fore * 0.97, d[1] * fore * 0.97, 0.0])
        wrist[2] = marks.abdomen_ap + 1.5
        tip = wrist + np.array([d[0] * hand, d[1] * hand, 0.0])
    else:
        wrist = elbow + fore * direction
        wrist[2] = arm_z - 1.0
        tip = wrist + hand * direction
        tip[2] = arm_z - 1.5
    return shoulder, elbow, wrist, tip


def _upper_arm(anatomy, grid, uptake, side, segment, scale, shoulder, elbow) -> None:
    """Humeral head and shaft, and the elbow."""
    head_semi_axes = (2.3 * scale, 2.4 * scale, 2.3 * scale)
    anatomy.add(
        ellipsoid(
            grid,
            f"humerus_head_{side}",
            "bone",
            segment,
            tuple(shoulder),
            head_semi_axes,
            uptake.joint * 0.8,
            shell_fraction=0.4,
        )
    )
    humerus = np.array([shoulder, elbow])
    radii = np.array([1.2 * scale, 1.0 * scale])
    anatomy.add(tube(grid, f"humerus_shaft_{side}", "bone", segment, humerus, radii, uptake.rib, shell_fraction=0.45))
    anatomy.paths[f"humerus_shaft_{side}"] = humerus
    elbow_semi_axes = (2.4 * scale, 1.6 * scale, 1.6)
    anatomy.add(ellipsoid(grid, f"elbow_{side}", "bone", segment, tuple(elbow), elbow_semi_axes, uptake.joint * 0.7))


def _forearm_and_hand(anatomy, grid, uptake, side, sign, segment, scale, elbow, wrist, tip) -> np.ndarray:
    """Radius and ulna, carpus and the five rays of the hand; returns the in-plane normal of the forearm."""
    forearm = wrist - elbow
    normal = np.array([-forearm[1], forearm[0], 0.0])
    normal /= max(np.hypot(normal[0], normal[1]), 1e-6)
    for k, bone in enumerate(("radius", "ulna")):
        off = normal * (0.8 * scale) * (1 if k == 0 else -1) * sign
        pts = np.array([elbow + off, wrist + off])
        anatomy.add(
            tube(grid, f"{bone}_{side}", "bone", segment, pts, 0.55 * scale, uptake.rib * 0.9, shell_fraction=0.6)
        )
    carpus = (tuple(wrist + (tip - wrist) * 0.12), (2.0 * scale, 1.6 * scale, 1.0))
    anatomy.add(ellipsoid(grid, f"carpus_{side}", "bone", segment, *carpus, uptake.joint * 0.8))
    hand_dir = (tip - wrist) / np.linalg.norm(tip - wrist)
    for k in range(5):
        lateral = normal * (k - 2) * 0.9 * scale
        base = wrist + (tip - wrist) * 0.25 + lateral
        end = wrist + (tip - wrist) * (0.9 if k else 0.55) + lateral * 1.2
        if k == 0:  # thumb points away from the hand axis
            base = wrist + (tip - wrist) * 0.2 + normal * 1.8 * scale
            end = base + hand_dir * 4.5 * scale + normal * 1.5 * scale
        ray = np.array([base, end])
        anatomy.add(tube(grid, f"hand_ray_{side}_{k + 1}", "bone", segment, ray, 0.38 * scale, uptake.rib * 0.8))
    return normal


def add_arms(anatomy: Anatomy, grid: Grid, marks: Landmarks, uptake: Uptake) -> None:
    """Both arms, their landmarks (elbow, hand, thumb base, axilla) and, in the young, growth plates."""
    scale = marks.body.height_cm / REFERENCE_HEIGHT_CM
    for side, sign in SIDES.items():
        segment = f"arm_{side}"
        shoulder, elbow, wrist, tip = arm_joints(marks, side)
        _upper_arm(anatomy, grid, uptake, side, segment, scale, shoulder, elbow)
        normal = _forearm_and_hand(anatomy, grid, uptake, side, sign, segment, scale, elbow, wrist, tip)
        anatomy.landmarks[f"elbow_{side}"] = tuple(elbow)
        anatomy.landmarks[f"hand_{side}"] = tuple(wrist + (tip - wrist) * 0.3)
        anatomy.landmarks[f"thumb_base_{side}"] = tuple(wrist + (tip - wrist) * 0.2 + normal * 1.5 * scale)
        axilla = (shoulder[0] - sign * 4.0 * scale, shoulder[1] + 5.0 * scale, marks.chest_ap * 0.5)
        anatomy.landmarks[f"axilla_{side}"] = axilla
        humerus_plate = tuple(shoulder + np.array([0.0, 3.0 * scale, 0.0]))
        growth_plate(anatomy, grid, f"humerus_{side}", segment, humerus_plate, 2.0 * scale, uptake)
        radius_plate = tuple(wrist - (wrist - elbow) * 0.06)
        growth_plate(anatomy, grid, f"radius_{side}", segment, radius_plate, 1.6 * scale, uptake)
