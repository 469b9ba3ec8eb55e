"""One patient of the real-anatomy family: the mesh50_XCAT body deformed to a sampled :class:`Body`.

The body's height, shoulder and pelvis widths, antero-posterior thickness (and the girth that comes with it),
scoliosis, arm position and placement on the table set a :class:`~lowcount.phantom.xcat.deform.Warp` of the
reference phantom. Bones take the regional uptake of :class:`~lowcount.phantom.uptake.Uptake` (their core at
the region's core weight), soft tissue fills the body outline, the lungs, airways and brain take less and
the liver ``liver_ratio`` times as much. The voxel phantom has no kidneys, bladder or breasts: they come
from the procedural code, placed on this anatomy's landmarks. The result is an
:class:`~lowcount.phantom.anatomy.Anatomy`, so findings, kinetics and the camera treat both families alike.

Arm positions: ``sides`` turns each arm 4-8 degrees in from the phantom's slight abduction, ``abducted``
0-3 degrees; hands over the pelvis need a bent elbow that a rigid turn cannot give, so ``over_pelvis`` is
drawn as ``sides``. Either way the arm turns in further, up to 15 degrees, until the hand is in the field.
"""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy import Anatomy, Body
from lowcount.phantom.geometry import Grid, Piece, ellipsoid
from lowcount.phantom.uptake import Uptake
from lowcount.phantom.xcat import regions as ref
from lowcount.phantom.xcat.deform import Warp, warp_piece
from lowcount.phantom.xcat.labelling import vertebra_centres_y
from lowcount.phantom.xcat.volume import Reference, reference

# The procedural skeleton's male reference (lowcount.phantom.anatomy.body): half shoulder and pelvis widths
# at 175 cm; the phantom is taken to be that body at its own height.
REFERENCE_SHOULDER_HALF_CM = 20.0
REFERENCE_PELVIS_HALF_CM = 14.0
REFERENCE_HEIGHT_CM = 175.0
BRAIN_RATIO = 0.15  # MDP hardly crosses the blood-brain barrier (engineering estimate)


def _segment_of(landmark: str) -> str:
    for part in ("elbow", "hand", "thumb_base"):
        if landmark.startswith(part):
            return "arm_" + landmark.rsplit("_", 1)[1]
    return "trunk"


def _trunk_ap_cm(reference_: Reference, row_cm: float) -> float:
    trunk = reference_.soft["trunk"]
    row = int(row_cm / reference_.cell_cm) - trunk.row0
    return float(trunk.thickness_cm[row].max())


def make_warp(body: Body, grid: Grid, reference_: Reference) -> Warp:
    """The deformation that turns the reference phantom into ``body`` on ``grid``."""
    centres = {name: y / 10.0 for name, y in vertebra_centres_y().items()}
    own = reference_.height_cm / REFERENCE_HEIGHT_CM
    ap_scale = body.abdomen_ap_cm / _trunk_ap_cm(reference_, centres["L3"])
    turn = {"abducted": 0.03}.get(body.arm_position, 0.1) + body.arm_angle_rad * 0.3
    warp = Warp(
        top_ref_cm=0.0,
        top_cm=body.top_cm,
        height_scale=body.height_cm / reference_.height_cm,
        mid_ref_cm=reference_.mid_cm,
        mid_cm=body.midline_cm,
        shoulder_scale=body.shoulder_half_cm / (REFERENCE_SHOULDER_HALF_CM * own),
        pelvis_scale=body.pelvis_half_cm / (REFERENCE_PELVIS_HALF_CM * own),
        waist_ref_cm=centres["L1"],
        hip_ref_cm=reference_.landmarks["hip_right"][1] - 6.0,
        ap_scale=ap_scale,
        girth_scale=float(np.clip(ap_scale, 0.85, 1.6) ** 0.8),
        neck_ref_cm=ref.NECK_Y_MM / 10.0,
        crotch_ref_cm=ref.CROTCH_Y_MM / 10.0,
        scoliosis_cm=body.scoliosis_cm,
        bend_ref_cm=(centres["T1"], centres["L5"]),
        arm_angle_rad={"right": -turn, "left": turn},
        shoulder_ref_cm={s: reference_.landmarks[f"shoulder_{s}"][:2] for s in ref.SIDES},
    )
    return _hands_in_field(warp, grid, reference_)


def _hands_in_field(warp: Warp, grid: Grid, reference_: Reference) -> Warp:
    """Turn each arm further in (1 degree at a time, to 15) until its hand lies 1.5 cm inside the field."""
    from dataclasses import replace

    width = grid.cols * grid.pixel_cm
    angles = dict(warp.arm_angle_rad)
    for side, sign in (("right", -1.0), ("left", 1.0)):
        hand = reference_.bones[f"hand_{side}"]
        cols = (hand.col0 + np.array([0, hand.shape[1]])) * reference_.cell_cm
        rows = (hand.row0 + np.array([0, hand.shape[0]])) * reference_.cell_cm
        xs, ys = np.meshgrid(cols, rows)
        while abs(angles[side]) < np.radians(15.0):
            trial = replace(warp, arm_angle_rad=angles)
            x, _ = trial.forward(xs.ravel().astype(float), ys.ravel().astype(float), f"arm_{side}")
            if x.min() >= 1.5 and x.max() <= width - 1.5:
                break
            angles[side] += sign * np.radians(1.0)
    return replace(warp, arm_angle_rad=angles)


def _bones(reference_: Reference, uptake: Uptake) -> list[Piece]:
    from dataclasses import replace

    pieces = []
    for name, piece in reference_.bones.items():
        region = ref.REGIONS[name.removeprefix("marrow_")]
        concentration = uptake.for_bone(region.uptake) * region.factor
        if name.startswith("marrow_"):
            concentration *= region.core_weight
        pieces.append(replace(piece, concentration=concentration))
    return pieces


