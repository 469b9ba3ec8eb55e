"""Scoring without the truth: a real scan's counts split binomially into an input and an independent target.

For a scan of Poisson counts O with unknown mean lambda, binomial splitting with probability p gives
A ~ Bin(O, p) and B = O - A: independent Poisson scans with means p lambda and (1 - p) lambda (Poisson
thinning). Let q = 1 - p and T = s B / q, an unbiased but noisy image of s lambda (s puts it on the level
the methods' outputs are at). For any image E computed from A alone,

    mean over pixels of  (E - T)^2 - s T / q

is an unbiased estimate of mean((E - s lambda)^2): E and T are independent, T is unbiased for s lambda,
and its variance s^2 lambda / q is estimated without bias by s T / q. Differences between two methods on one
split are estimated far more precisely than each error alone, since T's noise is common to both.

Pixels are scored where :func:`scoring_region` says, a mask made from the input A only (smoothed, k x A
is the body), so that choosing the pixels cannot correlate with the target's noise; the data range of the
PSNR is the maximum of the smoothed full scan there (the truth's maximum, which a reference-based PSNR uses,
is unknown). It holds per pixel only for unprocessed counts (lowcount.io.counts_check tells).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def split_scan(counts: np.ndarray, input_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(A, B): binomial split of integer counts, A keeping each count with probability ``input_fraction``."""
    from lowcount.poisson import thin_counts

    counts = np.asarray(counts, np.float32)
    if not 0.0 < input_fraction < 1.0:
        raise ValueError(f"input_fraction must be in (0, 1), got {input_fraction}")
    a = thin_counts(counts, input_fraction, rng)
    return a, counts - a


def scoring_region(input_counts: np.ndarray, input_fraction: float) -> np.ndarray:
    """The body without the bladder, found on the input scaled to the full scan's level (input only)."""
    from lowcount.data.bladder import bladder_mask
    from lowcount.evaluate.counts import scoring_mask

    scaled = np.asarray(input_counts, np.float64) / input_fraction
    return scoring_mask(scaled, bladder_mask(scaled.astype(np.float32)))


def error_terms(estimate: np.ndarray, target_counts: np.ndarray, target_fraction: float, scale: float) -> np.ndarray:
    """Per-pixel unbiased terms of the squared error of ``estimate`` against ``scale`` x the scan's mean."""
    t = scale * np.asarray(target_counts, np.float64) / target_fraction
    return (np.asarray(estimate, np.float64) - t) ** 2 - scale * t / target_fraction


@dataclass(frozen=True)
class SplitScore:
    """One method on one split view: estimated MSE against the unknown truth and the PSNR it gives."""

    mse: float
    psnr_db: float


def estimated_score(
    estimate: np.ndarray,
    target_counts: np.ndarray,
    target_fraction: float,
    scale: float,
    mask: np.ndarray,
    data_range: float,
) -> SplitScore:
    """The estimate of :func:`error_terms` over ``mask`` and its PSNR for ``data_range`` (NaN when the
    estimated MSE is not positive: the method is within the estimator's noise of the truth)."""
    mse = float(error_terms(estimate, target_counts, target_fraction, scale)[mask].mean())
    psnr = 10.0 * np.log10(data_range**2 / mse) if mse > 0 else float("nan")
    return SplitScore(mse, float(psnr))


def data_range(full_counts: np.ndarray, scale: float, mask: np.ndarray) -> float:
    """Maximum of the smoothed full scan (times ``scale``) in ``mask``: the PSNR's stand-in for the truth's."""
    from scipy.ndimage import gaussian_filter

    return float(scale * gaussian_filter(np.asarray(full_counts, np.float64), 2.0)[mask].max())


def paired_gain_db(
    terms: np.ndarray,
    reference_terms: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    tile_px: int = 32,
    resamples: int = 1000,
) -> tuple[float, float, float]:
    """(gain, low, high): how much lower one method's estimated MSE is than the reference's, in dB
    (10 log10 of the ratio), with a 95 % interval from a bootstrap over square tiles of the view (neighbouring
    pixels share noise, tiles of ``tile_px`` are nearly independent)."""
    rows, cols = mask.shape
    sums, refs = [], []
    for r in range(0, rows, tile_px):
        for c in range(0, cols, tile_px):
            m = mask[r : r + tile_px, c : c + tile_px]
            if m.any():
                sums.append(terms[r : r + tile_px, c : c + tile_px][m].sum())
                refs.append(reference_terms[r : r + tile_px, c : c + tile_px][m].sum())
    sums, refs = np.asarray(sums), np.asarray(refs)

    def gain(index) -> float:
        mine, theirs = sums[index].sum(), refs[index].sum()
        return 10.0 * np.log10(theirs / mine) if mine > 0 and theirs > 0 else float("nan")

    everything = np.arange(len(sums))
    draws = np.array([gain(rng.integers(0, len(sums), len(sums))) for _ in range(resamples)])
    draws = draws[np.isfinite(draws)]
    low, high = np.percentile(draws, [2.5, 97.5]) if draws.size else (float("nan"), float("nan"))
    return gain(everything), float(low), float(high)
