"""Image quality of a scan of the QA phantom (lowcount.ct.qa_phantom): noise, CT-number accuracy, contrast-to-
noise ratio of each insert and the modulation transfer function from the edge rod; and the dose-reduction
factor that a denoiser buys.

- noise: the standard deviation (HU) inside each of the five uniform-section discs, per slice, averaged;
- CT number: the mean inside each insert's disc, its error against the insert's nominal HU;
- CNR: |mean(insert) - mean(water beside it)| / SD(water beside it);
- MTF: the edge-spread function of the round edge of the rod, oversampled by binning every voxel of the
  section's mean slice by its distance from the rod's axis (bins of a tenth of a voxel), differentiated
  into the line-spread function, tapered at its ends (Tukey window, half flat) and Fourier transformed;
  MTF50 is the frequency (cycles/mm) where it first falls to one half (within 5 % of the formula for a
  Gaussian blur of 1-2 voxels, tests/evaluate/test_ct_quality.py);
- dose-reduction factor: a power law ``figure = c * dose^b`` fitted (least squares in log-log) to the raw
  scans of a dose ladder, inverted at a method's figure on the low-dose scan: the dose a raw scan would need
  to match it, over the low dose.
"""

from __future__ import annotations

import numpy as np

from lowcount.ct.qa_phantom import INSERTS_HU, qa_discs
from lowcount.ct.shapes import Grid

EDGE_BIN_VOX = 0.1
EDGE_HALF_WIDTH_MM = 3.0


def _disc_mask(grid: Grid, centre_yx_mm, radius_mm: float) -> np.ndarray:
    _, h, w = grid.shape
    y = (np.arange(h) + 0.5) * grid.voxel_mm
    x = (np.arange(w) + 0.5) * grid.voxel_mm
    return (y[:, None] - centre_yx_mm[0]) ** 2 + (x[None, :] - centre_yx_mm[1]) ** 2 <= radius_mm**2


def edge_mtf(hu: np.ndarray, grid: Grid, centre_yx_mm, radius_mm: float, slices) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies in cycles/mm, MTF) from the round edge of radius ``radius_mm`` about ``centre_yx_mm``."""
    mean_slice = np.asarray(hu, np.float64)[slices[0] : slices[1]].mean(axis=0)
    _, h, w = grid.shape
    y = (np.arange(h) + 0.5) * grid.voxel_mm - centre_yx_mm[0]
    x = (np.arange(w) + 0.5) * grid.voxel_mm - centre_yx_mm[1]
    r = np.sqrt(y[:, None] ** 2 + x[None, :] ** 2)
    near = np.abs(r - radius_mm) < EDGE_HALF_WIDTH_MM
    step = EDGE_BIN_VOX * grid.voxel_mm
    edges = np.arange(radius_mm - EDGE_HALF_WIDTH_MM, radius_mm + EDGE_HALF_WIDTH_MM + step / 2, step)
    index = np.digitize(r[near], edges) - 1
    sums = np.bincount(index, mean_slice[near], minlength=len(edges))[: len(edges) - 1]
    counts = np.bincount(index, minlength=len(edges))[: len(edges) - 1]
    centres = (edges[:-1] + edges[1:]) / 2
    filled = counts > 0
    esf = np.interp(centres, centres[filled], sums[filled] / counts[filled])
    from scipy.signal.windows import tukey

    lsf = -np.gradient(esf, step) * tukey(len(esf), 0.5)
    spectrum = np.abs(np.fft.rfft(lsf))
    frequencies = np.fft.rfftfreq(len(lsf), d=step)
    return frequencies, spectrum / spectrum[0]


def mtf50(frequencies: np.ndarray, mtf: np.ndarray) -> float:
    """The first frequency where ``mtf`` falls to 0.5 (linear interpolation), NaN if it never does."""
    below = np.flatnonzero(mtf < 0.5)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    k = below[0]
    f0, f1, m0, m1 = frequencies[k - 1], frequencies[k], mtf[k - 1], mtf[k]
    return float(f0 + (m0 - 0.5) * (f1 - f0) / (m0 - m1))


def qa_figures(hu: np.ndarray, grid: Grid) -> dict[str, float]:
    """Noise, per-insert CT number, error and CNR, and MTF50 of a QA-phantom volume (D, H, W) in HU."""
    hu = np.asarray(hu, np.float64)
    if hu.shape != tuple(grid.shape):
        raise ValueError(f"the volume is {hu.shape} but the QA phantom's grid is {grid.shape}")
    discs = {d.name: d for d in qa_discs(grid)}
    out: dict[str, float] = {}

    def voxels(disc):
        mask = _disc_mask(grid, disc.centre_yx_mm, disc.radius_mm)
        return hu[disc.slices[0] : disc.slices[1]][:, mask]

    uniform = [voxels(d) for name, d in discs.items() if name.startswith("uniform")]
    out["noise_hu"] = float(np.mean([v.std(axis=1).mean() for v in uniform]))
    for name, nominal in INSERTS_HU.items():
        inside, water = voxels(discs[name]), voxels(discs[f"water by {name}"])
        key = name.replace(" ", "_")
        out[f"{key}_hu"] = float(inside.mean())
        out[f"{key}_error_hu"] = float(inside.mean() - nominal)
        out[f"{key}_cnr"] = float(abs(inside.mean() - water.mean()) / max(water.std(), 1e-6))
    rod = discs["edge rod"]
    out["mtf50_per_mm"] = mtf50(*edge_mtf(hu, grid, rod.centre_yx_mm, rod.radius_mm, rod.slices))
    return out


def dose_reduction_factor(doses, raw_figures, method_figure: float, low_dose: float) -> dict[str, float]:
    """The power law of ``raw_figures`` over ``doses`` and the dose-reduction factor of ``method_figure``.

    Returns {``exponent``: b, ``equivalent_dose``, ``factor``: equivalent dose / ``low_dose``}. Works for a
    figure that falls with dose (noise, RMSE: b < 0) or rises with it (CNR: b > 0).
    """
    doses, figures = np.asarray(doses, np.float64), np.asarray(raw_figures, np.float64)
    if doses.shape != figures.shape or doses.size < 2 or np.any(doses <= 0) or np.any(figures <= 0):
        raise ValueError(f"need two or more positive doses and figures of one length, got {doses}, {figures}")
    if not method_figure > 0 or not low_dose > 0:
        raise ValueError(f"method_figure and low_dose must be positive, got {method_figure}, {low_dose}")
    b, log_c = np.polyfit(np.log(doses), np.log(figures), 1)
    if abs(b) < 1e-6:
        raise ValueError("the raw figures do not change with dose; no dose-reduction factor can be read")
    equivalent = float(np.exp((np.log(method_figure) - log_c) / b))
    return {"exponent": float(b), "equivalent_dose": equivalent, "factor": equivalent / low_dose}
