"""Classical denoisers for count images: Gaussian, median, Wiener, total variation (Chambolle) and BM3D.

Each filter takes an image and its noise variance (a number, or a per-pixel array) and returns the
filtered image. :func:`denoise` applies one to counts, either directly (Poisson noise: the variance is
taken as the local mean counts) or in the Anscombe domain (variance 1, see lowcount.classical.anscombe),
and returns counts at the input's level.

Parameters and their units:

- ``gaussian``: ``sigma_px``, the Gaussian's standard deviation in pixels;
- ``median``: ``size_px``, the side of the square window (odd);
- ``wiener``: ``size_px``, the side of the square window of the local statistics. Adaptive (Lee) Wiener
  filter ``mean + max(var - noise, 0) / var * (x - mean)``; with a constant noise variance it equals
  ``scipy.signal.wiener``, and unlike it, it also takes the per-pixel Poisson variance;
- ``tv``: ``weight`` in units of the noise standard deviation (the image is divided by that standard
  deviation, the root of the mean noise variance, before ``skimage.restoration.denoise_tv_chambolle``);
- ``bm3d``: ``strength``, a factor on the noise standard deviation given to BM3D (optional extra,
  see lowcount.classical.bm3d).
"""

from __future__ import annotations

import numpy as np

LOCAL_MEAN_SIGMA_PX = 2.0  # smoothing that estimates the Poisson variance (= mean) from the counts themselves


def gaussian(image: np.ndarray, noise_var, sigma_px: float = 1.5) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    if not sigma_px > 0:
        raise ValueError(f"gaussian: sigma_px must be positive, got {sigma_px}")
    return gaussian_filter(image, sigma_px, mode="reflect")


def _window(size_px, name: str) -> int:
    if int(size_px) != size_px or size_px < 1 or size_px % 2 == 0:
        raise ValueError(f"{name}: size_px must be an odd positive integer, got {size_px}")
    return int(size_px)


def median(image: np.ndarray, noise_var, size_px: int = 3) -> np.ndarray:
    from scipy.ndimage import median_filter

    return median_filter(image, size=_window(size_px, "median"), mode="reflect")


def wiener(image: np.ndarray, noise_var, size_px: int = 5) -> np.ndarray:
    from scipy.ndimage import uniform_filter

    size = _window(size_px, "wiener")
    mean = uniform_filter(image, size, mode="reflect")
    var = np.maximum(uniform_filter(image * image, size, mode="reflect") - mean * mean, 0.0)
    gain = np.where(var > 0, np.maximum(var - noise_var, 0.0) / np.where(var > 0, var, 1.0), 0.0)
    return mean + gain * (image - mean)


def total_variation(image: np.ndarray, noise_var, weight: float = 1.0) -> np.ndarray:
    from skimage.restoration import denoise_tv_chambolle

    if not weight > 0:
        raise ValueError(f"tv: weight must be positive, got {weight}")
    sd = float(np.sqrt(max(np.mean(noise_var), 1e-12)))
    return denoise_tv_chambolle(image / sd, weight=weight) * sd


def bm3d(image: np.ndarray, noise_var, strength: float = 1.0) -> np.ndarray:
    from lowcount.classical.bm3d import bm3d_denoise

    if not strength > 0:
        raise ValueError(f"bm3d: strength must be positive, got {strength}")
    return bm3d_denoise(image, strength * float(np.sqrt(max(np.mean(noise_var), 1e-12))))


FILTERS = {"gaussian": gaussian, "median": median, "wiener": wiener, "tv": total_variation, "bm3d": bm3d}

# Defaults (untuned): tune on a validation split with lowcount.classical.tuning.
DEFAULTS = {
    "gaussian": {"sigma_px": 1.5},
    "median": {"size_px": 3},
    "wiener": {"size_px": 5},
    "tv": {"weight": 1.0},
    "bm3d": {"strength": 1.0},
}


def check_params(method: str, params: dict) -> dict:
    """Defaults completed by ``params``; unknown method or parameter names raise ValueError."""
    if method not in FILTERS:
        raise ValueError(f"unknown classical method {method!r}; choose from {sorted(FILTERS)}")
    unknown = set(params) - set(DEFAULTS[method])
    if unknown:
        raise ValueError(f"{method}: unknown parameter(s) {sorted(unknown)}; it takes {sorted(DEFAULTS[method])}")
    return {**DEFAULTS[method], **params}


def denoise(counts: np.ndarray, method: str, anscombe: bool = False, **params) -> np.ndarray:
    """Denoised counts (float64, >= 0, same level as the input) of one (rows, cols) count image.

    Args:
        counts: acquired counts (non-negative).
        method: a key of ``FILTERS``.
        anscombe: filter in the Anscombe domain (noise variance 1) and invert with the unbiased inverse;
            otherwise filter the counts with their Poisson variance (the local mean).
        params: the method's parameters (see the module docstring); missing ones take ``DEFAULTS``.
    """
    from scipy.ndimage import gaussian_filter

    from lowcount.classical.anscombe import anscombe as forward
    from lowcount.classical.anscombe import inverse_anscombe

    params = check_params(method, params)
    counts = np.asarray(counts, np.float64)
    if counts.ndim != 2:
        raise ValueError(f"denoise takes one (rows, cols) image, got shape {counts.shape}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"counts must be non-negative, got a minimum of {counts.min():g}")
    if anscombe:
        return inverse_anscombe(FILTERS[method](forward(counts), 1.0, **params))
    variance = gaussian_filter(counts, LOCAL_MEAN_SIGMA_PX, mode="reflect")
    return np.maximum(FILTERS[method](counts, variance, **params), 0.0)
