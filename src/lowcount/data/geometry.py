"""Bring a scan to the network's grid and back: crop the empty border, pad to a size, undo both.

Whole-body scans from different cameras differ in matrix size and in how much empty field surrounds the
patient. :func:`fit` crops the uninformative (all-zero or near-zero) border and pads to a target shape, or
only pads to a multiple of the network's stride; it returns a :class:`Placement` that records what it did,
so :meth:`Placement.restore` puts a network output back into the input's geometry. Counts are never
resampled: a scan larger than the target after cropping is refused with a message, not squeezed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Placement:
    """Where the original image sits on the network grid.

    Attributes:
        original_shape: (rows, cols) of the input.
        crop: (row0, row1, col0, col1) kept from the input.
        pad: ((top, bottom), (left, right)) zeros added after cropping.
    """

    original_shape: tuple[int, int]
    crop: tuple[int, int, int, int]
    pad: tuple[tuple[int, int], tuple[int, int]]

    @property
    def shape(self) -> tuple[int, int]:
        """Shape on the network grid."""
        r0, r1, c0, c1 = self.crop
        (top, bottom), (left, right) = self.pad
        return (r1 - r0 + top + bottom, c1 - c0 + left + right)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Crop and pad ``image`` (..., rows, cols) like the input was."""
        if image.shape[-2:] != self.original_shape:
            raise ValueError(f"image shape {image.shape[-2:]} differs from the placement's {self.original_shape}")
        r0, r1, c0, c1 = self.crop
        cropped = image[..., r0:r1, c0:c1]
        widths = [(0, 0)] * (image.ndim - 2) + [self.pad[0], self.pad[1]]
        return np.pad(cropped, widths)

    def restore(self, image: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Put a network-grid image (..., rows, cols) back into the input's geometry (border -> ``fill``)."""
        if image.shape[-2:] != self.shape:
            raise ValueError(f"image shape {image.shape[-2:]} is not the network grid {self.shape}")
        (top, _), (left, _) = self.pad
        r0, r1, c0, c1 = self.crop
        inner = image[..., top : top + r1 - r0, left : left + c1 - c0]
        out = np.full(image.shape[:-2] + self.original_shape, fill, dtype=image.dtype)
        out[..., r0:r1, c0:c1] = inner
        return out


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def content_box(image: np.ndarray, threshold: float = 0.0, margin: int = 4) -> tuple[int, int, int, int]:
    """(row0, row1, col0, col1) of the pixels above ``threshold`` (any view), widened by ``margin``."""
    views = image.reshape(-1, *image.shape[-2:])
    active = (views > threshold).any(axis=0)
    if not active.any():
        return (0, image.shape[-2], 0, image.shape[-1])
    rows, cols = np.flatnonzero(active.any(axis=1)), np.flatnonzero(active.any(axis=0))
    return (
        max(int(rows[0]) - margin, 0),
        min(int(rows[-1]) + 1 + margin, image.shape[-2]),
        max(int(cols[0]) - margin, 0),
        min(int(cols[-1]) + 1 + margin, image.shape[-1]),
    )


def fit(
    image: np.ndarray,
    target_shape: tuple[int, int] | None = (1024, 256),
    stride: int = 1,
    crop_border: bool = True,
    threshold: float = 0.0,
) -> Placement:
    """Plan how ``image`` (..., rows, cols) goes onto the network grid.

    Args:
        image: counts; views in leading axes share one placement.
        target_shape: pad (centred) to this shape; None keeps the native (cropped) size.
        stride: the grid's sides are also rounded up to a multiple of this (the network's stride).
        crop_border: crop rows and columns where every view is <= ``threshold`` first.
        threshold: counts at or below this are empty border.

    Raises:
        ValueError: the (cropped) scan is larger than ``target_shape``.
    """
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    rows, cols = image.shape[-2:]
    box = content_box(image, threshold) if crop_border else (0, rows, 0, cols)
    h, w = box[1] - box[0], box[3] - box[2]
    if target_shape is None:
        out_h, out_w = _round_up(h, stride), _round_up(w, stride)
    else:
        out_h, out_w = (_round_up(n, stride) for n in target_shape)
        if h > out_h or w > out_w:
            raise ValueError(
                f"the scan's content is {h} x {w} pixels, larger than the target {out_h} x {out_w}; "
                "use target_shape=None to keep the native size, or a larger target"
            )
    top, left = (out_h - h) // 2, (out_w - w) // 2
    return Placement((rows, cols), box, ((top, out_h - h - top), (left, out_w - w - left)))
