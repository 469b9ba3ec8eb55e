"""Self-made training pairs: lower-count versions of a scan, each drawn with an explicit rng.

- :func:`thin`: binomial thinning by any factor k (keep each count with p = 1/k), exactly a Poisson scan
  of 1/k the counts, nested in the original (what the fast-scan papers call simulated data).
- :func:`emanet_noise`: the augmentation of the EMANet paper, which adds "Poisson noise" at integer
  levels 1-50 to grey-level bone images (levels 1-50 for training, 5-40 in steps of 5 for testing). The
  paper does not define the level; lowcount reads level L as Poisson noise whose standard deviation at
  mid-grey (128 of 255) is L grey levels, i.e. ``noisy = Poisson(a g) / a`` with ``a = 128 / L**2`` on
  the image ``g`` mapped to 0-255 by its maximum. This reading is ours (engineering choice, E).
"""

from __future__ import annotations

import numpy as np

from lowcount.poisson import thin_counts

EMANET_TRAIN_LEVELS = tuple(range(1, 51))
EMANET_TEST_LEVELS = tuple(range(5, 41, 5))


def thin(counts: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """A scan with 1/``factor`` of the counts, by binomial thinning (integer counts in, integers out)."""
    if not factor >= 1.0:
        raise ValueError(f"factor must be >= 1 (fewer counts), got {factor}")
    return thin_counts(np.asarray(counts, np.float32), 1.0 / factor, rng)


def emanet_noise(image: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """EMANet-style Poisson noise at ``level`` (see the module docstring); same units as ``image``."""
    if not level > 0:
        raise ValueError(f"level must be positive, got {level}")
    image = np.asarray(image, np.float64)
    if image.size == 0 or image.min() < 0 or not np.isfinite(image).all():
        raise ValueError("image must be finite and non-negative")
    peak = image.max()
    if peak <= 0:
        return image.astype(np.float32)
    grey = image * (255.0 / peak)
    a = 128.0 / level**2
    noisy = rng.poisson(grey * a) / a
    return (noisy * (peak / 255.0)).astype(np.float32)


def random_emanet_level(rng: np.random.Generator, levels: tuple[int, ...] = EMANET_TRAIN_LEVELS) -> int:
    return int(rng.choice(levels))
