"""Count fidelity against the phantom's truth: lesion counts, recovery per region, invented hot spots.

All images are in counts of the same acquisition (e.g. an enhanced 3x scan rescaled to standard counts
and the standard scan's noiseless expected counts). Regions:
- lesion k: pixels labelled k in the truth's lesion map;
- body: truth at least 10 % of its 90th percentile (soft tissue is in, the scatter halo in air is out);
- normal bone: outside every lesion (dilated by ``margin_px``) and outside the bladder, where the truth is
  at least ``bone_factor`` x the median truth of the body. Our stand-in for a bone mask, which the truth
  files do not carry;
- soft tissue: body pixels that are neither lesion, bone nor bladder.

An *invented hot spot* is a focal maximum of the image, smoothed to about the camera's resolution, in
the body and outside the dilated lesions, above the noise envelope of a standard scan: smoothed truth +
``k_sigma`` standard deviations of smoothed Poisson noise. With k_sigma = 5 and sigma 1.5 px the standard
scans themselves never exceeded it in 80 views of a 40-patient phantom cohort (seed 2027), and fresh
Poisson draws of those truths once (k_sigma = 4: 50 and 36 times).

A hot spot of an image made from a scan is *kept* when that scan (at the image's level, e.g. k x a fast
scan) is itself above the envelope within ``margin_px`` of it: the method lowered or moved an excess the
input already had, but not below the envelope. Otherwise it is *created*: nothing in the input explains it.
"""

from __future__ import annotations

import numpy as np


def body_mask(truth: np.ndarray) -> np.ndarray:
    """Pixels whose truth is at least 10 % of the truth's 90th percentile."""
    return truth >= 0.1 * float(np.percentile(truth, 90))


def scoring_mask(reference: np.ndarray, bladder: np.ndarray | None = None) -> np.ndarray:
    """Where image metrics are scored: the body of the (Gaussian-smoothed, sigma 2 px) reference, without
    the bladder. Smoothing lets a noisy scan serve as reference as well as a truth does."""
    from lowcount.io.counts_check import body_region

    mask = body_region(reference)
    return mask & ~bladder if bladder is not None else mask


def _dilate(mask: np.ndarray, margin_px: int) -> np.ndarray:
    from scipy.ndimage import binary_dilation

    return binary_dilation(mask, iterations=margin_px) if margin_px > 0 and mask.any() else mask


