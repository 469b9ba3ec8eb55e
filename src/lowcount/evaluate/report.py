"""The evaluation report: every method scored against the standard scan and the truth, as one HTML page.

``write_report`` takes the studies (with truth), the images of each method and an optional feature
network, and writes into ``out_dir``:

- ``index.html``: self-contained page (figures are PNG files beside it, no network access);
- ``tables/*.csv``: every table, plus per-view, per-lesion and per-patient scores;
- ``figures/*.png``: Bland-Altman and correlation plots of lesion counts, ROC curves, the case figure;
- ``report.json``: the headline numbers and the run metadata.

The lesion observer's threshold should be fixed beforehand (on the validation split's standard scans with
lowcount.evaluate.scoring.standard_threshold, as ``lowcount evaluate`` and ``lowcount demo`` do); when it is
not given, it is chosen the same way on the evaluated standard scans and the report says so.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import numpy as np

from lowcount.evaluate.diagnosis import ObserverConfig

OBSERVER_NOTE = (
    "The diagnostic figures come from an automatic background-known-exactly observer (a matched filter that "
    "knows each patient's lesion-free anatomy), the stand-in for physicians' reading until the reader-study "
    "app exists. It cannot tell benign from malignant findings."
)


def _fmt(value, digits: int = 3) -> str:
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


def _html_table(rows: list[dict], columns: list[tuple[str, str]], digits: int = 3) -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(row.get(key, ''), digits))}</td>" for key, _ in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _write_csv(path: Path, rows: list[dict]) -> Path:
    from lowcount.io.atomic import atomic_write_text

    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys and not isinstance(row[k], list | dict)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())
    return path


def _fids(all_scores: dict, images: dict, studies: list, network, reference: str) -> dict[str, float]:
    from lowcount.evaluate.features import fid

    if network is None:
        return {}
    if reference == "standard":
        target = [s.standard_counts[v] for s in studies for v in range(s.standard_counts.shape[0])]
    else:
        target = [s.fast_truth[v] for s in studies for v in range(s.fast_truth.shape[0])]
    out = {}
    for name in all_scores:
        if reference == "standard" and f"{reference}_psnr" not in all_scores[name].views[0]:
            continue
        views = [images[name][0][s.key][v] for s in studies for v in range(images[name][0][s.key].shape[0])]
        out[name] = fid(views, target, network)
    return out


def write_report(
    studies: list,
    methods: dict[str, tuple[dict[str, np.ndarray], str]],
    out_dir: str | Path,
    network=None,
    threshold: float | None = None,
    threshold_note: str = "",
    metadata: dict | None = None,
    observer: ObserverConfig = ObserverConfig(),
    case_patients: int = 2,
    inception=None,
) -> dict:
    """Score every method and write the report; returns the headline numbers.

    Args:
        studies: test studies with truth (lowcount.evaluate.studies.load_studies).
        methods: {name: (images by study key, kind)}, kind ``fast`` or ``standard`` (see scoring).
        network: a lowcount.evaluate.features.FeatureNetwork for LPIPS and FID, or None (columns n/a).
        threshold: the observer's operating threshold; None chooses it on these standard scans (flagged).
        threshold_note: where the threshold came from, for the report.
        metadata: configs, versions and data description, shown and saved.
        inception: a FeatureNetwork of kind ``inception`` for an extra, standard FID column, or None.
    """
    from lowcount.evaluate import figures, tables
    from lowcount.evaluate.scoring import score_method
    from lowcount.io.atomic import atomic_write_text

    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    from lowcount.evaluate.scoring import MethodScores, ReferenceCache

    all_scores = {name: MethodScores(name) for name in methods}
    for study in studies:  # study by study, so the reference-side cache holds one patient at a time
        cache = ReferenceCache()
        for name, (images, kind) in methods.items():
            part = score_method(name, images, [study], kind, network, observer, cache)
            for field in ("views", "lesions", "patients", "false_positive_scores"):
                getattr(all_scores[name], field).extend(getattr(part, field))
    if threshold is None:
        from lowcount.evaluate.scoring import standard_threshold

        threshold = standard_threshold(studies, observer=observer)
        threshold_note = "chosen on the evaluated standard scans (0.1 false spots per view): optimistic for them"

    quality_std = tables.quality_table(all_scores, "standard", _fids(all_scores, methods, studies, network, "standard"))
    quality_truth = tables.quality_table(all_scores, "truth", _fids(all_scores, methods, studies, network, "truth"))
    if inception is not None:
        for rows, reference in ((quality_std, "standard"), (quality_truth, "truth")):
            fids = _fids(all_scores, methods, studies, inception, reference)
            for row in rows:
                row["fid_inception"] = fids.get(row["group"], float("nan"))
    anova_std = tables.anova_rows({n: s for n, s in all_scores.items() if methods[n][1] == "fast"}, "standard")
    anova_truth = tables.anova_rows(all_scores, "truth")
    fidelity = tables.fidelity_table(all_scores)
    diagnosis = tables.diagnosis_table(all_scores, threshold)

    _write_csv(out / "tables" / "quality_vs_standard.csv", quality_std)
    _write_csv(out / "tables" / "quality_vs_truth.csv", quality_truth)
    for name, rows in (("anova_vs_standard", anova_std), ("anova_vs_truth", anova_truth)):
        _write_csv(out / "tables" / f"{name}.csv", rows)
        pairs = [{"metric": r["metric"], "posthoc": r["posthoc"], **p} for r in rows for p in r["pairs"]]
        _write_csv(out / "tables" / f"{name}_pairs.csv", pairs)
    _write_csv(out / "tables" / "count_fidelity.csv", fidelity)
    _write_csv(out / "tables" / "diagnosis.csv", diagnosis)
    _write_csv(out / "tables" / "views.csv", [r for s in all_scores.values() for r in s.views])
    _write_csv(out / "tables" / "lesions.csv", [r for s in all_scores.values() for r in s.lesions])
    _write_csv(out / "tables" / "patients.csv", [r for s in all_scores.values() for r in s.patients])

    figures.bland_altman_figure(all_scores, out / "figures" / "bland_altman.png")
    figures.correlation_figure(all_scores, out / "figures" / "correlation.png")
    figures.roc_figure(all_scores, out / "figures" / "roc.png")
    with_lesions = sorted(studies, key=lambda s: -int((s.fast_labels > 0).sum()))[:case_patients]
    columns = {name: images for name, (images, _) in methods.items()}
    figures.case_figure(with_lesions, columns, out / "figures" / "cases.png")

    headline = {
        name: {
            "psnr_vs_truth_db": float(np.mean([r["truth_psnr"] for r in s.views])),
            "ssim_vs_truth": float(np.mean([r["truth_ssim"] for r in s.views])),
            "psnr_vs_standard_db": float(np.mean([r["standard_psnr"] for r in s.views]))
            if "standard_psnr" in s.views[0]
            else None,
            "ssim_vs_standard": float(np.mean([r["standard_ssim"] for r in s.views]))
            if "standard_ssim" in s.views[0]
            else None,
            "lesion_max_ratio_median": next(f.get("lesion_max_ratio_median") for f in fidelity if f["group"] == name),
            "lesion_max_bias_pct": next(f.get("max_bias_pct") for f in fidelity if f["group"] == name),
            "auc": next(d["auc"] for d in diagnosis if d["group"] == name),
            "lesions_lost": next(d["lesions_lost"] for d in diagnosis if d["group"] == name),
            "false_spots_per_view": next(d["false_spots_per_view"] for d in diagnosis if d["group"] == name),
        }
        for name, s in all_scores.items()
    }
    meta = {
        **(metadata or {}),
        "patients": len(studies),
        "observer": {"threshold": threshold, "threshold_note": threshold_note, **vars(observer)},
        "feature_network": getattr(network, "kind", None),
        "inception_fid": inception is not None,
    }
    atomic_write_text(out / "report.json", json.dumps({"headline": headline, "metadata": meta}, indent=2, default=str))
    atomic_write_text(
        out / "index.html",
        _page(quality_std, quality_truth, anova_std, anova_truth, fidelity, diagnosis, meta, threshold, threshold_note),
    )
    return headline


def _anova_line(rows: list[dict]) -> list[dict]:
    """The F and P rows under a Table-1 layout table."""
    f_row, p_row = {"group": "F"}, {"group": "P"}
    for r in rows:
        f_row[r["metric"]] = f"{r['F']:.2f}"
        p_row[r["metric"]] = _fmt(r["P"], 3) + f" ({r['posthoc']})"
    return [f_row, p_row]


def _page(quality_std, quality_truth, anova_std, anova_truth, fidelity, diagnosis, meta, threshold, note) -> str:
    table1 = [("group", "Group"), ("ssim", "SSIM"), ("psnr", "PSNR (dB)"), ("lpips", "LPIPS"), ("rmse", "RMSE"),
              ("fid", "FID")]  # fmt: skip
    if "fid_inception" in (quality_std + quality_truth or [{}])[0]:
        table1.append(("fid_inception", "FID (Inception)"))
    extra = [("group", "Group"), ("ms_ssim", "MS-SSIM"), ("mae", "MAE"), ("nrmse", "NRMSE")]
    fidelity_cols = [
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
    diagnosis_cols = [
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
    ]
    meta_text = html.escape(json.dumps(meta, indent=2, default=str))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lowcount evaluation report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1200px; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 7px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
img {{ max-width: 100%; }}
.note {{ color: #555; font-size: 0.9em; }}
</style></head><body>
<h1>lowcount evaluation report</h1>
<p class="note">{meta.get("patients")} test patients (both views). Metrics in the body without the bladder, data
range = the reference's maximum there; mean &plusmn; SD over views; FID over the set of views
({html.escape(str(meta.get("feature_network") or "no feature network: LPIPS and FID n/a"))} features, 64-pixel
tiles: comparable within lowcount reports only). F and P: one-way ANOVA across the groups (post-hoc test chosen
by Levene's test; pairwise results in tables/anova_*_pairs.csv).</p>
<h2>Against the standard scan (the papers' comparison)</h2>
{_html_table(quality_std + _anova_line(anova_std), table1, 4)}
{_html_table(quality_std, extra, 4)}
<h2>Against the noiseless truth</h2>
<p class="note">Images made from the fast scan are compared with the fast acquisition's truth times k; the
standard scan with its own truth.</p>
{_html_table(quality_truth + _anova_line(anova_truth), table1, 4)}
{_html_table(quality_truth, extra, 4)}
<h2>Count fidelity</h2>
<p class="note">Per finding, maximum and mean counts in the image vs the truth; Bland-Altman differences in percent
of the pair mean (bias and 95 % limits of agreement).</p>
{_html_table(fidelity, fidelity_cols, 3)}
<img src="figures/bland_altman.png" alt="Bland-Altman plots of lesion maximum counts">
<img src="figures/correlation.png" alt="Lesion maximum counts vs truth">
<h2>Diagnostic performance (automatic observer)</h2>
<p class="note">{html.escape(OBSERVER_NOTE)} Threshold {threshold:.2f} ({html.escape(note)}). A lesion is lost
when the truth's score reaches the threshold and the image's does not; false spots are candidates at or above the
threshold away from every finding.</p>
{_html_table(diagnosis, diagnosis_cols, 3)}
<img src="figures/roc.png" alt="ROC curves">
<h2>Cases</h2>
<p class="note">Anterior views; below each, the zoomed region of the patient's hottest finding (red box).</p>
<img src="figures/cases.png" alt="Case figure">
<h2>Run metadata</h2>
<pre>{meta_text}</pre>
</body></html>
"""
