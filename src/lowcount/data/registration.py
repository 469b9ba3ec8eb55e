"""Registration of a later (fast) scan to its standard scan: a global shift, then patch-wise local shifts.

Real fast and standard scans are separate acquisitions: the patient shifts, and arms, legs or the head
move on their own. Paired training needs them aligned. :func:`estimate_shift` finds a translation by
partially whitened phase correlation with sub-pixel refinement (parabola through the peak); :func:`register` removes the
global shift, then estimates one shift per patch, smooths the patch shifts with a median filter, limits
them to ``max_local_px`` and warps the moving image with the interpolated displacement field.
Images are smoothed first because single-pixel Poisson noise carries no position information.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _subpixel(corr: np.ndarray, peak: tuple[int, int]) -> tuple[float, float]:
    out = []
    for axis in range(2):
        idx = list(peak)
        n = corr.shape[axis]
        idx[axis] = (peak[axis] - 1) % n
        left = corr[tuple(idx)]
        idx[axis] = (peak[axis] + 1) % n
        right = corr[tuple(idx)]
        centre = corr[peak]
        denom = left - 2 * centre + right
        out.append(0.5 * (left - right) / denom if denom < 0 else 0.0)
    return out[0], out[1]


def estimate_shift(
    fixed: np.ndarray, moving: np.ndarray, smooth_px: float = 1.5, whitening: float = 0.5
) -> tuple[float, float]:
    """(dy, dx) such that ``moving`` is ``fixed`` shifted by (dy, dx) pixels.

    Cross-correlation in Fourier space with the spectrum divided by its magnitude to the power
    ``whitening``: 1 is classic phase correlation, which low-count Poisson noise throws off; 0 is plain
    cross-correlation; 0.5 keeps the peak sharp and robust.
    """
    from scipy import fft, ndimage

    if fixed.shape != moving.shape or fixed.ndim != 2:
        raise ValueError(f"estimate_shift needs two images of one 2-D shape, got {fixed.shape} and {moving.shape}")
    a = ndimage.gaussian_filter(np.asarray(fixed, np.float64), smooth_px)
    b = ndimage.gaussian_filter(np.asarray(moving, np.float64), smooth_px)
    a -= a.mean()
    b -= b.mean()
    cross = fft.rfft2(b) * np.conj(fft.rfft2(a))
    cross /= np.maximum(np.abs(cross), 1e-12) ** whitening
    corr = fft.irfft2(cross, a.shape)
    peak = np.unravel_index(int(np.argmax(corr)), corr.shape)
    sub = _subpixel(corr, peak)
    shift = []
    for axis in range(2):
        value = peak[axis] + sub[axis]
        if value > a.shape[axis] / 2:
            value -= a.shape[axis]
        shift.append(float(value))
    return shift[0], shift[1]


@dataclass(frozen=True)
class Alignment:
    """What :func:`register` found.

    Attributes:
        global_shift_px: (dy, dx) of the moving image against the fixed one.
        local_shifts_px: (2, patch rows, patch cols) residual shifts per patch after the global one.
    """

    global_shift_px: tuple[float, float]
    local_shifts_px: np.ndarray


def _warp(image: np.ndarray, dy: np.ndarray | float, dx: np.ndarray | float, order: int = 1) -> np.ndarray:
    from scipy import ndimage

    rows, cols = np.meshgrid(np.arange(image.shape[0]), np.arange(image.shape[1]), indexing="ij")
    coords = np.stack([rows + dy, cols + dx])
    return ndimage.map_coordinates(image, coords, order=order, mode="constant").astype(np.float32)


def _field(alignment: Alignment, shape: tuple[int, int]) -> tuple[np.ndarray | float, np.ndarray | float]:
    """(dy, dx) per pixel: the global shift plus the local shifts interpolated across the image."""
    from scipy import ndimage

    dy, dx = alignment.global_shift_px
    local = alignment.local_shifts_px
    if not local.any():
        return dy, dx
    zoom = (shape[0] / local.shape[1], shape[1] / local.shape[2])
    field = np.stack([ndimage.zoom(s, zoom, order=1, mode="nearest", grid_mode=True) for s in local])
    field = field[:, : shape[0], : shape[1]]
    return dy + field[0], dx + field[1]


def apply_alignment(image: np.ndarray, alignment: Alignment, nearest: bool = False) -> np.ndarray:
    """Warp another image of the moving acquisition (its truth, its lesion labels) as :func:`register` did.

    ``nearest`` samples without interpolation (for label images).
    """
    dy, dx = _field(alignment, image.shape)
    return _warp(np.asarray(image, np.float32), dy, dx, order=0 if nearest else 1)


def register(
    fixed: np.ndarray,
    moving: np.ndarray,
    patch_px: tuple[int, int] = (128, 64),
    max_local_px: float = 4.0,
    min_counts: float = 2000.0,
    local: bool = True,
) -> tuple[np.ndarray, Alignment]:
    """Align ``moving`` (rows, cols) to ``fixed``; returns the warped moving image and the alignment.

    Args:
        fixed, moving: one view each, same shape (counts; levels may differ).
        patch_px: patch size for the local shifts.
        max_local_px: local shifts are clipped to this magnitude per axis.
        min_counts: patches with fewer moving counts keep the global shift only.
        local: False stops after the global shift.
    """
    from scipy import ndimage

    fixed = np.asarray(fixed, np.float32)
    moving = np.asarray(moving, np.float32)
    dy, dx = estimate_shift(fixed, moving)
    aligned = _warp(moving, dy, dx)
    ph, pw = patch_px
    grid_shape = (max(fixed.shape[0] // ph, 1), max(fixed.shape[1] // pw, 1))
    local_shifts = np.zeros((2, *grid_shape), np.float32)
    if local and min(grid_shape) >= 1:
        for i in range(grid_shape[0]):
            for j in range(grid_shape[1]):
                sl = (slice(i * ph, (i + 1) * ph), slice(j * pw, (j + 1) * pw))
                if aligned[sl].sum() < min_counts or fixed[sl].sum() < min_counts:
                    continue
                local_shifts[:, i, j] = estimate_shift(fixed[sl], aligned[sl])
        local_shifts = np.clip(ndimage.median_filter(local_shifts, size=(1, 3, 3)), -max_local_px, max_local_px)
    alignment = Alignment((dy, dx), local_shifts)
    if local_shifts.any():
        aligned = apply_alignment(moving, alignment)
    return aligned, alignment
