"""Splitting the mesh50_XCAT skeleton label into bone regions, and the body into segments.

The rules work on the coordinates of bone voxels (``y``, ``a``, ``x`` in mm of the head-up reference
volume, see :mod:`lowcount.phantom.xcat.regions`): limbs by joint levels and joint spheres, the spine by
a box around the vertebral-body centre line cut at the discs, the pelvis and sacrum by the sacroiliac
joints and the femoral heads, the sternum as the anterior midline of the chest, clavicles and scapulae by
position, ribs as what is left of the chest, numbered by the vertebra their medial end meets. Voxels no
rule claims take the region of the nearest claimed voxel, so every bone voxel ends in exactly one region.
"""

from __future__ import annotations

import numpy as np

from lowcount.phantom.xcat import regions as ref

_MID = ref.PELVIS_MID_X_MM


def spine_centre_a(y: np.ndarray) -> np.ndarray:
    """AP coordinate (mm) of the vertebral-body centre line at rows ``y``."""
    knots = np.asarray(ref.SPINE_AP_KNOTS_MM, float)
    return np.interp(y, knots[:, 0], knots[:, 1])


def vertebra_centres_y() -> dict[str, float]:
    """Row (mm) of each vertebral body's centre: halfway between its discs (C1: above C1/C2)."""
    bounds = [ref.SKULL_BASE_Y_MM, ref.C1_C2_Y_MM, *ref.DISC_Y_MM]
    return {name: 0.5 * (bounds[i] + bounds[i + 1]) for i, name in enumerate(ref.VERTEBRAE)}


def _vertebra_index(y: np.ndarray) -> np.ndarray:
    """Index into ``VERTEBRAE`` of the level at rows ``y`` (between discs)."""
    bounds = np.asarray([ref.C1_C2_Y_MM, *ref.DISC_Y_MM[:-1]], float)
    return np.searchsorted(bounds, y, side="right")


def _side(x: np.ndarray) -> np.ndarray:
    return np.where(x < _MID, "right", "left")


def _assign(out: np.ndarray, where: np.ndarray, names: np.ndarray | str) -> None:
    """Give unclaimed voxels in ``where`` the region ``names`` (one name or one per voxel)."""
    take = where & (out == 0)
    if isinstance(names, str):
        out[take] = ref.REGION_IDS[names]
    else:
        lookup = np.vectorize(ref.REGION_IDS.__getitem__, otypes=[np.uint8])
        out[take] = lookup(names[take]) if take.any() else out[take]


def _component_stats(components: np.ndarray, y, a, x) -> dict[int, dict[str, float]]:
    """Size and median position of every connected component of the (eroded) skeleton."""
    stats = {}
    order = np.argsort(components, kind="stable")
    ids, starts, counts = np.unique(components[order], return_index=True, return_counts=True)
    for ident, start, count in zip(ids, starts, counts, strict=True):
        if ident == 0:
            continue
        members = order[start : start + count]
        stats[int(ident)] = {"size": float(count), "y": float(np.median(y[members])), "a": float(np.median(a[members]))}
        stats[int(ident)]["x"] = float(np.median(x[members]))
    return stats


