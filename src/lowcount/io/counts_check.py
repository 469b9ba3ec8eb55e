"""Are these pixel values counts? A check before anything is scored or enhanced as Poisson data.

Everything lowcount does to a scan (the count normalisation, the Anscombe transform, the split estimates of
lowcount.evaluate.truth_free) assumes raw Poisson counts. A processed image (smoothed, rescaled, reduced to
8 bits) breaks that silently, so it is tested first:

- the values are non-negative whole numbers, stored without a rescale that changes them;
- their dispersion is Poisson's: in the body, the squared difference between each pixel and the mean of its
  four neighbours averages 1.25 times the pixel's counts for independent Poisson pixels (1 + 4/16), whatever
  the anatomy (second differences cancel smooth structure). The ratio is 1.00 +- 0.05 on phantom scans,
  about 0.05 after a Gaussian of 0.7 px, 2 for counts doubled, 0.5 for counts halved, 0.4-0.7 for an
  8-bit rendering (phantom seeds 950-953). It must lie within ``POISSON_DISPERSION``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POISSON_DISPERSION = (0.85, 1.20)


def body_region(image: np.ndarray) -> np.ndarray:
    """The body: pixels of the Gaussian-smoothed (sigma 2 px) image at least 10 % of its 90th percentile."""
    from scipy.ndimage import gaussian_filter

    smoothed = gaussian_filter(np.asarray(image, np.float64), 2.0)
    return smoothed >= 0.1 * float(np.percentile(smoothed, 90))


def dispersion(views: np.ndarray) -> float:
    """Mean squared second difference over 1.25 x the counts, in the body of every view (1 for Poisson)."""
    views = np.asarray(views, np.float64).reshape(-1, *np.shape(views)[-2:])
    squares = counts = 0.0
    for view in views:
        inner = body_region(view)[1:-1, 1:-1]
        neighbours = 0.25 * (view[:-2, 1:-1] + view[2:, 1:-1] + view[1:-1, :-2] + view[1:-1, 2:])
        squares += float(((view[1:-1, 1:-1] - neighbours)[inner] ** 2).sum())
        counts += float(view[1:-1, 1:-1][inner].sum())
    return squares / (1.25 * counts) if counts > 0 else float("nan")


@dataclass(frozen=True)
class CountsCheck:
    """The result: ``ok`` when every test passes, ``reasons`` says which did not."""

    whole: bool
    non_negative: bool
    rescaled: bool
    dispersion: float
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons

    def line(self) -> str:
        low, high = POISSON_DISPERSION
        verdict = "counts" if self.ok else f"NOT counts ({'; '.join(self.reasons)})"
        return f"counts check: dispersion {self.dispersion:.2f} (Poisson counts: {low:g}-{high:g}): {verdict}"


def check_counts_image(views: np.ndarray, rescaled: bool = False) -> CountsCheck:
    """Test (views, rows, cols) or (rows, cols) pixel values as counts (see the module docstring)."""
    values = np.asarray(views, np.float64)
    whole = bool(np.all(values == np.round(values)))
    non_negative = bool(values.size and values.min() >= 0)
    ratio = dispersion(values)
    low, high = POISSON_DISPERSION
    reasons = []
    if not whole:
        reasons.append("values are not whole numbers")
    if not non_negative:
        reasons.append("negative values")
    if rescaled:
        reasons.append("a rescale slope or intercept changes the stored values")
    if not low <= ratio <= high:
        hint = "smoothed or rounded" if ratio < low else "rescaled or not a single acquisition"
        reasons.append(f"dispersion {ratio:.2f} is not Poisson's ({hint}?)")
    return CountsCheck(whole, non_negative, rescaled, ratio, tuple(reasons))