def _organs(reference_: Reference, uptake: Uptake, liver_ratio: float) -> list[Piece]:
    from dataclasses import replace

    concentration = {
        "lung": uptake.lung - uptake.soft,
        "airway": -uptake.soft,
        "brain": (BRAIN_RATIO - 1.0) * uptake.soft,
        "liver": (liver_ratio - 1.0) * uptake.soft,
    }
    pieces = [replace(p, concentration=concentration[name]) for name, p in reference_.organs.items()]
    return pieces + [replace(p, concentration=uptake.soft) for p in reference_.soft.values()]


def _sites(pieces: dict[str, Piece], anatomy: Anatomy, grid: Grid) -> None:
    """Hosts of degenerative findings that are parts of a region: the facets of L4 and L5 (a pedicle's width
    beside the vertebral body's centre) and the sacroiliac joints (the ilium's medial edge)."""
    from dataclasses import replace

    p = grid.pixel_cm
    for side, sign in (("right", -1.0), ("left", 1.0)):
        for level in ("L4", "L5"):
            v = pieces[f"vertebra_{level}"]
            centre = v.col0 + v.shape[1] / 2
            cols = np.arange(v.col0, v.col0 + v.shape[1]) + 0.5
            keep = (sign * (cols - centre) * p > 1.0) & (sign * (cols - centre) * p < 3.0)
            if keep.any():
                anatomy.sites[f"pedicle_{level}_{side}"] = _columns(v, keep, f"pedicle_{level}_{side}", replace)
        ilium = pieces[f"ilium_{side}"]
        cols = np.arange(ilium.col0, ilium.col0 + ilium.shape[1])
        medial = cols.max() if side == "right" else cols.min()
        keep = np.abs(cols - medial) * p < 2.0
        anatomy.sites[f"sacroiliac_{side}"] = _columns(ilium, keep, f"sacroiliac_{side}", replace)


def _columns(piece: Piece, keep: np.ndarray, name: str, replace) -> Piece:
    first = int(np.flatnonzero(keep)[0])
    last = int(np.flatnonzero(keep)[-1]) + 1
    return replace(
        piece,
        name=name,
        col0=piece.col0 + first,
        thickness_cm=piece.thickness_cm[:, first:last].copy(),
        z_cm=piece.z_cm[:, first:last].copy(),
    )


def _procedural_organs(anatomy: Anatomy, warp: Warp, body: Body, uptake: Uptake, grid: Grid, r: Reference):
    """Kidneys beside L1, breasts on the chest (female patients), and where the bladder sits."""
    centres = {name: y / 10.0 for name, y in vertebra_centres_y().items()}
    s = warp.height_scale
    l1 = r.bones["vertebra_L1"]
    spine_z = float(np.median(l1.z_cm[l1.thickness_cm > 0.5 * l1.thickness_cm.max()]))
    for side, sign in (("right", -1.0), ("left", 1.0)):
        centre = warp.point((r.mid_cm + sign * 5.5, centres["L1"] + 1.5, spine_z + 0.5), "trunk")
        semi = (2.8 * s, 5.5 * s, 2.5 * s)
        angle = -sign * 0.25
        anatomy.add(ellipsoid(grid, f"kidney_{side}", "kidney", "trunk", centre, semi, uptake.kidney, angle_rad=angle))
        if body.sex == "F":
            x_ref, y_ref = r.mid_cm + sign * 8.5, centres["T7"]
            surface = float(r.surface_cm[int(y_ref / r.cell_cm), int(x_ref / r.cell_cm)])
            depth = float(np.clip(2.5 + (body.chest_ap_cm - 18.0) * 0.25, 2.0, 5.0))
            centre = warp.point((x_ref, y_ref, surface - 1.0), "trunk")
            semi = (6.0 * s, 6.0 * s, depth)
            anatomy.add(ellipsoid(grid, f"soft_breast_{side}", "soft", "trunk", centre, semi, uptake.soft))
    px, py, pz = r.landmarks["pubis"]
    anatomy.bladder_centre_cm = warp.point((px, py - 3.0, pz - 4.0), "trunk")


def build_xcat_anatomy(body: Body, uptake: Uptake, grid: Grid, liver_ratio: float = 1.0) -> Anatomy:
    """Render one real-anatomy patient (without the bladder, which :func:`add_bladder` adds per scan time).

    Args:
        body: geometry (height, widths, thickness, arms, scoliosis, placement) from
            :func:`~lowcount.phantom.anatomy.sample_body`.
        uptake: concentrations; bone classes as for the procedural skeleton.
        grid: the detector matrix.
        liver_ratio: liver : soft-tissue concentration.
    """
    from lowcount.phantom.anatomy import add_bladder

    r = reference()
    warp = make_warp(body, grid, r)
    anatomy = Anatomy()
    placed: dict[str, Piece] = {}
    for piece in _bones(r, uptake) + _organs(r, uptake, liver_ratio):
        moved = warp_piece(piece, warp, r.cell_cm, grid)
        if moved is not None:
            anatomy.add(moved)
            placed[moved.name] = moved
    _sites(placed, anatomy, grid)
    anatomy.landmarks = {name: warp.point(point, _segment_of(name)) for name, point in r.landmarks.items()}
    segments = {name: ref.REGIONS[name].segment for name in r.paths}
    anatomy.paths = {name: warp.path(path, segments[name]) for name, path in r.paths.items()}
    _procedural_organs(anatomy, warp, body, uptake, grid, r)
    add_bladder(anatomy, grid, body, uptake)
    return anatomy
