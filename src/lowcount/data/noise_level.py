"""Classical estimators of an image's EMANet noise level (the comparators of the EMANet paper's Table 6).

lowcount's EMANet level L (lowcount.data.degrade.emanet_noise) is Poisson noise whose standard deviation at
mid-grey is L grey levels once the image is mapped to 0-255 by its peak: a pixel of grey value g has
variance ``g / a`` with ``a = 128 / L**2``. Both estimators below measure ``1 / sqrt(a)`` from the image
alone and return ``L = sqrt(128 / a)``:

- :func:`dwtne` (discrete wavelet transform): the finest diagonal band of an orthonormal Haar transform,
  HH = (x00 - x01 - x10 + x11) / 2 over each 2x2 block, is almost free of smooth signal; its variance is the
  block's mean variance, ``m / a`` for block mean m. Each coefficient is divided by ``sqrt(m)`` and the
  spread taken as 1.4826 x the median absolute value (Donoho's MAD estimator, made Poisson-aware).
- :func:`hbne` (histogram-based): each non-overlapping 4x4 block's residual standard deviation about its
  least-squares plane (which takes out smooth signal), divided by ``sqrt(m)``, histogrammed; flat blocks
  are the majority and give the histogram's mode, corrected for the mode of a chi distribution with 13
  degrees of freedom (16 pixels, 3 plane parameters), ``sqrt(12 / 13)``.

Choices (the paper names its comparators but not their details): the grey mapping uses the peak of the
image smoothed with a Gaussian of sigma 2 px (the raw maximum of a noisy image overshoots the peak of the
image the noise was added to), only blocks of mean grey value ``min_grey`` or more count (at fewer expected
counts the Poisson noise is far from Gaussian), and on a raw count image the level is that of its counts
(``a = peak counts / 255``). A noisy image with more noise added has ``L_total**2 = L_base**2 + L_added**2``.
"""

from __future__ import annotations

import numpy as np

MAD_TO_SD = 1.4826
HBNE_BLOCK = 4


PEAK_SIGMA_PX = 2.0


def smoothed_peak(image: np.ndarray) -> float:
    """The maximum of ``image`` smoothed with a Gaussian of sigma ``PEAK_SIGMA_PX``: the grey scale's 255."""
    from scipy.ndimage import gaussian_filter

    return float(gaussian_filter(np.asarray(image, np.float64), PEAK_SIGMA_PX).max())


def to_grey(image: np.ndarray) -> np.ndarray:
    """The image mapped to 0-255 by its smoothed peak (see the module docstring)."""
    image = np.asarray(image, np.float64)
    if image.ndim != 2 or min(image.shape) < 2 * HBNE_BLOCK:
        raise ValueError(f"a noise level needs one 2-D view of at least {2 * HBNE_BLOCK} px a side, got {image.shape}")
    if not np.isfinite(image).all() or image.min() < 0:
        raise ValueError("a noise level needs a finite, non-negative image")
    peak = smoothed_peak(image)
    if peak <= 0:
        raise ValueError("the image is empty (no positive pixel): it has no noise level")
    return image * (255.0 / peak)


def counts_level(peak_counts: float) -> float:
    """The level of a raw Poisson count image whose smoothed peak holds ``peak_counts`` (``a = peak / 255``)."""
    return float(np.sqrt(128.0 * 255.0 / peak_counts))


def _level(sd_per_root_grey: float) -> float:
    return float(np.sqrt(128.0) * sd_per_root_grey)


def _blocks(grey: np.ndarray, size: int) -> np.ndarray:
    rows, cols = (s - s % size for s in grey.shape)
    return grey[:rows, :cols].reshape(rows // size, size, cols // size, size).transpose(0, 2, 1, 3)


def dwtne(image: np.ndarray, min_grey: float = 10.0) -> float:
    """The EMANet level from the Haar diagonal band (see the module docstring)."""
    blocks = _blocks(to_grey(image), 2)
    diagonal = (blocks[..., 0, 0] - blocks[..., 0, 1] - blocks[..., 1, 0] + blocks[..., 1, 1]) / 2.0
    mean = blocks.mean(axis=(2, 3))
    keep = mean >= min_grey
    if keep.sum() < 64:
        raise ValueError(f"fewer than 64 2x2 blocks reach grey {min_grey:g}: too little signal to estimate noise")
    return _level(MAD_TO_SD * np.median(np.abs(diagonal[keep] / np.sqrt(mean[keep]))))


def hbne(image: np.ndarray, min_grey: float = 10.0, bins: int = 200) -> float:
    """The EMANet level from the mode of the histogram of block standard deviations (module docstring)."""
    n = HBNE_BLOCK * HBNE_BLOCK
    blocks = _blocks(to_grey(image), HBNE_BLOCK).reshape(-1, n)
    mean = blocks.mean(axis=1)
    keep = mean >= min_grey
    if keep.sum() < 64:
        raise ValueError(f"fewer than 64 blocks reach grey {min_grey:g}: too little signal to estimate noise")
    rows, cols = np.meshgrid(np.arange(HBNE_BLOCK), np.arange(HBNE_BLOCK), indexing="ij")
    design = np.stack([np.ones(n), rows.ravel(), cols.ravel()], axis=1)  # a plane a + b row + c col
    residual = blocks[keep] - blocks[keep] @ (design @ np.linalg.pinv(design)).T
    dof = n - design.shape[1]
    normalised = np.sqrt((residual**2).sum(axis=1) / dof / mean[keep])
    counts, edges = np.histogram(normalised, bins=bins, range=(0.0, float(np.percentile(normalised, 90))))
    mode = int(np.argmax(counts))
    return _level((edges[mode] + edges[mode + 1]) / 2.0 / np.sqrt((dof - 1) / dof))


ESTIMATORS = {"dwtne": dwtne, "hbne": hbne}
