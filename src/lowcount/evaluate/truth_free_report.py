"""``lowcount evaluate --truth-free``: every method scored on a site's own standard scans, without any truth.

Each standard scan (both views, or the one view of a single-view export) is split binomially with a fixed
seed into a 1/K input, a scan K times faster of the same instant, and the complementary (K-1)/K as target
(lowcount.evaluate.truth_free). Every method enhances the input; its squared error against the unknown
truth is estimated without bias from the target, per view, then per patient (pixel-weighted over the
views), as MSE and PSNR (data range: the smoothed scan's maximum in the body). Means over patients come with
95 % bootstrap intervals over patients, and each method's paired difference to the best classical filter
with its own interval (the paired difference is far more precise than either PSNR). Scans that do not pass
as counts
(lowcount.io.counts_check) are left out and listed: the estimator needs raw Poisson counts.

Classical filters are tuned without the truth too, and never on the patients they are scored on
(lowcount.inference.truth_free cross-fits them). On phantom cohorts the true PSNR of every method on the
same input is given beside the estimate, so the estimator can be checked where the truth is known.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SplitStudy:
    """One patient's standard scan split for scoring: input, target, the full scan, masks and data ranges."""

    key: str
    full: np.ndarray
    input: np.ndarray
    target: np.ndarray
    masks: np.ndarray
    data_ranges: tuple[float, ...]
    truth: np.ndarray | None = None
    view_names: tuple[str, ...] = ("anterior", "posterior")


def split_studies(
    scans: list[tuple[str, np.ndarray, np.ndarray | None, tuple[str, ...]]], k: float, seed: int = 0
) -> list[SplitStudy]:
    """``scans``: (key, (views, rows, cols) counts, truth or None, view names); each split into 1/k and
    (k-1)/k."""
    from lowcount.evaluate.truth_free import data_range, scoring_region, split_scan

    if not k > 1:
        raise ValueError(f"--split-k must be > 1 (the input is 1/k of each scan), got {k}")
    out = []
    for index, (key, counts, truth, names) in enumerate(scans):
        rng = np.random.default_rng([seed, index])
        parts = [split_scan(view, 1.0 / k, rng) for view in counts]
        a, b = np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts])
        masks = np.stack([scoring_region(view, 1.0 / k) for view in a])
        ranges = tuple(data_range(full, 1.0, mask) for full, mask in zip(counts, masks, strict=True))
        out.append(SplitStudy(key, np.asarray(counts, np.float32), a, b, masks, ranges, truth, tuple(names)))
    return out


def _view_rows(name: str, study: SplitStudy, image: np.ndarray, k: float) -> list[dict]:
    from lowcount.evaluate.truth_free import estimated_score

    rows = []
    for v in range(image.shape[0]):
        score = estimated_score(image[v], study.target[v], 1.0 - 1.0 / k, 1.0, study.masks[v], study.data_ranges[v])
        row = {"method": name, "patient": study.key, "view": study.view_names[v], "pixels": int(study.masks[v].sum())}
        row |= {"mse": score.mse, "psnr_db": score.psnr_db}
        if study.truth is not None:
            true_mse = float(((image[v] - study.truth[v]) ** 2)[study.masks[v]].mean())
            row |= {"true_mse": true_mse, "true_psnr_db": 10 * np.log10(study.data_ranges[v] ** 2 / true_mse)}
        rows.append(row)
    return rows


def score(studies: list[SplitStudy], methods: dict[str, Callable], k: float) -> list[dict]:
    """Per view and method: the estimated (and, with truth, the true) MSE and PSNR of ``methods``
    ({name: method(study, k) -> the enhanced input, counts at the full scan's level})."""
    rows = []
    for name, method in methods.items():
        for study in studies:
            rows += _view_rows(name, study, method(study, k), k)
    return rows


def patient_rows(view_rows: list[dict]) -> list[dict]:
    """Per method and patient: pixel-weighted MSE over the views and its PSNR (the views' mean data range)."""
    out = []
    for (method, patient), rows in itertools.groupby(view_rows, key=lambda r: (r["method"], r["patient"])):
        rows = list(rows)
        weights = np.array([r["pixels"] for r in rows], np.float64)
        row = {"method": method, "patient": patient}
        for prefix in ("", "true_"):
            if f"{prefix}mse" in rows[0]:
                mse = float(np.average([r[f"{prefix}mse"] for r in rows], weights=weights))
                psnr = [r[f"{prefix}psnr_db"] for r in rows]
                row[f"{prefix}mse"], row[f"{prefix}psnr_db"] = mse, float(np.nanmean(psnr))
        out.append(row)
    return out


def _interval(values: np.ndarray, rng: np.random.Generator, resamples: int = 2000) -> tuple[float, float]:
    means = [np.nanmean(values[rng.integers(0, len(values), len(values))]) for _ in range(resamples)]
    low, high = np.nanpercentile(means, [2.5, 97.5])
    return float(low), float(high)


def summary(rows: list[dict], classical: list[str], seed: int = 0) -> list[dict]:
    """Per method: mean estimated PSNR over patients (95 % bootstrap interval over patients), the paired
    difference to the best classical filter (interval), and with truth the mean true PSNR."""
    rng = np.random.default_rng(seed)
    methods = list(dict.fromkeys(r["method"] for r in rows))
    psnr = {m: {r["patient"]: r["psnr_db"] for r in rows if r["method"] == m} for m in methods}
    best = max(classical, key=lambda m: np.nanmean(list(psnr[m].values()))) if classical else None
    out = []
    for method in methods:
        values = np.array(list(psnr[method].values()))
        low, high = _interval(values, rng)
        row = {"method": method, "patients": len(values), "psnr_db": float(np.nanmean(values))}
        row |= {"psnr_low": low, "psnr_high": high, "reference": best}
        if best is not None:
            diff = np.array([psnr[method][p] - psnr[best][p] for p in psnr[method]])
            row["gain_db"], (row["gain_low"], row["gain_high"]) = float(np.nanmean(diff)), _interval(diff, rng)
        true = [r["true_psnr_db"] for r in rows if r["method"] == method and "true_psnr_db" in r]
        if true:
            row["true_psnr_db"] = float(np.mean(true))
        out.append(row)
    return out
