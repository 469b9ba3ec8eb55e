"""The bladder exclusion mask: the hottest connected region in the pelvis.

The bladder is often the hottest structure of a bone scan and its filling changes between two scans, so
losses and metrics can leave it out (the fast whole-body-scan papers exclude it before training). The
pelvis is taken as the band of rows at 38-62 % of the body's head-to-foot extent and the middle half of
its width; the mask is the connected region around that band's hottest (smoothed) pixel whose counts
exceed ``relative_threshold`` of that maximum, grown by ``dilate_px``.
"""

from __future__ import annotations

import numpy as np


def _body_extent(image: np.ndarray, fraction: float = 0.05) -> tuple[int, int, int, int]:
    rows = image.sum(axis=1)
    cols = image.sum(axis=0)
    r = np.flatnonzero(rows > fraction * rows.max())
    c = np.flatnonzero(cols > fraction * cols.max())
    return int(r[0]), int(r[-1]) + 1, int(c[0]), int(c[-1]) + 1


def bladder_mask(
    view: np.ndarray,
    relative_threshold: float = 0.5,
    dilate_px: int = 2,
    smooth_px: float = 2.0,
    band: tuple[float, float] = (0.38, 0.62),
) -> np.ndarray:
    """Boolean (rows, cols) mask of the bladder in one view (counts or expected counts).

    Args:
        view: (rows, cols) image of a supine patient, head at row 0.
        relative_threshold: fraction of the pelvic maximum that bounds the region.
        dilate_px: pixels added around the region (blur spreads the bladder's counts).
        smooth_px: Gaussian sigma applied before thresholding, so noise does not split the region.
        band: head-to-foot fractions of the body extent searched for the maximum.
    """
    from scipy import ndimage

    image = np.asarray(view, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"bladder_mask takes one view (rows, cols), got shape {image.shape}")
    if not 0.0 < relative_threshold < 1.0:
        raise ValueError(f"relative_threshold must be in (0, 1), got {relative_threshold}")
    if not np.any(image > 0):
        return np.zeros(image.shape, bool)
    smooth = ndimage.gaussian_filter(image, smooth_px)
    r0, r1, c0, c1 = _body_extent(smooth)
    height, width = r1 - r0, c1 - c0
    b0, b1 = r0 + int(band[0] * height), r0 + int(band[1] * height)
    w0, w1 = c0 + width // 4, c1 - width // 4
    region = smooth[b0:b1, w0:w1]
    if region.size == 0:
        return np.zeros(image.shape, bool)
    peak = np.unravel_index(int(np.argmax(region)), region.shape)
    peak = (peak[0] + b0, peak[1] + w0)
    hot = smooth > relative_threshold * smooth[peak]
    labels, _ = ndimage.label(hot)
    mask = labels == labels[peak]
    if dilate_px > 0:
        mask = ndimage.binary_dilation(mask, iterations=dilate_px)
    return mask
