"""The report's tables, from the scores of every method (lowcount.evaluate.scoring).

Each table is a list of row dicts (CSV-ready) with text cells for display built by the report:

- :func:`quality_table`: the layout of the SE-LiteCycleGAN paper's Table 1 (group, SSIM, PSNR, LPIPS,
  RMSE, FID; mean +/- SD over views; FID over the set) against the standard scan or against the truth,
  with one-way ANOVA F and P per metric across the groups (:func:`anova_rows`);
- :func:`fidelity_table`: lesion maximum/mean counts vs the truth (Bland-Altman bias and 95 % limits of
  agreement in percent of the truth, Pearson r), recovery per region, total counts;
- :func:`roi_table`: per method and region of a user's ROI file, maximum and mean counts vs the standard
  scan (median ratio, Bland-Altman, Pearson r);
- :func:`diagnosis_table`: the lesion observer at a fixed threshold: patient-level AUC, sensitivity,
  specificity, accuracy; lesions detected and lost; false-positive spots per view; invented hot spots.
"""

from __future__ import annotations

import numpy as np

from lowcount.evaluate.stats import anova, mean_sd

TABLE1_METRICS = ("ssim", "psnr", "lpips", "rmse")  # FID is a set-level column


def _values(scores, key: str) -> np.ndarray:
    return np.array([row.get(key, np.nan) for row in scores.views], np.float64)


def quality_table(all_scores: dict, reference: str, fids: dict[str, float] | None = None) -> list[dict]:
    """Rows per method (the methods that have ``reference``-prefixed metrics), metrics as mean and SD."""
    rows = []
    for name, scores in all_scores.items():
        if f"{reference}_psnr" not in scores.views[0]:
            continue
        row = {"group": name}
        for metric in (*TABLE1_METRICS, "ms_ssim", "mae", "nrmse"):
            values = _values(scores, f"{reference}_{metric}")
            finite = values[np.isfinite(values)]
            row[f"{metric}_mean"] = float(finite.mean()) if finite.size else float("nan")
            row[f"{metric}_sd"] = float(finite.std(ddof=1)) if finite.size > 1 else float("nan")
            row[metric] = mean_sd(values, 4 if metric in ("ssim", "ms_ssim", "lpips", "nrmse") else 2)
        row["fid"] = float(fids[name]) if fids and name in fids else float("nan")
        rows.append(row)
    return rows


def anova_rows(all_scores: dict, reference: str, metrics=TABLE1_METRICS) -> list[dict]:
    """One-way ANOVA across the methods of a quality table, per metric (per-view values are the samples)."""
    out = []
    for metric in metrics:
        groups = {}
        for name, scores in all_scores.items():
            values = _values(scores, f"{reference}_{metric}") if f"{reference}_psnr" in scores.views[0] else None
            if values is not None and np.isfinite(values).sum() >= 2:
                groups[name] = values[np.isfinite(values)]
        if len(groups) < 2:
            continue
        result = anova(groups)
        out.append(
            {
                "metric": metric,
                "F": result.f_statistic,
                "P": result.p_value,
                "levene_P": result.levene_p_value,
                "posthoc": result.posthoc_method,
                "pairs": [
                    {"first": p.first, "second": p.second, "mean_difference": p.mean_difference, "P": p.p_value}
                    for p in result.posthoc
                ],
            }
        )
    return out


