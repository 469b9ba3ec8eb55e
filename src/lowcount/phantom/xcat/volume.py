"""The shipped real-anatomy phantom, projected once into reference pieces, landmarks and bone paths.

``mesh50_xcat_2p4mm.npz`` (built by :mod:`lowcount.phantom.xcat.build`) holds the mesh50_XCAT body in 2.4 mm
cells: bone region, cortex and core fractions, body, lung, air-cavity, brain and liver fractions, and the
body segment of each cell. :func:`reference` projects it along the antero-posterior axis into
:class:`~lowcount.phantom.geometry.Piece` maps in the *reference frame*: image cm with the top of the volume
at y = 0, the patient's right edge of the volume at x = 0 and the table (the most posterior body cell) at
z = 0. A patient is that frame deformed (:mod:`lowcount.phantom.xcat.deform`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from lowcount.phantom.geometry import Piece
from lowcount.phantom.xcat.regions import REGIONS

SHIPPED = Path(__file__).with_name("mesh50_xcat_2p4mm.npz")


@dataclass(frozen=True)
class Reference:
    """The phantom in its own frame.

    Attributes:
        cell_cm: side of a cell (the pixel of every piece).
        bones: cortex piece per region name (concentration 1), and ``marrow_<region>`` core pieces.
        soft: body outline piece per segment (concentration 1).
        organs: ``lung``, ``airway``, ``brain``, ``liver`` pieces (concentration 1: fraction-weighted paths).
        landmarks: named points (x, y, z) cm.
        paths: polylines (N, 3) cm of ribs (from the head forward) and long bones (proximal first).
        surface_cm: (rows, cols) height of the body's anterior surface.
        height_cm, mid_cm: body height and the x of the pelvis midline.
    """

    cell_cm: float
    bones: dict[str, Piece]
    soft: dict[str, Piece]
    organs: dict[str, Piece]
    landmarks: dict[str, tuple[float, float, float]]
    paths: dict[str, np.ndarray]
    surface_cm: np.ndarray
    height_cm: float
    mid_cm: float


def load_arrays(path: str | Path = SHIPPED) -> dict[str, np.ndarray]:
    """The derived volume's arrays, checked against this code's region table."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the derived mesh50_XCAT phantom is missing; rebuild it with "
            "python -m lowcount.phantom.xcat.build ../shared/data/mesh50_xcat/Voxelized_mesh50XCAT_WholeBody.zip"
        )
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    names = [str(n) for n in arrays["region_names"]]
    if names != list(REGIONS):
        raise ValueError(f"{path}: its region table differs from lowcount.phantom.xcat.regions; rebuild it")
    return arrays


def _piece(name, tissue, segment, thickness, thickness_z) -> Piece | None:
    if not np.any(thickness > 1e-4):
        return None
    rows = np.flatnonzero(thickness.max(axis=1) > 1e-4)
    cols = np.flatnonzero(thickness.max(axis=0) > 1e-4)
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    t = thickness[box].astype(np.float32)
    z = np.divide(thickness_z[box], t, out=np.zeros_like(t), where=t > 1e-4).astype(np.float32)
    return Piece(name, tissue, segment, int(rows[0]), int(cols[0]), t, z, 1.0)


def _heights_cm(shape, cell_cm: float) -> np.ndarray:
    """Height above the table of each antero-posterior cell centre (the last cell touches the table)."""
    return ((shape[1] - np.arange(shape[1]) - 0.5) * cell_cm).astype(np.float32)


def _bone_cells(arrays) -> dict[int, np.ndarray]:
    """Cell indices (rows, aps, cols) of every bone region, by region id."""
    region = arrays["region"]
    cells = np.stack(np.nonzero(region))
    ids = region[tuple(cells)]
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(1, len(REGIONS) + 2))
    return {i + 1: cells[:, order[bounds[i] : bounds[i + 1]]] for i in range(len(REGIONS))}


def _projected(rows, cols, weights, heights, shape2) -> tuple[np.ndarray, np.ndarray]:
    """Path length and path-weighted height maps of weighted cells."""
    flat = rows * shape2[1] + cols
    size = shape2[0] * shape2[1]
    thickness = np.bincount(flat, weights, minlength=size).reshape(shape2)
    return thickness, np.bincount(flat, weights * heights, minlength=size).reshape(shape2)


