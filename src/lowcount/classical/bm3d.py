"""BM3D (Dabov et al. 2007) through the ``bm3d`` package, an optional extra.

The ``bm3d`` package (Tampere University) is free for non-commercial use only and ships its core as a
closed binary (through ``bm4d``), so lowcount does not install it by default. Install it yourself when
its licence suits you: ``pip install 'lowcount[bm3d]'`` (or ``pip install bm3d``). About 5 s per
1024 x 256 view on one CPU core.
"""

from __future__ import annotations

import numpy as np

INSTALL_HINT = (
    "the BM3D baseline needs the optional package 'bm3d' (non-commercial licence, closed binary core), which "
    "lowcount does not install by default; if its licence suits you, run: .venv/bin/pip install bm3d"
)


def bm3d_denoise(image: np.ndarray, sigma: float) -> np.ndarray:
    """BM3D estimate of a (rows, cols) image with additive white noise of standard deviation ``sigma``."""
    try:
        import bm3d
    except ImportError as exc:
        raise ValueError(INSTALL_HINT) from exc
    if not sigma > 0:
        raise ValueError(f"bm3d: sigma must be positive, got {sigma}")
    return np.asarray(bm3d.bm3d(np.asarray(image, np.float64), sigma_psd=float(sigma)), np.float64)
