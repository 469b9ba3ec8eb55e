"""The micro-CT paper's spatial filters on CT volumes in 3-D, and the grids they are tuned over.

- ``gaussian``: ``sigma_vox``, the Gaussian's standard deviation in voxels (``scipy.ndimage.gaussian_filter``);
- ``median``: ``size_vox``, the side of the cubic window (odd; ``scipy.ndimage.median_filter``);
- ``wiener``: ``size_vox``, the side of the cubic window of the local statistics; the noise variance is the
  mean of the local variances, as in ``scipy.signal.wiener``, whose formula this is, with borders that
  repeat the edge voxel instead of zeros.

Each takes and returns CT numbers (D, H, W) in HU. ``CT_FILTER_GRIDS`` are the values tried on the
validation animals (lowcount.ct_compare); the grids are ours.
"""

from __future__ import annotations

import numpy as np


def gaussian(hu: np.ndarray, sigma_vox: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    if not sigma_vox > 0:
        raise ValueError(f"gaussian: sigma_vox must be positive, got {sigma_vox}")
    return gaussian_filter(np.asarray(hu, np.float32), sigma_vox, mode="nearest")


def _window(size_vox, name: str) -> int:
    if int(size_vox) != size_vox or size_vox < 1 or size_vox % 2 == 0:
        raise ValueError(f"{name}: size_vox must be an odd positive integer, got {size_vox}")
    return int(size_vox)


def median(hu: np.ndarray, size_vox: int) -> np.ndarray:
    from scipy.ndimage import median_filter

    return median_filter(np.asarray(hu, np.float32), size=_window(size_vox, "median"), mode="nearest")


def wiener(hu: np.ndarray, size_vox: int, noise_hu2: float | None = None) -> np.ndarray:
    """Adaptive Wiener filter; ``noise_hu2`` (HU^2) defaults to the mean local variance."""
    from scipy.ndimage import uniform_filter

    size = _window(size_vox, "wiener")
    x = np.asarray(hu, np.float64)
    mean = uniform_filter(x, size, mode="nearest")
    var = np.maximum(uniform_filter(x * x, size, mode="nearest") - mean * mean, 0.0)
    noise = var.mean() if noise_hu2 is None else float(noise_hu2)
    gain = np.where(var > noise, (var - noise) / np.maximum(var, 1e-12), 0.0)
    return (mean + gain * (x - mean)).astype(np.float32)


CT_FILTERS = {"gaussian": gaussian, "median": median, "wiener": wiener}
CT_FILTER_GRIDS = {
    "gaussian": [{"sigma_vox": s} for s in (0.3, 0.4, 0.5, 0.75, 1.0, 1.5)],
    "median": [{"size_vox": s} for s in (3, 5)],
    "wiener": [{"size_vox": s} for s in (3, 5, 7)],
}


def apply_ct_filter(name: str, hu: np.ndarray, params: dict) -> np.ndarray:
    """The filter ``name`` of :data:`CT_FILTERS` with ``params`` on a (D, H, W) volume."""
    if name not in CT_FILTERS:
        raise ValueError(f"unknown CT filter {name!r}; choose from {sorted(CT_FILTERS)}")
    hu = np.asarray(hu)
    if hu.ndim != 3:
        raise ValueError(f"CT filters take (D, H, W) volumes, got shape {hu.shape}")
    return CT_FILTERS[name](hu, **params)
