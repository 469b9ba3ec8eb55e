"""Image figures of a CT volume against a reference, inside the object: MAE, RMSE, PSNR and SSIM in HU.

PSNR and SSIM take the fixed range ``CT_RANGE_HU`` (2400 HU, air at -1000 to dense bone at +1400) rather
than a range read off either volume, so figures of different methods and animals compare. SSIM is the mean
over the slices that hold the object of lowcount.evaluate.metrics.ssim (2-D, Gaussian window), inside the
object's mask.
"""

from __future__ import annotations

import numpy as np

from lowcount.evaluate.metrics import psnr, ssim

CT_RANGE_HU = 2400.0


def ct_scores(pred_hu: np.ndarray, ref_hu: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """{``mae_hu``, ``rmse_hu``, ``psnr``, ``ssim``} of ``pred_hu`` against ``ref_hu`` (D, H, W) in ``mask``."""
    pred, ref, mask = np.asarray(pred_hu, np.float64), np.asarray(ref_hu, np.float64), np.asarray(mask, bool)
    if pred.shape != ref.shape or pred.shape != mask.shape or pred.ndim != 3:
        raise ValueError(
            f"ct_scores takes three (D, H, W) arrays of one shape, got {pred.shape}, {ref.shape}, {mask.shape}"
        )
    if not mask.any():
        raise ValueError("ct_scores: the mask selects no voxel")
    error = pred[mask] - ref[mask]
    slices = [k for k in range(mask.shape[0]) if mask[k].any()]
    return {
        "mae_hu": float(np.abs(error).mean()),
        "rmse_hu": float(np.sqrt(np.mean(error**2))),
        "psnr": psnr(pred, ref, CT_RANGE_HU, mask),
        "ssim": float(np.mean([ssim(pred[k], ref[k], CT_RANGE_HU, mask[k]) for k in slices])),
    }
