"""Poisson counting and binomial thinning of count images, each draw with an explicit ``rng``.

The simulator (lowcount.phantom) counts its expected images and thins standard scans into simulated fast
ones; the data pipeline (lowcount.data) thins real scans into training pairs. Both use these two
functions, which is why they sit below both.
"""

from __future__ import annotations

import numpy as np


def poisson_counts(expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson counts of an expected-count image (float32 in, float32 integers out)."""
    if np.any(~np.isfinite(expected)) or np.any(expected < 0):
        raise ValueError("expected counts must be finite and non-negative")
    return rng.poisson(expected).astype(np.float32)


def thin_counts(counts: np.ndarray, keep_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Binomial thinning: keep each recorded count with probability ``keep_fraction``.

    Thinning Poisson(lambda) gives exactly Poisson(p lambda), but nested in the original scan.
    """
    if not 0.0 < keep_fraction <= 1.0:
        raise ValueError(f"keep_fraction must be in (0, 1], got {keep_fraction}")
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("counts to thin must be non-negative integers")
    return rng.binomial(counts.astype(np.int64), keep_fraction).astype(np.float32)
