"""Solid shapes painted into a CT volume on a millimetre grid, supersampled in-plane for partial volume.

A :class:`Canvas` holds CT numbers and labels at ``supersample`` x the in-plane resolution; shapes are painted
in order (later ones cover earlier ones) and :meth:`Canvas.volumes` averages the CT numbers back to the voxel
grid, so an edge that cuts a voxel gives it the mixture a detector would see. Coordinates are (z, y, x) in
mm from the volume's corner; z is the slice axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    """Voxel grid: ``shape`` (D, H, W) voxels of ``voxel_mm`` (isotropic), painted at ``supersample`` in-plane."""

    shape: tuple[int, int, int]
    voxel_mm: float
    supersample: int = 2

    def __post_init__(self):
        if len(self.shape) != 3 or min(self.shape) < 1:
            raise ValueError(f"grid shape must be three positive sizes (D, H, W), got {self.shape}")
        if self.voxel_mm <= 0:
            raise ValueError(f"voxel_mm must be positive, got {self.voxel_mm}")
        if self.supersample < 1:
            raise ValueError(f"supersample must be >= 1, got {self.supersample}")

    @property
    def extent_mm(self) -> tuple[float, float, float]:
        """Size (z, y, x) of the volume in mm."""
        return tuple(n * self.voxel_mm for n in self.shape)


class Canvas:
    """CT numbers and labels being painted; ``background_hu`` (air) where nothing is."""

    def __init__(self, grid: Grid, background_hu: float = -1000.0):
        d, h, w = grid.shape
        s = grid.supersample
        self.grid = grid
        self.hu = np.full((d, h * s, w * s), background_hu, dtype=np.float32)
        self.labels = np.zeros((d, h * s, w * s), dtype=np.uint8)
        step = grid.voxel_mm / s
        self.z = (np.arange(d) + 0.5) * grid.voxel_mm
        self.y = (np.arange(h * s) + 0.5) * step
        self.x = (np.arange(w * s) + 0.5) * step

    def _box(self, lo: np.ndarray, hi: np.ndarray):
        """Index ranges and coordinates of the box [lo, hi] (mm, z y x), clipped to the volume."""
        ranges = []
        for axis, coords in enumerate((self.z, self.y, self.x)):
            i0, i1 = np.searchsorted(coords, lo[axis]), np.searchsorted(coords, hi[axis], side="right")
            ranges.append(slice(int(i0), int(i1)))
        zz = self.z[ranges[0]][:, None, None]
        yy = self.y[ranges[1]][None, :, None]
        xx = self.x[ranges[2]][None, None, :]
        return tuple(ranges), zz, yy, xx

    def _paint(self, box, mask: np.ndarray, label: int, hu: float, inside: np.ndarray | None = None) -> None:
        if inside is not None:  # paint only over these labels (an organ inside the body, not over bone)
            mask = mask & np.isin(self.labels[box], inside)
        self.hu[box][mask] = hu
        self.labels[box][mask] = label

    def ellipsoid(self, center, radii, label: int, hu: float, angle_rad: float = 0.0, inside=None) -> None:
        """Ellipsoid of semi-axes ``radii`` (z, y, x) mm, turned by ``angle_rad`` in the (y, x) plane."""
        c, r = np.asarray(center, float), np.asarray(radii, float)
        if np.any(r <= 0):
            raise ValueError(f"ellipsoid radii must be positive, got {tuple(r)}")
        reach = np.array([r[0], r[1:].max(), r[1:].max()])
        box, zz, yy, xx = self._box(c - reach, c + reach)
        dy, dx = yy - c[1], xx - c[2]
        u = np.cos(angle_rad) * dy + np.sin(angle_rad) * dx
        v = -np.sin(angle_rad) * dy + np.cos(angle_rad) * dx
        mask = ((zz - c[0]) / r[0]) ** 2 + (u / r[1]) ** 2 + (v / r[2]) ** 2 <= 1.0
        self._paint(box, mask, label, hu, inside)

    def tube(
        self, z_mm: tuple[float, float], center0, center1, radii0, radii1, label: int, hu: float, inside=None
    ) -> None:
        """Elliptic cylinder along z from ``z_mm[0]`` to ``z_mm[1]``; centre (y, x) and radii (y, x) vary linearly."""
        z0, z1 = z_mm
        if z1 <= z0:
            raise ValueError(f"tube needs z_mm[1] > z_mm[0], got {z_mm}")
        c0, c1, r0, r1 = (np.asarray(a, float) for a in (center0, center1, radii0, radii1))
        reach = np.maximum(r0, r1).max()
        lo = np.array([z0, min(c0[0], c1[0]) - reach, min(c0[1], c1[1]) - reach])
        hi = np.array([z1, max(c0[0], c1[0]) + reach, max(c0[1], c1[1]) + reach])
        box, zz, yy, xx = self._box(lo, hi)
        t = (zz - z0) / (z1 - z0)
        cy, cx = c0[0] + t * (c1[0] - c0[0]), c0[1] + t * (c1[1] - c0[1])
        ry, rx = r0[0] + t * (r1[0] - r0[0]), r0[1] + t * (r1[1] - r0[1])
        mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0
        self._paint(box, mask, label, hu, inside)

    def capsule(self, p0, p1, radius_mm: float, label: int, hu: float, inside=None) -> None:
        """Cylinder of ``radius_mm`` with round ends between points ``p0`` and ``p1`` (z, y, x) mm."""
        a, b = np.asarray(p0, float), np.asarray(p1, float)
        if radius_mm <= 0:
            raise ValueError(f"capsule radius must be positive, got {radius_mm}")
        box, zz, yy, xx = self._box(np.minimum(a, b) - radius_mm, np.maximum(a, b) + radius_mm)
        ab = b - a
        length2 = max(float(ab @ ab), 1e-12)
        t = np.clip(((zz - a[0]) * ab[0] + (yy - a[1]) * ab[1] + (xx - a[2]) * ab[2]) / length2, 0.0, 1.0)
        d2 = (zz - a[0] - t * ab[0]) ** 2 + (yy - a[1] - t * ab[1]) ** 2 + (xx - a[2] - t * ab[2]) ** 2
        self._paint(box, d2 <= radius_mm**2, label, hu, inside)

    def polyline(self, points, radius_mm: float, label: int, hu: float, inside=None) -> None:
        """Capsules through consecutive ``points`` (N, 3) mm: a bent rod such as a rib."""
        pts = np.asarray(points, float)
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            self.capsule(a, b, radius_mm, label, hu, inside)

    def volumes(self) -> tuple[np.ndarray, np.ndarray]:
        """(CT numbers (D, H, W) float32 averaged over each voxel's sub-samples, labels (D, H, W) uint8 at centres)."""
        s = self.grid.supersample
        d, h, w = self.grid.shape
        hu = self.hu.reshape(d, h, s, w, s).mean(axis=(2, 4), dtype=np.float64).astype(np.float32)
        return hu, np.ascontiguousarray(self.labels[:, s // 2 :: s, s // 2 :: s])
