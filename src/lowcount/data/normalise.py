"""Counts <-> network values, and bringing a fast scan to its standard scan's count level.

The network works on ``x = counts * gain / counts_per_unit``. For a fast scan at speed factor k the gain
is k, so the input stands for the standard scan it replaces; ``counts_per_unit`` is chosen from the input
alone, because at inference there is no standard scan:

- ``mean`` (default): k x the input's mean counts per pixel, i.e. the standard scan's expected mean, so
  the input has mean 1;
- ``percentile``: k x the input's 99.5th percentile (robust to an empty field, sensitive to the bladder);
- ``fixed``: a constant given by the user (comparable across patients; needs a known count level).

:meth:`CountScale.from_x` inverts :meth:`CountScale.to_x` exactly; :meth:`CountScale.standard_counts`
turns a network output into counts at the standard scan's level (``x * counts_per_unit``), so an output
that keeps the mean of the input totals k x the input's counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("mean", "percentile", "fixed")


@dataclass(frozen=True)
class CountScale:
    """``x = counts * gain / counts_per_unit``.

    Attributes:
        counts_per_unit: standard-level counts per unit of x.
        gain: speed (or dose-reduction) factor of the input; 1 for a standard scan.
        method: how ``counts_per_unit`` was chosen (one of ``METHODS``).
    """

    counts_per_unit: float
    gain: float = 1.0
    method: str = "mean"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.counts_per_unit) and self.counts_per_unit > 0):
            raise ValueError(f"counts_per_unit must be positive and finite, got {self.counts_per_unit}")
        if not self.gain > 0:
            raise ValueError(f"gain must be positive, got {self.gain}")

    def to_x(self, counts: np.ndarray) -> np.ndarray:
        return (np.asarray(counts, dtype=np.float32) * np.float32(self.gain / self.counts_per_unit)).astype(np.float32)

    def from_x(self, x: np.ndarray) -> np.ndarray:
        """Exact inverse of :meth:`to_x`: counts at the input's own level."""
        return (np.asarray(x, dtype=np.float32) * np.float32(self.counts_per_unit / self.gain)).astype(np.float32)

    def standard_counts(self, x: np.ndarray) -> np.ndarray:
        """Counts at the standard scan's level (what an enhanced fast scan should hold)."""
        return (np.asarray(x, dtype=np.float32) * np.float32(self.counts_per_unit)).astype(np.float32)

    def to_dict(self) -> dict:
        return {"counts_per_unit": self.counts_per_unit, "gain": self.gain, "method": self.method}


def count_scale(
    counts: np.ndarray,
    speed_factor: float = 1.0,
    method: str = "mean",
    fixed_counts_per_unit: float | None = None,
    percentile: float = 99.5,
) -> CountScale:
    """Choose the scale of one input scan (all views together).

    Args:
        counts: (..., rows, cols) input counts.
        speed_factor: k of the fast scan (1 for standard, 3 for a 3x scan).
        method: ``mean``, ``percentile`` or ``fixed`` (see the module docstring).
        fixed_counts_per_unit: the constant for ``fixed``.
        percentile: for ``percentile``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not speed_factor > 0:
        raise ValueError(f"speed_factor must be positive, got {speed_factor}")
    arr = np.asarray(counts, dtype=np.float64)
    if method == "fixed":
        if fixed_counts_per_unit is None:
            raise ValueError("method 'fixed' needs fixed_counts_per_unit")
        unit = float(fixed_counts_per_unit)
    elif method == "mean":
        unit = speed_factor * float(arr.mean())
    else:
        unit = speed_factor * float(np.percentile(arr, percentile))
    if not unit > 0:
        raise ValueError("the input holds no counts (scale would be 0); check that the image is not empty")
    return CountScale(counts_per_unit=unit, gain=speed_factor, method=method)


def count_level(scale: CountScale) -> float:
    """The relative Poisson noise of a pixel of network value 1 under ``scale``: ``sqrt(gain / counts_per_unit)``.

    A pixel of value x holds ``x * counts_per_unit / gain`` counts, so its standard deviation in network
    units is ``sqrt(x) * count_level``; with ``mean`` normalisation that is one over the root of the input's
    mean counts per pixel, known from the scan alone (the network's count-level channel,
    ``data.level_channel``).
    """
    return float(np.sqrt(scale.gain / scale.counts_per_unit))
