"""Raster primitives of the 2.5-D phantom: solids projected onto the detector plane.

Every anatomical part is a :class:`Piece`: a small box of the image grid holding, per pixel, the
path length through the part along the anterior-posterior axis (``thickness_cm``) and the height of
that path's centre above the table (``z_cm``). Emission per pixel is ``concentration * thickness_cm``
(activity per unit area in arbitrary units); the camera turns it into counts.

Coordinates: ``x_cm`` runs across the image (column 0 at 0 cm, towards the patient's left in the
anterior view), ``y_cm`` runs head to foot (row 0 at 0 cm), ``z_cm`` runs up from the table top
(posterior skin of a supine patient at 0). Pixel centres sit at ``(index + 0.5) * pixel_cm``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Grid:
    """The detector matrix: ``rows`` head to foot, ``cols`` across, square pixels of ``pixel_cm``."""

    rows: int = 1024
    cols: int = 256
    pixel_cm: float = 0.24

    def __post_init__(self) -> None:
        if self.rows < 8 or self.cols < 8:
            raise ValueError(f"grid must be at least 8 x 8 pixels, got {self.rows} x {self.cols}")
        if not self.pixel_cm > 0:
            raise ValueError(f"pixel_cm must be positive, got {self.pixel_cm}")


@dataclass(frozen=True)
class Piece:
    """One part of the patient, rasterised in a box of the grid.

    Attributes:
        name: anatomical name, e.g. ``"vertebra_L3"``.
        tissue: uptake class (``bone``, ``soft``, ``kidney``, ``bladder``, ``lesion``, ``artefact``...).
        segment: body segment that moves as one (``head``, ``trunk``, ``arm_right``...).
        row0, col0: grid index of the box's top-left pixel.
        thickness_cm: (h, w) path length through the part, cm.
        z_cm: (h, w) height of the path's centre above the table, cm.
        concentration: activity per cm of path (arbitrary units, relative to soft tissue ~0.3).
    """

    name: str
    tissue: str
    segment: str
    row0: int
    col0: int
    thickness_cm: np.ndarray
    z_cm: np.ndarray
    concentration: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.thickness_cm.shape

    def emission(self) -> np.ndarray:
        return (self.concentration * self.thickness_cm).astype(np.float32)

    def scaled(self, factor: float) -> Piece:
        return replace(self, concentration=self.concentration * factor)


def _box(grid: Grid, x_lo: float, x_hi: float, y_lo: float, y_hi: float):
    """Pixel box covering [x_lo, x_hi] x [y_lo, y_hi] cm, clipped to the grid; None when empty."""
    c0 = max(int(np.floor(x_lo / grid.pixel_cm)) - 1, 0)
    c1 = min(int(np.ceil(x_hi / grid.pixel_cm)) + 1, grid.cols)
    r0 = max(int(np.floor(y_lo / grid.pixel_cm)) - 1, 0)
    r1 = min(int(np.ceil(y_hi / grid.pixel_cm)) + 1, grid.rows)
    if c1 <= c0 or r1 <= r0:
        return None
    xs = (np.arange(c0, c1) + 0.5) * grid.pixel_cm
    ys = (np.arange(r0, r1) + 0.5) * grid.pixel_cm
    return r0, c0, xs[None, :], ys[:, None]


def chord_cm(rho: np.ndarray, depth_semi_axis_cm: float | np.ndarray, shell_fraction: float) -> np.ndarray:
    """Path length through an ellipsoidal solid (or its cortical shell) at normalised radius ``rho``.

    A solid gives ``2 c sqrt(1 - rho^2)``; a shell of relative thickness ``shell_fraction`` subtracts
    the chord through the hollow core, so edges project brighter, as cortical bone does.
    """
    outer = 2.0 * depth_semi_axis_cm * np.sqrt(np.clip(1.0 - rho**2, 0.0, None))
    if shell_fraction >= 1.0:
        return outer
    inner_scale = 1.0 - shell_fraction
    inner_rho = rho / inner_scale
    inner = 2.0 * depth_semi_axis_cm * inner_scale * np.sqrt(np.clip(1.0 - inner_rho**2, 0.0, None))
    return outer - inner


def _piece_or_none(name, tissue, segment, r0, c0, thickness, z, concentration) -> Piece | None:
    if not np.any(thickness > 0):
        return None
    rows = np.flatnonzero(thickness.any(axis=1))
    cols = np.flatnonzero(thickness.any(axis=0))
    sl = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    return Piece(
        name=name,
        tissue=tissue,
        segment=segment,
        row0=r0 + int(rows[0]),
        col0=c0 + int(cols[0]),
        thickness_cm=np.ascontiguousarray(thickness[sl], dtype=np.float32),
        z_cm=np.ascontiguousarray(np.broadcast_to(z, thickness.shape)[sl], dtype=np.float32),
        concentration=float(concentration),
    )


def ellipsoid(
    grid: Grid,
    name: str,
    tissue: str,
    segment: str,
    centre_cm: tuple[float, float, float],
    semi_axes_cm: tuple[float, float, float],
    concentration: float,
    angle_rad: float = 0.0,
    shell_fraction: float = 1.0,
    squareness: float = 2.0,
) -> Piece | None:
    """An ellipsoid (or superellipsoid in the image plane) seen along the AP axis.

    Args:
        centre_cm: (x, y, z) centre.
        semi_axes_cm: (a across, b head-to-foot, c anterior-posterior) before rotation.
        angle_rad: in-plane rotation, positive turns the b axis towards +x.
        shell_fraction: cortical thickness relative to the radius; 1 gives a solid.
        squareness: in-plane exponent; 2 is an ellipse, 4 a rounded box (vertebral bodies).
    """
    x0, y0, z0 = centre_cm
    a, b, c = semi_axes_cm
    if min(a, b, c) <= 0:
        raise ValueError(f"{name}: semi-axes must be positive, got {semi_axes_cm}")
    reach = max(a, b)
    box = _box(grid, x0 - reach, x0 + reach, y0 - reach, y0 + reach)
    if box is None:
        return None
    r0, c0, xs, ys = box
    dx, dy = xs - x0, ys - y0
    cos, sin = np.cos(angle_rad), np.sin(angle_rad)
    u = dx * cos - dy * sin
    v = dx * sin + dy * cos
    rho = (np.abs(u / a) ** squareness + np.abs(v / b) ** squareness) ** (1.0 / squareness)
    thickness = chord_cm(rho, c, shell_fraction)
    return _piece_or_none(name, tissue, segment, r0, c0, thickness, z0, concentration)


def tube(
    grid: Grid,
    name: str,
    tissue: str,
    segment: str,
    points_cm: np.ndarray,
    radius_cm: np.ndarray | float,
    concentration: float,
    shell_fraction: float = 1.0,
    depth_scale: float = 1.0,
) -> Piece | None:
    """A tube along a polyline with a radius that may vary along it (ribs, long bones, clavicles).

    Args:
        points_cm: (N, 3) polyline vertices (x, y, z), N >= 2.
        radius_cm: scalar or (N,) radius at each vertex, linearly interpolated between them.
        shell_fraction: cortical thickness relative to the radius; 1 gives a solid.
        depth_scale: AP semi-axis relative to the in-plane radius (flat bones < 1).
    """
    pts = np.asarray(points_cm, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or len(pts) < 2:
        raise ValueError(f"{name}: points_cm must have shape (N>=2, 3), got {pts.shape}")
    radius = np.broadcast_to(np.asarray(radius_cm, dtype=np.float64), (len(pts),))
    if np.any(radius <= 0):
        raise ValueError(f"{name}: radius_cm must be positive")
    reach = radius.max()
    box = _box(grid, pts[:, 0].min() - reach, pts[:, 0].max() + reach, pts[:, 1].min() - reach, pts[:, 1].max() + reach)
    if box is None:
        return None
    r0, c0, xs, ys = box
    best_rho = np.full((ys.shape[0], xs.shape[1]), np.inf)
    best_z = np.zeros_like(best_rho)
    best_r = np.ones_like(best_rho)
    for (p, q), (rp, rq) in zip(
        zip(pts[:-1], pts[1:], strict=False), zip(radius[:-1], radius[1:], strict=False), strict=False
    ):
        seg = q[:2] - p[:2]
        length2 = float(seg @ seg)
        if length2 == 0:
            continue
        t = np.clip(((xs - p[0]) * seg[0] + (ys - p[1]) * seg[1]) / length2, 0.0, 1.0)
        dist = np.hypot(xs - (p[0] + t * seg[0]), ys - (p[1] + t * seg[1]))
        r = rp + t * (rq - rp)
        rho = dist / r
        closer = rho < best_rho
        best_rho = np.where(closer, rho, best_rho)
        best_z = np.where(closer, p[2] + t * (q[2] - p[2]), best_z)
        best_r = np.where(closer, r, best_r)
    thickness = chord_cm(best_rho, best_r * depth_scale, shell_fraction)
    return _piece_or_none(name, tissue, segment, r0, c0, thickness, best_z, concentration)


def plate(
    grid: Grid,
    name: str,
    tissue: str,
    segment: str,
    vertices_cm: np.ndarray,
    thickness_cm: float,
    z_cm: float,
    concentration: float,
    edge_cm: float = 0.4,
) -> Piece | None:
    """A flat convex plate seen face on (scapula blade, iliac wing), with a soft edge.

    Args:
        vertices_cm: (N, 2) vertices (x, y) of a convex polygon, in either winding order.
        thickness_cm: AP thickness of the plate.
        edge_cm: width over which the thickness ramps up from the boundary, to avoid aliasing.
    """
    v = np.asarray(vertices_cm, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
        raise ValueError(f"{name}: vertices_cm must have shape (N>=3, 2), got {v.shape}")
    box = _box(grid, v[:, 0].min(), v[:, 0].max(), v[:, 1].min(), v[:, 1].max())
    if box is None:
        return None
    r0, c0, xs, ys = box
    centroid = v.mean(axis=0)
    inside = np.full((ys.shape[0], xs.shape[1]), np.inf)
    for p, q in zip(v, np.roll(v, -1, axis=0), strict=False):
        edge = q - p
        normal = np.array([edge[1], -edge[0]]) / np.hypot(*edge)
        if normal @ (centroid - p) < 0:
            normal = -normal
        inside = np.minimum(inside, (xs - p[0]) * normal[0] + (ys - p[1]) * normal[1])
    thickness = thickness_cm * np.clip(inside / edge_cm, 0.0, 1.0)
    return _piece_or_none(name, tissue, segment, r0, c0, thickness, z_cm, concentration)


def paste(canvas: np.ndarray, values: np.ndarray, row0: int, col0: int, mode: str = "add") -> None:
    """Add (or take the maximum or minimum of) ``values`` into ``canvas`` at (row0, col0), clipped to it."""
    h, w = values.shape
    r0, c0 = max(row0, 0), max(col0, 0)
    r1, c1 = min(row0 + h, canvas.shape[0]), min(col0 + w, canvas.shape[1])
    if r1 <= r0 or c1 <= c0:
        return
    src = values[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0]
    if mode == "add":
        canvas[r0:r1, c0:c1] += src
    elif mode == "max":
        np.maximum(canvas[r0:r1, c0:c1], src, out=canvas[r0:r1, c0:c1])
    elif mode == "min":
        np.minimum(canvas[r0:r1, c0:c1], src, out=canvas[r0:r1, c0:c1])
    else:
        raise ValueError(f"paste mode must be 'add', 'max' or 'min', got {mode!r}")
