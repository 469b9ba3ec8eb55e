"""Image-quality metrics on counts, always with an explicit data range.

PSNR = 10 log10(data_range^2 / MSE). SSIM uses a Gaussian window (sigma 1.5, truncated at 3.5 sigma,
i.e. 11 x 11) and population covariances, as Wang et al. 2004 and scikit-image with
``gaussian_weights=True, use_sample_covariance=False``; the mean is taken over the pixels at least
half a window from the border. A boolean ``mask`` restricts PSNR/RMSE/MAE (and the SSIM mean) to its
pixels, e.g. the body without the bladder.
"""

from __future__ import annotations

import numpy as np


def _check(pred: np.ndarray, ref: np.ndarray, data_range: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    pred, ref = np.asarray(pred, np.float64), np.asarray(ref, np.float64)
    if pred.shape != ref.shape:
        raise ValueError(f"images differ in shape: {pred.shape} vs {ref.shape}")
    if data_range is not None and not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    return pred, ref


def _select(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return values
    mask = np.asarray(mask, bool)
    if mask.shape != values.shape:
        raise ValueError(f"mask shape {mask.shape} differs from the image shape {values.shape}")
    if not mask.any():
        raise ValueError("the mask selects no pixel")
    return values[mask]


def mse(pred, ref, mask=None) -> float:
    pred, ref = _check(pred, ref)
    return float(np.mean(_select((pred - ref) ** 2, mask)))


def rmse(pred, ref, mask=None) -> float:
    return float(np.sqrt(mse(pred, ref, mask)))


def mae(pred, ref, mask=None) -> float:
    pred, ref = _check(pred, ref)
    return float(np.mean(_select(np.abs(pred - ref), mask)))


def psnr(pred, ref, data_range: float, mask=None) -> float:
    """Peak signal-to-noise ratio in dB; ``data_range`` is required (for counts: e.g. the reference maximum)."""
    _check(pred, ref, data_range)
    error = mse(pred, ref, mask)
    return float("inf") if error == 0 else float(10.0 * np.log10(data_range**2 / error))


def ssim(pred, ref, data_range: float, mask=None, sigma: float = 1.5) -> float:
    """Mean structural similarity of two 2-D images."""
    from scipy import ndimage

    pred, ref = _check(pred, ref, data_range)
    if pred.ndim != 2:
        raise ValueError(f"ssim takes 2-D images, got shape {pred.shape}")
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2

    def blur(a):
        return ndimage.gaussian_filter(a, sigma, truncate=3.5, mode="reflect")

    mu_x, mu_y = blur(pred), blur(ref)
    sxx, syy, sxy = blur(pred * pred) - mu_x**2, blur(ref * ref) - mu_y**2, blur(pred * ref) - mu_x * mu_y
    smap = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2))
    pad = int(3.5 * sigma + 0.5)
    inner = (slice(pad, -pad), slice(pad, -pad))
    return float(np.mean(_select(smap[inner], None if mask is None else np.asarray(mask, bool)[inner])))
