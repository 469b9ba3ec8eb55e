"""Augmentation for pairs: sample the parameters once, then apply the same deterministic transform to both
images of a pair (torchio's habit: random transforms are replayable).

Left-right flips and integer translations (zero fill) keep counts exact; patches are cut at a sampled
corner, preferring patches that hold some body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Augmentation:
    """A sampled transform: flip left-right, then shift by (dy, dx) pixels with zero fill."""

    flip: bool = False
    shift_px: tuple[int, int] = (0, 0)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Transform (..., rows, cols)."""
        out = image[..., ::-1] if self.flip else image
        dy, dx = self.shift_px
        if dy or dx:
            shifted = np.zeros_like(out)
            rows, cols = out.shape[-2:]
            src_r = slice(max(-dy, 0), rows - max(dy, 0))
            dst_r = slice(max(dy, 0), rows - max(-dy, 0))
            src_c = slice(max(-dx, 0), cols - max(dx, 0))
            dst_c = slice(max(dx, 0), cols - max(-dx, 0))
            shifted[..., dst_r, dst_c] = out[..., src_r, src_c]
            out = shifted
        return np.ascontiguousarray(out)


def sample_augmentation(rng: np.random.Generator, flip_probability: float = 0.5, max_shift_px: int = 8) -> Augmentation:
    if not 0.0 <= flip_probability <= 1.0:
        raise ValueError(f"flip_probability must be in [0, 1], got {flip_probability}")
    if max_shift_px < 0:
        raise ValueError(f"max_shift_px must be >= 0, got {max_shift_px}")
    shift = rng.integers(-max_shift_px, max_shift_px + 1, size=2) if max_shift_px else np.zeros(2, int)
    return Augmentation(flip=bool(rng.random() < flip_probability), shift_px=(int(shift[0]), int(shift[1])))


def sample_patch_corner(
    rng: np.random.Generator,
    image: np.ndarray,
    patch: tuple[int, int],
    min_foreground: float = 0.1,
    tries: int = 20,
) -> tuple[int, int]:
    """Top-left corner of a ``patch`` inside ``image`` (..., rows, cols), preferring some body in it.

    Up to ``tries`` corners are drawn; the first whose fraction of non-zero pixels reaches
    ``min_foreground`` is taken, else the one with the most.
    """
    rows, cols = image.shape[-2:]
    ph, pw = patch
    if ph > rows or pw > cols:
        raise ValueError(f"patch {patch} is larger than the image {(rows, cols)}")
    plane = np.asarray(image).reshape(-1, rows, cols)[0]
    best, best_fraction = (0, 0), -1.0
    for _ in range(max(tries, 1)):
        r0 = int(rng.integers(0, rows - ph + 1))
        c0 = int(rng.integers(0, cols - pw + 1))
        fraction = float((plane[r0 : r0 + ph, c0 : c0 + pw] > 0).mean())
        if fraction >= min_foreground:
            return r0, c0
        if fraction > best_fraction:
            best, best_fraction = (r0, c0), fraction
    return best


def crop(image: np.ndarray, corner: tuple[int, int], patch: tuple[int, int]) -> np.ndarray:
    r0, c0 = corner
    return image[..., r0 : r0 + patch[0], c0 : c0 + patch[1]]
