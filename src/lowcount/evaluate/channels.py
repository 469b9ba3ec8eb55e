"""Laguerre-Gauss channels: the rotationally symmetric basis a channelized Hotelling observer reads a region
of interest through (Barrett & Myers, Foundations of Image Science, 2004).

Channel p at distance r from the ROI's centre is ``u_p(r) = sqrt(2)/a * exp(-pi r^2/a^2) * L_p(2 pi r^2/a^2)``
with L_p the Laguerre polynomial of degree p and ``a`` the width. The functions are orthonormal over the
plane; sampled on a pixel grid they are nearly so when the ROI is several widths across. A rotationally
symmetric Gaussian blob of 1/e radius ``a / sqrt(pi)`` is channel 0 itself, so a Hotelling observer on these
channels is the ideal linear observer for it in white noise.
"""

from __future__ import annotations

import numpy as np


def laguerre_gauss(size_px: int, width_px: float, count: int) -> np.ndarray:
    """(count, size_px, size_px) float64 channels centred on the ROI's centre pixel.

    Args:
        size_px: side of the square ROI; odd, so the centre is a pixel.
        width_px: the width ``a`` in pixels.
        count: number of channels (degrees 0 .. count - 1).
    """
    from scipy.special import eval_laguerre

    if size_px < 3 or size_px % 2 == 0:
        raise ValueError(f"size_px must be odd and at least 3, got {size_px}")
    if not width_px > 0 or count < 1:
        raise ValueError(f"width_px must be positive and count at least 1, got {width_px}, {count}")
    centre = (size_px - 1) / 2
    rows, cols = np.mgrid[0:size_px, 0:size_px]
    r2 = (rows - centre) ** 2 + (cols - centre) ** 2
    gauss = np.sqrt(2.0) / width_px * np.exp(-np.pi * r2 / width_px**2)
    return np.stack([gauss * eval_laguerre(p, 2 * np.pi * r2 / width_px**2) for p in range(count)])