def bland_altman(values: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Bias and 95 % limits of agreement of (values - reference) in percent of the pair mean, and Pearson r."""
    from scipy.stats import pearsonr

    values, reference = np.asarray(values, np.float64), np.asarray(reference, np.float64)
    if values.size < 3:
        return {"bias_pct": float("nan"), "loa_low_pct": float("nan"), "loa_high_pct": float("nan"), "r": float("nan")}
    diff = 100.0 * (values - reference) / ((values + reference) / 2)
    bias, sd = float(diff.mean()), float(diff.std(ddof=1))
    return {
        "bias_pct": bias,
        "loa_low_pct": bias - 1.96 * sd,
        "loa_high_pct": bias + 1.96 * sd,
        "r": float(pearsonr(values, reference).statistic),
    }


def fidelity_table(all_scores: dict) -> list[dict]:
    rows = []
    for name, scores in all_scores.items():
        lesions = scores.lesions
        row = {"group": name, "lesions": len(lesions)}
        if lesions:
            image_max = np.array([r["max_counts"] for r in lesions])
            truth_max = np.array([r["truth_max_counts"] for r in lesions])
            ratio = image_max / truth_max
            row["lesion_max_ratio_median"] = float(np.median(ratio))
            row["lesions_within_5pct"] = float(np.mean(np.abs(ratio - 1) <= 0.05))
            row.update({f"max_{k}": v for k, v in bland_altman(image_max, truth_max).items()})
            image_mean = np.array([r["mean_counts"] for r in lesions])
            truth_mean = np.array([r["truth_mean_counts"] for r in lesions])
            row.update({f"mean_{k}": v for k, v in bland_altman(image_mean, truth_mean).items()})
        for region in ("normal_bone", "soft_tissue", "bladder"):
            row[f"recovery_{region}"] = float(np.nanmean(_values(scores, f"recovery_{region}")))
        row["total_counts_ratio"] = float(np.mean(_values(scores, "total_counts_ratio")))
        rows.append(row)
    return rows


def roi_table(all_scores: dict) -> list[dict]:
    """Rows per method and ROI region (regions in lowcount.evaluate.rois.REGIONS order), against the standard scan."""
    from lowcount.evaluate.rois import REGIONS

    rows = []
    for name, scores in all_scores.items():
        for region in REGIONS:
            rois = [r for r in scores.rois if r["region"] == region]
            if not rois:
                continue
            image_max = np.array([r["max_counts"] for r in rois])
            standard_max = np.array([r["standard_max_counts"] for r in rois])
            image_mean = np.array([r["mean_counts"] for r in rois])
            standard_mean = np.array([r["standard_mean_counts"] for r in rois])
            row = {"group": name, "region": region, "rois": len(rois)}
            row["max_ratio_median"] = float(np.median(image_max / np.maximum(standard_max, 1e-9)))
            row["mean_ratio_median"] = float(np.median(image_mean / np.maximum(standard_mean, 1e-9)))
            row.update({f"max_{k}": v for k, v in bland_altman(image_max, standard_max).items()})
            row.update({f"mean_{k}": v for k, v in bland_altman(image_mean, standard_mean).items()})
            rows.append(row)
    return rows


def diagnosis_table(all_scores: dict, threshold: float) -> list[dict]:
    from lowcount.evaluate.diagnosis import auc, decisions

    rows = []
    for name, scores in all_scores.items():
        patient_scores = np.array([p["score"] for p in scores.patients])
        malignant = np.array([p["malignant"] for p in scores.patients], bool)
        row = {"group": name, "patients": len(scores.patients), "malignant_patients": int(malignant.sum())}
        both = malignant.any() and not malignant.all()
        row["auc"] = auc(patient_scores, malignant) if both else float("nan")
        row.update(decisions(patient_scores, malignant, threshold))
        lesion_scores = np.array([r["observer_score"] for r in scores.lesions])
        truth_scores = np.array([r["truth_observer_score"] for r in scores.lesions])
        visible = truth_scores >= threshold
        row["lesions_visible_in_truth"] = int(visible.sum())
        row["lesions_detected"] = int(np.sum(visible & (lesion_scores >= threshold)))
        row["lesions_lost"] = int(np.sum(visible & (lesion_scores < threshold)))
        n_views = max(len(scores.views), 1)
        row["false_spots_per_view"] = float(np.sum(np.array(scores.false_positive_scores) >= threshold) / n_views)
        row["invented_hot_spots_per_view"] = float(np.mean(_values(scores, "hot_spots")))
        created = _values(scores, "created_hot_spots")  # NaN for the standard scan, which has no input
        row["created_hot_spots_per_view"] = float(np.mean(created)) if not np.isnan(created).all() else float("nan")
        rows.append(row)
    return rows
