"""The report's HTML page: its tables (which columns, with which titles and digits) and the Jinja2 template
``lowcount/evaluate/templates/report.html`` (package data) that lays them out. Every value is escaped."""

from __future__ import annotations

import json

import numpy as np

OBSERVER_NOTE = (
    "The diagnostic figures come from an automatic background-known-exactly observer (a matched filter that "
    "knows each patient's lesion-free anatomy), the stand-in for physicians' reading until the reader-study "
    "app exists. It cannot tell benign from malignant findings."
)
TABLE1 = [
    ("group", "Group"),
    ("ssim", "SSIM"),
    ("psnr", "PSNR (dB)"),
    ("lpips", "LPIPS"),
    ("rmse", "RMSE"),
    ("fid", "FID"),
]
EXTRA = [("group", "Group"), ("ms_ssim", "MS-SSIM"), ("mae", "MAE"), ("nrmse", "NRMSE")]
FIDELITY = [
    ("group", "Group"),
    ("lesions", "lesions"),
    ("lesion_max_ratio_median", "lesion max / truth (median)"),
    ("lesions_within_5pct", "lesions within 5 %"),
    ("max_bias_pct", "max bias %"),
    ("max_loa_low_pct", "LoA low %"),
    ("max_loa_high_pct", "LoA high %"),
    ("max_r", "Pearson r (max)"),
    ("mean_bias_pct", "mean-count bias %"),
    ("recovery_normal_bone", "recovery bone"),
    ("recovery_soft_tissue", "recovery soft tissue"),
    ("recovery_bladder", "recovery bladder"),
    ("total_counts_ratio", "total counts / truth"),
]
DIAGNOSIS = [
    ("group", "Group"),
    ("auc", "AUC"),
    ("sensitivity", "sensitivity"),
    ("specificity", "specificity"),
    ("accuracy", "accuracy"),
    ("lesions_visible_in_truth", "lesions visible in truth"),
    ("lesions_detected", "detected"),
    ("lesions_lost", "lost"),
    ("false_spots_per_view", "false spots / view"),
    ("invented_hot_spots_per_view", "hot spots above the standard envelope / view"),
    ("created_hot_spots_per_view", "of which not in the input / view"),
]
CHO = [
    ("group", "Group"),
    ("trials", "findings (trials)"),
    ("auc", "AUC"),
    ("auc_low", "95 % low"),
    ("auc_high", "95 % high"),
    ("d_prime", "median d'"),
    ("d_prime_low", "95 % low"),
    ("d_prime_high", "95 % high"),
    ("d_prime_gain", "d' - raw input's"),
    ("d_prime_gain_low", "95 % low"),
    ("d_prime_gain_high", "95 % high"),
    ("d_prime_kept", "d' kept (median of ratios)"),
    ("d_prime_kept_low", "95 % low"),
    ("d_prime_kept_high", "95 % high"),
    ("note", "note"),
]
SEARCH = [
    ("group", "Group"),
    ("findings", "findings"),
    ("afroc_area", "AFROC area"),
    ("afroc_area_low", "95 % low"),
    ("afroc_area_high", "95 % high"),
    ("thresholds", "thresholds (two halves)"),
    ("findings_localised", "findings localised"),
    ("findings_localised_low", "95 % low"),
    ("findings_localised_high", "95 % high"),
    ("false_spots_per_view", "false spots / view"),
    ("false_spots_per_view_low", "95 % low"),
    ("false_spots_per_view_high", "95 % high"),
    ("views_with_false_spot", "views with a false spot"),
]
SEGMENTATION = [
    ("method", "Group"),
    ("views", "views"),
    ("precision", "precision"),
    ("iou", "IoU"),
    ("recall", "recall"),
]
ROIS = [
    ("group", "Group"),
    ("region", "region"),
    ("rois", "ROIs"),
    ("max_ratio_median", "max / standard (median)"),
    ("max_bias_pct", "max bias %"),
    ("max_loa_low_pct", "LoA low %"),
    ("max_loa_high_pct", "LoA high %"),
    ("max_r", "Pearson r (max)"),
    ("mean_ratio_median", "mean / standard (median)"),
    ("mean_bias_pct", "mean bias %"),
]


def fmt(value, digits: int = 3) -> str:
    """A table cell: yes/no, integers as they are, floats to ``digits`` (tiny ones in e-notation), n/a for NaN."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "n/a"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.2e}"
        return f"{value:.{digits}f}"
    return str(value)


def table(rows: list[dict], columns: list[tuple[str, str]], digits: int = 3) -> dict:
    """The template's form of a table: column titles and rows of formatted cells."""
    return {
        "titles": [title for _, title in columns],
        "rows": [[fmt(row.get(key, ""), digits) for key, _ in columns] for row in rows],
    }


def anova_lines(rows: list[dict]) -> list[dict]:
    """The F and P rows under a Table-1 layout table."""
    f_row, p_row = {"group": "F"}, {"group": "P"}
    for r in rows:
        f_row[r["metric"]] = f"{r['F']:.2f}"
        p_row[r["metric"]] = fmt(r["P"], 3) + f" ({r['posthoc']})"
    return [f_row, p_row]


def render_page(quality: dict, anova: dict, sections: dict, meta: dict, threshold, note: str) -> str:
    """The report's index.html."""
    import jinja2

    table1 = TABLE1 + (
        [("fid_inception", "FID (Inception)")] if "fid_inception" in (quality["standard"] or [{}])[0] else []
    )
    references = ("standard", "truth") if sections["with_truth"] else ("standard",)
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("lowcount.evaluate", "templates"), autoescape=True, keep_trailing_newline=True
    )
    context = {
        "patients": meta.get("patients"),
        "feature_network": meta.get("feature_network") or "no feature network: LPIPS and FID n/a",
        "with_truth": sections["with_truth"],
        "quality": {ref: table(quality[ref] + anova_lines(anova[ref]), table1, 4) for ref in references},
        "extra": {ref: table(quality[ref], EXTRA, 4) for ref in references},
        "fidelity": table(sections.get("fidelity", []), FIDELITY),
        "diagnosis": table(sections.get("diagnosis", []), DIAGNOSIS),
        "cho": table(sections.get("detectability", []), CHO),
        "search": table(sections.get("search", []), SEARCH),
        "rois": table(sections["rois"], ROIS) if "rois" in sections else None,
        "segmentation": table(sections["segmentation"], SEGMENTATION, 3) if "segmentation" in sections else None,
        "observer_note": OBSERVER_NOTE,
        "threshold": f"{threshold:.2f}" if threshold is not None else "n/a",
        "threshold_note": note,
        "zoom": "the patient's hottest finding" if sections["with_truth"] else "the patient's first lesion ROI, if any",
        "metadata": json.dumps(meta, indent=2, default=str),
    }
    return environment.get_template("report.html").render(context)