def _project_bones(arrays, cell_cm, by_region) -> dict[str, Piece]:
    shape = arrays["region"].shape
    heights = _heights_cm(shape, cell_cm)
    out: dict[str, Piece] = {}
    for index, (name, region_info) in enumerate(REGIONS.items(), start=1):
        rows, aps, cols = by_region[index]
        if rows.size == 0:
            continue
        r0, c0 = rows.min(), cols.min()
        local = (rows.max() - r0 + 1, cols.max() - c0 + 1)
        for kind, prefix in (("cortex", ""), ("core", "marrow_")):
            weights = arrays[kind][rows, aps, cols].astype(np.float64) / 255.0 * cell_cm
            t, tz = _projected(rows - r0, cols - c0, weights, heights[aps], local)
            piece = _piece(prefix + name, "bone", region_info.segment, t, tz)
            if piece is not None:
                out[piece.name] = replace(piece, row0=piece.row0 + int(r0), col0=piece.col0 + int(c0))
    return out


def _project_soft(arrays, cell_cm, segment_names) -> tuple[dict[str, Piece], np.ndarray]:
    """Per segment, a piece whose centre and thickness span the body from its posterior to anterior surface."""
    body = arrays["body"] >= 128
    segment = arrays["segment"]
    depth = body.shape[1]
    out: dict[str, Piece] = {}
    surface = np.zeros((body.shape[0], body.shape[2]), np.float32)
    for index, segment_name in enumerate(segment_names):
        member = body & (segment == index)
        present = member.any(axis=1)
        front = member.argmax(axis=1)  # the anterior-most cell
        back = depth - 1 - member[:, ::-1, :].argmax(axis=1)
        top = np.where(present, (depth - front) * cell_cm, 0.0)
        thick = np.where(present, (back - front + 1) * cell_cm, 0.0)
        centre = top - thick / 2
        piece = _piece(f"soft_{segment_name}", "soft", segment_name, thick, thick * centre)
        if piece is not None:
            out[segment_name] = piece
        surface = np.maximum(surface, top.astype(np.float32))
    return out, surface


def _project_organs(arrays, cell_cm) -> dict[str, Piece]:
    shape = arrays["body"].shape
    heights = _heights_cm(shape, cell_cm)
    tissues = {"lung": ("lung", "trunk"), "airway": ("lung", "head"), "brain": ("organ", "head")}
    tissues["liver"] = ("organ", "trunk")
    out = {}
    for name, (tissue, segment) in tissues.items():
        fraction = arrays["cavity" if name == "airway" else name]
        rows, aps, cols = np.nonzero(fraction)
        weights = fraction[rows, aps, cols].astype(np.float64) / 255.0 * cell_cm
        t, tz = _projected(rows, cols, weights, heights[aps], (shape[0], shape[2]))
        piece = _piece(name, tissue, segment, t, tz)
        if piece is not None:
            out[name] = piece
    return out


def _region_cells_cm(by_region, name: str, cell_cm: float, shape) -> np.ndarray:
    """(N, 3) x, y, z in cm of the cells of one region."""
    rows, aps, cols = by_region[list(REGIONS).index(name) + 1]
    z = _heights_cm(shape, cell_cm)[aps]
    return np.stack([(cols + 0.5) * cell_cm, (rows + 0.5) * cell_cm, z], axis=1)


@lru_cache(maxsize=2)
def reference(path: str = str(SHIPPED)) -> Reference:
    """The projected phantom (cached per process: about a second to build)."""
    from lowcount.phantom.xcat.landmarks import bone_paths, landmarks

    arrays = load_arrays(path)
    cell_cm = float(arrays["cell_mm"]) / 10.0
    segment_names = [str(s) for s in arrays["segment_names"]]
    by_region = _bone_cells(arrays)
    bones = _project_bones(arrays, cell_cm, by_region)
    soft, surface = _project_soft(arrays, cell_cm, segment_names)
    shape = arrays["region"].shape
    cells = {name: _region_cells_cm(by_region, name, cell_cm, shape) for name in REGIONS}
    body_rows = np.flatnonzero((arrays["body"] >= 128).any(axis=(1, 2)))
    height = float((body_rows[-1] - body_rows[0] + 1) * cell_cm)
    marks = landmarks(cells, surface, cell_cm)
    mid = 0.5 * (marks["hip_right"][0] + marks["hip_left"][0])
    return Reference(
        cell_cm=cell_cm,
        bones=bones,
        soft=soft,
        organs=_project_organs(arrays, cell_cm),
        landmarks=marks,
        paths=bone_paths(cells, marks, mid),
        surface_cm=surface,
        height_cm=height,
        mid_cm=mid,
    )
