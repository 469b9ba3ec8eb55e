"""Landmarks and bone paths of the real-anatomy phantom, from the cells of its bone regions.

Findings are placed on these exactly as on the procedural skeleton (lowcount.phantom.benign,
lowcount.phantom.lesions): joints for degenerative uptake and the injection site, the pubis for urine,
rib paths (from the rib's head forward) for fractures and elongated metastases, long-bone axes (proximal
end first) to keep metastases to the proximal half.
"""

from __future__ import annotations

import numpy as np

from lowcount.phantom.xcat.regions import SIDES

Point = tuple[float, float, float]


def _centre(cells: np.ndarray) -> Point:
    x, y, z = cells.mean(axis=0)
    return float(x), float(y), float(z)


def _end(cells: np.ndarray, top: bool, fraction: float = 0.15) -> Point:
    """Centre of the top (or bottom) ``fraction`` of a region's rows."""
    ys = cells[:, 1]
    cut = np.quantile(ys, fraction if top else 1.0 - fraction)
    return _centre(cells[ys <= cut] if top else cells[ys >= cut])


def _medial(cells: np.ndarray, mid_cm: float, fraction: float) -> np.ndarray:
    distance = np.abs(cells[:, 0] - mid_cm)
    return cells[distance <= np.quantile(distance, fraction)]


def landmarks(cells: dict[str, np.ndarray], surface_cm: np.ndarray, cell_cm: float) -> dict[str, Point]:
    """Named points (x, y, z) cm: joints, hands, feet, pubis, sacrum, manubriosternal joint, axillae."""
    marks: dict[str, Point] = {}
    for side in SIDES:
        marks[f"shoulder_{side}"] = _centre(cells[f"humerus_head_{side}"])
        marks[f"elbow_{side}"] = _centre(cells[f"elbow_{side}"])
        marks[f"hand_{side}"] = _centre(cells[f"hand_{side}"])
        marks[f"thumb_base_{side}"] = _end(cells[f"hand_{side}"], top=True, fraction=0.2)
        marks[f"hip_{side}"] = _centre(cells[f"femur_head_{side}"])
        condyles, plateau = _centre(cells[f"femur_condyles_{side}"]), _centre(cells[f"tibia_plateau_{side}"])
        marks[f"knee_{side}"] = tuple(0.5 * (a + b) for a, b in zip(condyles, plateau, strict=True))  # type: ignore[assignment]
        marks[f"ankle_{side}"] = _end(cells[f"foot_{side}"], top=True)
    mid = 0.5 * (marks["hip_right"][0] + marks["hip_left"][0])
    for side in SIDES:
        foot = cells[f"foot_{side}"]
        forward = foot[foot[:, 2] >= np.quantile(foot[:, 2], 0.7)]  # supine feet point up: the toes are high
        marks[f"first_mtp_{side}"] = _centre(_medial(forward, mid, 0.3))
        sx, sy, _ = marks[f"shoulder_{side}"]
        towards_mid = np.sign(mid - sx)
        row = min(int((sy + 7.0) / cell_cm), surface_cm.shape[0] - 1)
        col = min(max(int((sx + towards_mid * 5.0) / cell_cm), 0), surface_cm.shape[1] - 1)
        marks[f"axilla_{side}"] = (sx + towards_mid * 5.0, sy + 7.0, 0.5 * float(surface_cm[row, col]))
    rings = np.concatenate([cells["obturator_ring_right"], cells["obturator_ring_left"]])
    marks["pubis"] = _centre(_medial(rings, mid, 0.05))
    marks["sacrum"] = _centre(cells["sacrum"])
    marks["manubriosternal"] = _end(cells["sternum_manubrium"], top=False, fraction=0.2)
    heart_x, heart_y = mid + 3.0, _centre(cells["vertebra_T7"])[1]  # the patient's left is the higher x
    chest = float(surface_cm[int(heart_y / cell_cm), int(heart_x / cell_cm)])
    marks["heart"] = (heart_x, heart_y, 0.55 * chest)
    return marks


def _geodesic_path(cells: np.ndarray, start: int, bins: int = 16) -> np.ndarray:
    """Mean position of a region's cells in ``bins`` bands of distance through the region from ``start``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    tree = cKDTree(cells)
    pairs = tree.query_pairs(r=float(np.sqrt(3.0) * 0.241 + 1e-3), output_type="ndarray")
    lengths = np.linalg.norm(cells[pairs[:, 0]] - cells[pairs[:, 1]], axis=1)
    graph = coo_matrix((lengths, (pairs[:, 0], pairs[:, 1])), shape=(len(cells), len(cells)))
    distance = dijkstra(graph, directed=False, indices=start)
    reached = np.isfinite(distance)
    edges = np.linspace(0.0, float(distance[reached].max()) + 1e-6, bins + 1)
    band = np.digitize(distance[reached], edges) - 1
    points = [cells[reached][band == k].mean(axis=0) for k in range(bins) if np.any(band == k)]
    return np.asarray(points, np.float32)


def bone_paths(cells: dict[str, np.ndarray], marks: dict[str, Point], mid_cm: float) -> dict[str, np.ndarray]:
    """Rib paths from the head (the cell nearest the spine, behind it) forward; long bones proximal first."""
    paths: dict[str, np.ndarray] = {}
    for side in SIDES:
        for number in range(1, 13):
            name = f"rib_{side}_{number}"
            rib = cells[name]
            back = rib[:, 2] <= np.quantile(rib[:, 2], 0.5)
            score = np.where(back, np.abs(rib[:, 0] - mid_cm), np.inf)
            paths[name] = _geodesic_path(rib, int(np.argmin(score)))
        for bone in ("humerus_shaft", "femur_shaft", "tibia_shaft", "forearm"):
            region = cells[f"{bone}_{side}"]
            paths[f"{bone}_{side}"] = np.array([_end(region, top=True), _end(region, top=False)], np.float32)
        clavicle = cells[f"clavicle_{side}"]
        order = np.argsort(np.abs(clavicle[:, 0] - mid_cm))
        inner, outer = clavicle[order[: len(order) // 5]], clavicle[order[-len(order) // 5 :]]
        paths[f"clavicle_{side}"] = np.array([_centre(inner), _centre(outer)], np.float32)
    paths["sternum_body"] = np.array(
        [_end(cells["sternum_body"], top=True), _end(cells["sternum_body"], top=False)], np.float32
    )
    return paths