def _grow_components(points: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Give the voxels the erosion removed the component of their nearest kept voxel."""
    from scipy.spatial import cKDTree

    kept = components > 0
    if kept.all() or not kept.any():
        return components
    grown = components.copy()
    _, nearest = cKDTree(points[kept]).query(points[~kept], k=1)
    grown[~kept] = components[kept][nearest]
    return grown


def _grow_through_bone(points: np.ndarray, out: np.ndarray, zone: np.ndarray) -> None:
    """Unclaimed voxels in ``zone`` take the region that reaches them first through bone (the front of the
    ribs, their costal cartilage: the rib they belong to, not the nearest bone across a gap)."""
    from scipy import ndimage

    box_points = points[zone]
    if not (out[zone] == 0).any():
        return
    lo = box_points.min(axis=0)
    local = tuple((box_points - lo).T)
    labels = np.zeros(tuple(box_points.max(axis=0) - lo + 1), np.int16)
    labels[local] = np.where(out[zone] > 0, out[zone].astype(np.int16), -1)
    cross = ndimage.generate_binary_structure(3, 1)
    while True:
        open_ = labels < 0
        reach = ndimage.grey_dilation(np.maximum(labels, 0), footprint=cross)
        take = open_ & (reach > 0)
        if not take.any():
            break
        labels[take] = reach[take]
    grown = labels[local]
    out[zone] = np.where(grown > 0, grown, 0).astype(np.uint8)


def _pick(stats, rule) -> list[int]:
    return [ident for ident, s in stats.items() if rule(s)]


def _arms(out, y, a, x, components, stats) -> None:
    """Each arm's big component (humerus to wrist, with the right scapula that touches it), split at the joints;
    hand bones are the small pieces beyond the wrist."""
    for side in ref.SIDES:
        hy, hx = ref.HUMERAL_HEAD_MM[side]
        outer = (lambda s: s["x"] < 200.0) if side == "right" else (lambda s: s["x"] > 455.0)
        arm_ids = _pick(stats, lambda s, outer=outer: s["size"] > 1e5 and outer(s) and s["y"] < 700.0)
        if len(arm_ids) != 1:
            raise ValueError(f"expected one {side} arm component, found {len(arm_ids)}")
        arm = components == arm_ids[0]
        lateral = x < hx + 20.0 if side == "right" else x > hx - 20.0
        head = np.hypot(y - hy, x - hx) < 26.0
        limb = arm & (head | (lateral & (y >= hy + 23.0)))
        wrist = ref.WRIST_Y_MM[side]
        _assign(out, limb & head, f"humerus_head_{side}")
        _assign(out, limb & (y < ref.ELBOW_Y_MM - 25.0), f"humerus_shaft_{side}")
        _assign(out, limb & (y < ref.ELBOW_Y_MM + 30.0), f"elbow_{side}")
        _assign(out, limb & (y < wrist), f"forearm_{side}")
        _assign(out, arm & (y < 500.0), f"scapula_{side}")
        beyond = (x < hx - 40.0) if side == "right" else (x > hx + 40.0)
        _assign(out, (arm | beyond) & (y >= wrist - 20.0) & (y < 1010.0), f"hand_{side}")


def _by_component(out, components, stats) -> None:
    """Clavicles, the left scapula and the patellae stand apart once the skeleton is eroded by one voxel."""
    rules = {
        "clavicle": lambda s: 1e4 < s["size"] < 4e4 and 260.0 < s["y"] < 320.0 and s["a"] < 170.0,
        "scapula": lambda s: 4e4 < s["size"] < 1.5e5 and 270.0 < s["y"] < 350.0 and s["a"] > 180.0,
        "patella": lambda s: 5e3 < s["size"] < 4e4 and abs(s["y"] - ref.KNEE_Y_MM + 35.0) < 60.0,
    }
    for bone, rule in rules.items():
        for ident in _pick(stats, rule):
            side = "right" if stats[ident]["x"] < _MID else "left"
            _assign(out, components == ident, f"{bone}_{side}")


def _legs(out, y, a, x) -> None:
    side = _side(x)
    for s in ref.SIDES:
        hy, hx = ref.FEMORAL_HEAD_MM[s]
        mine = side == s
        lateral = (x < hx - 22.0) if s == "right" else (x > hx + 22.0)
        in_head = np.hypot(np.hypot(y - hy, x - hx), a - _femoral_head_a(a, y, x, hy, hx)) < ref.FEMORAL_HEAD_RADIUS_MM
        _assign(out, mine & in_head, f"femur_head_{s}")
        _assign(out, mine & (y > hy - 10.0) & (y < 915.0) & lateral, f"femur_neck_{s}")
        _assign(out, mine & (y >= 915.0) & (y < ref.KNEE_Y_MM - 90.0), f"femur_shaft_{s}")
        knee = mine & (y >= ref.KNEE_Y_MM - 90.0) & (y < ref.KNEE_Y_MM + 60.0)
        _assign(out, knee & (y < ref.KNEE_Y_MM), f"femur_condyles_{s}")
        _assign(out, knee, f"tibia_plateau_{s}")
        _assign(out, mine & (y >= ref.KNEE_Y_MM) & (y < ref.ANKLE_Y_MM), f"tibia_shaft_{s}")
        _assign(out, mine & (y >= ref.ANKLE_Y_MM), f"foot_{s}")


def _femoral_head_a(a, y, x, hy, hx) -> float:
    """AP centre of the femoral head: the mean depth of bone within its radius in the coronal plane."""
    near = np.hypot(y - hy, x - hx) < 10.0
    return float(np.median(a[near])) if near.any() else 150.0


def _axial(out, y, a, x) -> None:
    """Skull, mandible, spine, sacrum, pelvis, sternum."""
    _assign(out, y < ref.SKULL_BASE_Y_MM, "skull_vault")
    centre_a = spine_centre_a(y)
    _assign(out, (y < 250.0) & (a < centre_a - 25.0) & (y >= ref.SKULL_BASE_Y_MM), "mandible")
    half_width = np.where(
        y > 680.0, 38.0, np.where(y > ref.DISC_Y_MM[17], 50.0, np.where(y > ref.DISC_Y_MM[4], 40.0, 42.0))
    )
    column = (np.abs(x - ref.SPINE_X_MM) < half_width) & (a > centre_a - 25.0) & (a < centre_a + 90.0)
    levels = np.array([f"vertebra_{v}" for v in ref.VERTEBRAE])
    spine = column & (y >= ref.SKULL_BASE_Y_MM) & (y < ref.DISC_Y_MM[-1])
    _assign(out, spine, levels[np.clip(_vertebra_index(y), 0, len(levels) - 1)])
    _assign(out, (y < ref.C1_C2_Y_MM + 10.0) & (y >= ref.SKULL_BASE_Y_MM), "skull_vault")
    sacral = (y >= ref.DISC_Y_MM[-1] - 15.0) & (y < 880.0) & (np.abs(x - _MID) < 42.0) & (a > 150.0)
    _assign(out, sacral, "sacrum")
    side = _side(x)
    pelvis = (y >= 680.0) & (y < 925.0)
    for s in ref.SIDES:
        hy, hx = ref.FEMORAL_HEAD_MM[s]
        mine = pelvis & (side == s)
        _assign(out, mine & (np.hypot(y - hy, x - hx) < 45.0), f"acetabulum_{s}")
        _assign(out, mine & (y < 820.0), f"ilium_{s}")
        _assign(out, mine, f"obturator_ring_{s}")


def _sternal(y, a, x) -> np.ndarray:
    """The sternum's box: the anterior midline of the chest."""
    return (np.abs(x - ref.SPINE_X_MM) < 35.0) & (a < spine_centre_a(y) - 60.0) & (y > 290.0) & (y < 540.0)


def _ribs(out, y, a, x, rib_components: np.ndarray) -> None:
    """Number the ribs 1-12 per side by the height of their heads (the medial end behind the spine's front)."""
    found: dict[str, list[tuple[float, int]]] = {side: [] for side in ref.SIDES}
    for component in np.unique(rib_components[rib_components > 0]):
        member = rib_components == component
        if member.sum() < 1500:
            continue  # fragments take their neighbour's region at the end
        behind = a[member] > spine_centre_a(y[member]) - 20.0  # the rib's head, not its anterior end
        if not behind.any():
            continue
        dx = np.where(behind, np.abs(x[member] - ref.SPINE_X_MM), np.inf)
        medial = dx <= np.quantile(dx[behind], 0.02) + 2.0
        side = "right" if np.median(x[member]) < ref.SPINE_X_MM else "left"
        found[side].append((float(np.median(y[member][medial])), int(component)))
    for side, ribs in found.items():
        if len(ribs) != 12:
            raise ValueError(f"found {len(ribs)} {side} ribs, expected 12: the rib rules do not fit this volume")
        for number, (_, component) in enumerate(sorted(ribs), start=1):
            _assign(out, rib_components == component, f"rib_{side}_{number}")


def label_regions(points: np.ndarray, components: np.ndarray, rib_components_of) -> np.ndarray:
    """Region id of every bone voxel.

    Args:
        points: (N, 3) int coordinates ``(y, a, x)`` of the bone voxels, mm.
        components: (N,) connected-component id of each voxel in the skeleton eroded by one voxel (0 where
            the erosion removed it).
        rib_components_of: callable taking a boolean mask over ``points`` (the chest bone not yet claimed)
            and returning a connected-component id per point (0 outside the mask).

    Returns:
        (N,) uint8 region ids (``REGION_IDS``), none zero.
    """
    from scipy.spatial import cKDTree

    y, a, x = (points[:, k].astype(np.float32) for k in range(3))
    components = _grow_components(points, components)
    out = np.zeros(len(points), np.uint8)
    stats = _component_stats(components, y, a, x)
    _arms(out, y, a, x, components, stats)
    _by_component(out, components, stats)
    _legs(out, y, a, x)
    _axial(out, y, a, x)
    # The back two thirds of each rib: further forward the lower ribs meet at the costal margin.
    sternal = _sternal(y, a, x)
    chest = (out == 0) & (y > 255.0) & (y < 700.0) & (a > spine_centre_a(y) - 100.0) & ~sternal
    _ribs(out, y, a, x, rib_components_of(chest))
    if not (out > 0).any():
        raise ValueError("no bone voxel matched a region rule: is this the mesh50_XCAT volume, head up?")
    _grow_through_bone(points, out, (y > 255.0) & (y < 700.0) & ~sternal)  # ribs reach forward to the sternum
    _assign(out, sternal & (y < 345.0), "sternum_manubrium")
    _assign(out, sternal, "sternum_body")
    claimed = out > 0
    left = ~claimed
    if left.any():
        tree = cKDTree(points[claimed])
        _, nearest = tree.query(points[left], k=1)
        out[left] = out[claimed][nearest]
    missing = sorted(set(ref.REGION_IDS.values()) - set(np.unique(out).tolist()))
    if missing:
        names = ", ".join(ref.REGION_NAMES[i] for i in missing)
        raise ValueError(f"these bone regions got no voxel (the landmarks of regions.py do not fit): {names}")
    return out