def lesion_counts(image: np.ndarray, truth: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Per lesion id: maximum and mean counts of ``image`` and of ``truth`` in the lesion mask."""
    rows = []
    for lesion_id in np.unique(labels[labels > 0]):
        mask = labels == lesion_id
        rows.append(
            {
                "lesion_id": int(lesion_id),
                "pixels": int(mask.sum()),
                "max_counts": float(image[mask].max()),
                "truth_max_counts": float(truth[mask].max()),
                "mean_counts": float(image[mask].mean()),
                "truth_mean_counts": float(truth[mask].mean()),
            }
        )
    return rows


def region_masks(
    truth: np.ndarray,
    labels: np.ndarray,
    bladder: np.ndarray | None = None,
    margin_px: int = 3,
    bone_factor: float = 2.0,
) -> dict[str, np.ndarray]:
    """Boolean masks ``lesion``, ``normal_bone``, ``soft_tissue``, ``bladder`` (see the module docstring)."""
    bladder = np.zeros(truth.shape, bool) if bladder is None else bladder.astype(bool)
    body = body_mask(truth)
    lesion = labels > 0
    outside = body & ~_dilate(lesion, margin_px) & ~bladder
    bone = outside & (truth >= bone_factor * float(np.median(truth[body])))
    return {"lesion": lesion, "normal_bone": bone, "soft_tissue": outside & ~bone, "bladder": bladder & body}


def recovery(image: np.ndarray, truth: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, float]:
    """Recovery coefficient per region: sum of image counts / sum of truth counts (NaN for empty regions)."""
    out = {}
    for name, mask in masks.items():
        total = float(truth[mask].sum())
        out[name] = float(image[mask].sum()) / total if mask.any() and total > 0 else float("nan")
    return out


def _gaussian_kernel(sigma_px: float) -> np.ndarray:
    radius = max(int(np.ceil(3 * sigma_px)), 1)
    g = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_px) ** 2)
    g /= g.sum()
    return np.outer(g, g)


def invented_hot_spots(
    image: np.ndarray,
    truth: np.ndarray,
    labels: np.ndarray,
    k_sigma: float = 5.0,
    margin_px: int = 3,
    sigma_px: float = 1.5,
) -> list[tuple[int, int]]:
    """(row, col) of focal maxima in the body above the standard scan's noise envelope, away from every lesion.

    Image and truth are smoothed by a Gaussian of ``sigma_px`` (about the camera's resolution, so a
    hot spot is a lesion-sized structure, not a single noisy pixel). The envelope is the smoothed truth
    plus ``k_sigma`` standard deviations of a smoothed Poisson scan of that truth:
    sqrt(sum_k g_k^2 (truth + 1)).
    """
    from scipy.ndimage import maximum_filter

    smooth, above = _above_envelope(image, truth, k_sigma, sigma_px)
    peaks = (smooth == maximum_filter(smooth, size=3)) & above
    peaks &= body_mask(truth) & ~_dilate(labels > 0, margin_px)
    return [(int(r), int(c)) for r, c in zip(*np.nonzero(peaks), strict=True)]


def _above_envelope(
    image: np.ndarray, truth: np.ndarray, k_sigma: float, sigma_px: float
) -> tuple[np.ndarray, np.ndarray]:
    """The image smoothed by a Gaussian of ``sigma_px`` and where that exceeds the standard scan's envelope."""
    from scipy.ndimage import convolve

    kernel = _gaussian_kernel(sigma_px)
    smooth = convolve(image.astype(np.float64), kernel, mode="nearest")
    expected = convolve(truth.astype(np.float64), kernel, mode="nearest")
    sd = np.sqrt(convolve(truth.astype(np.float64) + 1.0, kernel**2, mode="nearest"))
    return smooth, smooth > expected + k_sigma * sd


def created_hot_spots(
    image: np.ndarray,
    scan: np.ndarray,
    truth: np.ndarray,
    labels: np.ndarray,
    k_sigma: float = 5.0,
    margin_px: int = 3,
    sigma_px: float = 1.5,
) -> list[tuple[int, int]]:
    """The invented hot spots of ``image`` that its input ``scan`` does not explain (module docstring).

    ``scan`` is the input at the image's count level (k x the fast scan for a k-fold fast input). A hot
    spot is kept, not created, when the smoothed scan exceeds the same envelope within ``margin_px``.
    """
    if scan.shape != image.shape:
        raise ValueError(f"scan {scan.shape} and image {image.shape} must have the same shape")
    spots = invented_hot_spots(image, truth, labels, k_sigma, margin_px, sigma_px)
    return unexplained_by_input(spots, scan, truth, k_sigma, margin_px, sigma_px)


def unexplained_by_input(
    spots: list[tuple[int, int]],
    scan: np.ndarray,
    truth: np.ndarray,
    k_sigma: float = 5.0,
    margin_px: int = 3,
    sigma_px: float = 1.5,
) -> list[tuple[int, int]]:
    """Those of ``spots`` (from :func:`invented_hot_spots` with the same parameters) the input does not explain."""
    if not spots:
        return []
    input_excess = _dilate(_above_envelope(scan, truth, k_sigma, sigma_px)[1], margin_px)
    return [(r, c) for r, c in spots if not input_excess[r, c]]


def fidelity(
    image: np.ndarray,
    truth: np.ndarray,
    labels: np.ndarray,
    bladder: np.ndarray | None = None,
    scan: np.ndarray | None = None,
) -> dict[str, float]:
    """Summary: median lesion max/mean ratios to the truth, region recoveries, count of invented hot spots.

    With the input ``scan`` at the image's level (k x a k-fold fast scan) also ``created_hot_spots``: the
    invented hot spots that the input does not explain (:func:`unexplained_by_input`).
    """
    lesions = lesion_counts(image, truth, labels)
    rec = recovery(image, truth, region_masks(truth, labels, bladder))
    spots = invented_hot_spots(image, truth, labels)
    summary = {
        "lesion_max_ratio": float(np.median([r["max_counts"] / r["truth_max_counts"] for r in lesions]))
        if lesions
        else float("nan"),
        "lesion_mean_ratio": float(np.median([r["mean_counts"] / r["truth_mean_counts"] for r in lesions]))
        if lesions
        else float("nan"),
        "bone_recovery": rec["normal_bone"],
        "soft_tissue_recovery": rec["soft_tissue"],
        "hot_spots": float(len(spots)),
    }
    if scan is not None:
        summary["created_hot_spots"] = float(len(unexplained_by_input(spots, scan, truth)))
    return summary


def hot_spots_per_view(enhancer, studies: list[tuple], speed_factor: float) -> list[dict]:
    """Hot spots of ``enhancer``'s output on lesion-free ``(seed, standard, fast)`` acquisitions, per view.

    Counts, for each view, the hot spots of the standard scan (against its truth), of the raw fast scan x k
    and of the enhanced fast scan (both against k x the fast scan's own truth, since a later scan has its own
    motion), and the enhanced scan's hot spots that the raw fast scan x k does not explain (``created``).

    Args:
        enhancer: anything with ``enhance(counts, speed_factor)`` (lowcount.inference.Enhancer).
        studies: (seed, standard, fast) with ``counts`` and ``expected`` (views, rows, cols) attributes
            (lowcount.phantom.patient.lesion_free_scans).
        speed_factor: k of the fast scans.
    """
    rows = []
    for seed, standard, fast in studies:
        enhanced = enhancer.enhance(fast.counts, speed_factor=speed_factor)
        none = np.zeros(standard.expected.shape[1:], np.int32)
        for view in range(2):
            truth = speed_factor * fast.expected[view]
            raw = speed_factor * fast.counts[view]
            spots = invented_hot_spots(enhanced[view], truth, none)
            rows.append(
                {
                    "seed": seed,
                    "view": view,
                    "standard": len(invented_hot_spots(standard.counts[view], standard.expected[view], none)),
                    "raw_fast": len(invented_hot_spots(raw, truth, none)),
                    "enhanced": len(spots),
                    "created": len(unexplained_by_input(spots, raw, truth)),
                }
            )
    return rows
