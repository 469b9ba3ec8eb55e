"""Image-quality metrics on counts, always with an explicit data range.

PSNR = 10 log10(data_range^2 / MSE). SSIM uses a Gaussian window (sigma 1.5, truncated at 3.5 sigma,
i.e. 11 x 11) and population covariances, as Wang et al. 2004 and scikit-image with
``gaussian_weights=True, use_sample_covariance=False``; the mean is taken over the pixels at least
half a window from the border. A boolean ``mask`` restricts PSNR/RMSE/MAE (and the SSIM mean) to its
pixels, e.g. the body without the bladder.

NRMSE follows scikit-image's ``normalized_root_mse`` (``euclidean``: ||ref - pred|| / ||ref||, or divided
by the reference's ``min-max`` range or ``mean``). MS-SSIM (Wang, Simoncelli & Bovik 2003) combines the
contrast-structure terms of five scales (2 x 2 average pooling between scales; an odd last row or column
is dropped) with the luminance term of the coarsest, weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333; each
term is clipped at 0 before the power, as pytorch-msssim does.
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


NRMSE_NORMALISATIONS = ("euclidean", "min-max", "mean")


def nrmse(pred, ref, normalization: str = "euclidean", mask=None) -> float:
    """Root-mean-square error normalised by the reference (see the module docstring)."""
    pred, ref = _check(pred, ref)
    if normalization not in NRMSE_NORMALISATIONS:
        raise ValueError(f"normalization must be one of {NRMSE_NORMALISATIONS}, got {normalization!r}")
    ref_values = _select(ref, mask)
    if normalization == "euclidean":
        denominator = np.sqrt(np.mean(ref_values * ref_values))
    elif normalization == "min-max":
        denominator = ref_values.max() - ref_values.min()
    else:
        denominator = ref_values.mean()
    if denominator == 0:
        raise ValueError(f"the reference's {normalization} norm is 0; NRMSE is undefined")
    return float(rmse(pred, ref, mask) / denominator)


def _ssim_maps(pred: np.ndarray, ref: np.ndarray, data_range: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(SSIM map, contrast-structure map) over the pixels at least half a window from the border."""
    from scipy import ndimage

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2

    def blur(a):
        return ndimage.gaussian_filter(a, sigma, truncate=3.5, mode="reflect")

    mu_x, mu_y = blur(pred), blur(ref)
    sxx, syy, sxy = blur(pred * pred) - mu_x**2, blur(ref * ref) - mu_y**2, blur(pred * ref) - mu_x * mu_y
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    smap = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs
    pad = int(3.5 * sigma + 0.5)
    inner = (slice(pad, -pad), slice(pad, -pad))
    return smap[inner], cs[inner]


def ssim(pred, ref, data_range: float, mask=None, sigma: float = 1.5) -> float:
    """Mean structural similarity of two 2-D images."""
    pred, ref = _check(pred, ref, data_range)
    if pred.ndim != 2:
        raise ValueError(f"ssim takes 2-D images, got shape {pred.shape}")
    smap, _ = _ssim_maps(pred, ref, data_range, sigma)
    pad = int(3.5 * sigma + 0.5)
    inner = (slice(pad, -pad), slice(pad, -pad))
    return float(np.mean(_select(smap, None if mask is None else np.asarray(mask, bool)[inner])))


MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ms_ssim(pred, ref, data_range: float, sigma: float = 1.5) -> float:
    """Multi-scale SSIM of two 2-D images whose shorter side is at least 176 pixels (5 scales of an 11-px window)."""
    pred, ref = _check(pred, ref, data_range)
    if pred.ndim != 2:
        raise ValueError(f"ms_ssim takes 2-D images, got shape {pred.shape}")
    window = 2 * int(3.5 * sigma + 0.5) + 1
    levels = len(MS_SSIM_WEIGHTS)
    if min(pred.shape) < window * 2 ** (levels - 1):
        raise ValueError(f"ms_ssim needs images of at least {window * 2 ** (levels - 1)} px a side, got {pred.shape}")

    def halve(a):
        rows, cols = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
        a = a[:rows, :cols]
        return 0.25 * (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2])

    terms = []
    for level in range(levels):
        smap, cs = _ssim_maps(pred, ref, data_range, sigma)
        terms.append(max(float(np.mean(smap if level == levels - 1 else cs)), 0.0))
        pred, ref = halve(pred), halve(ref)
    return float(np.prod([t**w for t, w in zip(terms, MS_SSIM_WEIGHTS, strict=True)]))
