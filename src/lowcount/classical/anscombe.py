"""The Anscombe transform: Poisson counts -> values of nearly unit variance, and back.

``anscombe(c) = 2 sqrt(c + 3/8)`` makes Poisson noise approximately Gaussian with variance 1 (closely
for means above a few counts), so filters built for additive white noise can be used on count images.
Two inverses:

- :func:`inverse_anscombe_algebraic`: ``(y / 2)^2 - 3/8``, the exact inverse of the transform
  (``inverse_anscombe_algebraic(anscombe(c)) == c``); biased low when applied to a *denoised* ``y``;
- :func:`inverse_anscombe`: the closed-form approximation of the exact unbiased inverse of Makitalo
  and Foi (IEEE TIP 2011), ``E[anscombe(c)] -> mean(c)``, the one to use after denoising.
"""

from __future__ import annotations

import numpy as np


def anscombe(counts: np.ndarray) -> np.ndarray:
    """2 sqrt(counts + 3/8) for non-negative counts (float64)."""
    counts = np.asarray(counts, np.float64)
    if counts.size and counts.min() < 0:
        raise ValueError(f"the Anscombe transform takes non-negative counts, got a minimum of {counts.min():g}")
    return 2.0 * np.sqrt(counts + 0.375)


def inverse_anscombe_algebraic(y: np.ndarray) -> np.ndarray:
    """(y / 2)^2 - 3/8: exact inverse of :func:`anscombe`."""
    y = np.asarray(y, np.float64)
    return (y / 2.0) ** 2 - 0.375


def inverse_anscombe(y: np.ndarray) -> np.ndarray:
    """Unbiased inverse (Makitalo & Foi closed form) of a denoised Anscombe image; clipped at 0 counts."""
    y = np.maximum(np.asarray(y, np.float64), 1.0)  # the series diverges at 0; below 1 the mean is ~0 anyway
    s = np.sqrt(1.5)
    counts = 0.25 * y**2 + 0.25 * s / y - 1.375 / y**2 + 0.625 * s / y**3 - 0.125
    return np.maximum(counts, 0.0)
