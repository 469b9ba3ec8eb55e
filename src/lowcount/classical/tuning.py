"""Choose a classical filter's parameters on a validation split, and apply them like a trained model.

:func:`tune` tries every combination in a grid (each parameter's values x with/without the Anscombe
transform) on the validation studies and keeps the one with the highest mean PSNR of the filtered fast
scan (times k) against the reference: the standard scan (what a site has) or, on phantom cohorts, the
fast scan's noiseless truth. PSNR is taken in the body without the bladder
(lowcount.evaluate.counts.scoring_mask), with the reference's maximum there as data range. The result
is a JSON card that lowcount.classical.enhancer.ClassicalEnhancer and ``lowcount enhance --method`` read.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from lowcount.classical.filters import check_params, denoise
from lowcount.evaluate.counts import scoring_mask

GRIDS = {
    "gaussian": {"sigma_px": [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0]},
    "median": {"size_px": [3, 5, 7, 9]},
    "wiener": {"size_px": [3, 5, 7, 9, 11, 15]},
    "tv": {"weight": [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0]},
    "bm3d": {"strength": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0]},
}
# BM3D assumes additive white Gaussian noise, so it only runs in the Anscombe domain.
ANSCOMBE_CHOICES = {"gaussian": (False, True), "median": (False, True), "wiener": (False, True), "tv": (False, True)}
ANSCOMBE_CHOICES["bm3d"] = (True,)
REFERENCES = ("standard", "truth")


SCANS = ("fast", "standard")


def _references(studies, against: str, scan: str = "fast") -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """(counts to filter, reference, mask, gain) per view."""
    if against not in REFERENCES:
        raise ValueError(f"against must be one of {REFERENCES}, got {against!r}")
    if scan not in SCANS:
        raise ValueError(f"scan must be one of {SCANS}, got {scan!r}")
    if scan == "standard" and against == "standard":
        raise ValueError("a filtered standard scan can only be tuned against the truth")
    views = []
    for s in studies:
        if against == "truth" and not s.has_truth:
            raise ValueError("tuning against the truth needs a phantom cohort (truth files); use against='standard'")
        if scan == "standard":
            counts, reference, bladder, gain = s.standard_counts, s.standard_truth, s.standard_bladder, 1.0
        else:
            counts, gain = s.fast_counts, s.speed_factor
            reference = s.fast_truth if against == "truth" else s.standard_counts
            bladder = s.fast_bladder if against == "truth" else s.standard_bladder
        for v in range(counts.shape[0]):
            views.append((counts[v], reference[v], scoring_mask(reference[v], bladder[v]), gain))
    return views


def tune(method: str, studies: list, against: str = "standard", grid: dict | None = None, scan: str = "fast") -> dict:
    """The card of the best parameters of ``method`` on ``studies`` (see the module docstring).

    Args:
        method: a classical method (lowcount.classical.filters.FILTERS).
        studies: validation studies (lowcount.evaluate.studies.load_studies).
        against: ``standard`` or ``truth``.
        grid: {parameter: values}, default ``GRIDS[method]``; Anscombe choices from ``ANSCOMBE_CHOICES``.
        scan: ``fast`` (the fast scans, times k) or ``standard`` (the standard scans themselves, against
            their truth: the "standard scan after its best classical filter" of the papers' comparisons).
    """
    from lowcount.evaluate.metrics import psnr

    check_params(method, {})
    grid = grid or GRIDS[method]
    check_params(method, {k: v[0] for k, v in grid.items()})
    views = _references(studies, against, scan)
    trials = []
    names = sorted(grid)
    for anscombe in ANSCOMBE_CHOICES[method]:
        for values in itertools.product(*(grid[n] for n in names)):
            params = dict(zip(names, values, strict=True))
            scores = [
                psnr(denoise(fast, method, anscombe, **params) * k, ref, float(ref[mask].max()), mask)
                for fast, ref, mask, k in views
            ]
            trials.append({"params": params, "anscombe": anscombe, "psnr_db": float(np.mean(scores))})
    best = max(trials, key=lambda t: t["psnr_db"])
    return {
        "method": method,
        "params": best["params"],
        "anscombe": best["anscombe"],
        "against": against,
        "scan": scan,
        "psnr_db": best["psnr_db"],
        "views": len(views),
        "trials": trials,
    }


def tune_on_cohort(
    method: str,
    data: str | Path,
    against: str = "standard",
    fast: str = "fast3x",
    fold: int | None = None,
    no_truth: bool = False,
) -> dict:
    """:func:`tune` on the validation split (or cross-validation ``fold``) of a cohort; the card also says
    which data it was tuned on."""
    from lowcount.evaluate.studies import load_studies
    from lowcount.io.manifest import manifest_path

    studies = load_studies(data, "val", fast, fold, no_truth=no_truth)
    card = tune(method, studies, against)
    card["data"] = {"manifest": str(manifest_path(data)), "fast": fast, "fold": fold, "patients": len(studies)}
    return card


def save_card(card: dict, path: str | Path) -> Path:
    from lowcount.io.atomic import atomic_write_text

    path = Path(path)
    atomic_write_text(path, json.dumps(card, indent=2) + "\n")
    return path
