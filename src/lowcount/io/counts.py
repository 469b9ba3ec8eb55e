"""Checks on count arrays before they are written: numeric, finite, non-negative, and uint16 for DICOM."""

from __future__ import annotations

import numpy as np

MAX_UINT16 = 65535


def check_counts(counts: np.ndarray, what: str) -> np.ndarray:
    """Return ``counts`` as an array after refusing non-numeric, non-finite or negative values."""
    arr = np.asarray(counts)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{what}: counts must be numeric, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: counts contain NaN or infinite values; fix the model output before writing")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{what}: counts contain negative values (min {arr.min():g}); clip them at 0 before writing")
    return arr


def counts_to_uint16(counts: np.ndarray, what: str) -> np.ndarray:
    """Round counts to uint16 (clipped at 65535), refusing values a DICOM NM image cannot hold."""
    return np.clip(np.rint(check_counts(counts, what)), 0, MAX_UINT16).astype(np.uint16)
