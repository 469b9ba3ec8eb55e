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
    rois: dict | None = None,
) -> dict:
    """Score every method and write the report; returns the headline numbers.

    Args:
        studies: test studies (lowcount.evaluate.studies.load_studies); with truth (phantom cohorts) the report
            adds the comparison with the truth, count fidelity per finding and the lesion observer.
        methods: {name: (images by study key, kind)}, kind ``fast`` or ``standard`` (see scoring); without
            truth only ``fast`` methods, and the standard scan is the reference.
        network: a lowcount.evaluate.features.FeatureNetwork for LPIPS and FID, or None (columns n/a).
        threshold: the observer's operating threshold; None chooses it on these standard scans (flagged).
        threshold_note: where the threshold came from, for the report.
        metadata: configs, versions and data description, shown and saved.
        inception: a FeatureNetwork of kind ``inception`` for an extra, standard FID column, or None.
        rois: {study key: [Roi]} from a user's ROI file (lowcount.evaluate.rois.load_rois), or None.
    """
    from lowcount.evaluate import figures, tables
    from lowcount.evaluate.scoring import MethodScores, ReferenceCache, score_method
    from lowcount.io.atomic import atomic_write_text

    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    with_truth = all(s.has_truth for s in studies)
    if not with_truth and any(kind == "standard" for _, kind in methods.values()):
        raise ValueError("without truth the standard scan is the reference; pass only methods made from the fast scan")

    all_scores = {name: MethodScores(name) for name in methods}
    for study in studies:  # study by study, so the reference-side cache holds one patient at a time
        cache = ReferenceCache()
        for name, (images, kind) in methods.items():
            part = score_method(name, images, [study], kind, network, observer, cache, rois)
            for field in ("views", "lesions", "patients", "false_positive_scores", "rois"):
                getattr(all_scores[name], field).extend(getattr(part, field))
    if with_truth and threshold is None:
        from lowcount.evaluate.scoring import standard_threshold

        threshold = standard_threshold(studies, observer=observer)
        threshold_note = "chosen on the evaluated standard scans (0.1 false spots per view): optimistic for them"

    sections = {"with_truth": with_truth}
    references = ("standard", "truth") if with_truth else ("standard",)
    quality = {
        ref: tables.quality_table(all_scores, ref, _fids(all_scores, methods, studies, network, ref))
        for ref in references
    }
    if inception is not None:
        for reference, rows in quality.items():
            fids = _fids(all_scores, methods, studies, inception, reference)
            for row in rows:
                row["fid_inception"] = fids.get(row["group"], float("nan"))
    anova = {
        "standard": tables.anova_rows({n: s for n, s in all_scores.items() if methods[n][1] == "fast"}, "standard")
    }
    if with_truth:
        anova["truth"] = tables.anova_rows(all_scores, "truth")
    for reference, rows in quality.items():
        _write_csv(out / "tables" / f"quality_vs_{reference}.csv", rows)
        _write_csv(out / "tables" / f"anova_vs_{reference}.csv", anova[reference])
        pairs = [{"metric": r["metric"], "posthoc": r["posthoc"], **p} for r in anova[reference] for p in r["pairs"]]
        _write_csv(out / "tables" / f"anova_vs_{reference}_pairs.csv", pairs)
    _write_csv(out / "tables" / "views.csv", [r for s in all_scores.values() for r in s.views])
    if with_truth:
        sections["fidelity"] = tables.fidelity_table(all_scores)
        sections["diagnosis"] = tables.diagnosis_table(all_scores, threshold)
        _write_csv(out / "tables" / "count_fidelity.csv", sections["fidelity"])
        _write_csv(out / "tables" / "diagnosis.csv", sections["diagnosis"])
        _write_csv(out / "tables" / "lesions.csv", [r for s in all_scores.values() for r in s.lesions])
        _write_csv(out / "tables" / "patients.csv", [r for s in all_scores.values() for r in s.patients])
        figures.bland_altman_figure(all_scores, out / "figures" / "bland_altman.png")
        figures.correlation_figure(all_scores, out / "figures" / "correlation.png")
        figures.roc_figure(all_scores, out / "figures" / "roc.png")
    if any(s.rois for s in all_scores.values()):
        sections["rois"] = tables.roi_table(all_scores)
        _write_csv(out / "tables" / "roi_counts.csv", sections["rois"])
        _write_csv(out / "tables" / "rois.csv", [r for s in all_scores.values() for r in s.rois])
        figures.bland_altman_figure(all_scores, out / "figures" / "bland_altman_rois.png", "standard")
        figures.correlation_figure(all_scores, out / "figures" / "correlation_rois.png", "standard")

    columns = {name: images for name, (images, _) in methods.items()}
    if with_truth:
        cases = sorted(studies, key=lambda s: -int((s.fast_labels > 0).sum()))[:case_patients]
    else:
        columns["standard"] = {s.key: s.standard_counts for s in studies}
        cases = sorted(studies, key=lambda s: -len((rois or {}).get(s.key, ())))[:case_patients]
    figures.case_figure(cases, columns, out / "figures" / "cases.png", rois=rois)

    headline = {name: _headline(name, s, sections) for name, s in all_scores.items()}
    meta = {
        **(metadata or {}),
        "patients": len(studies),
        "truth": "phantom truth" if with_truth else "none (real scans): scored against the standard scan only",
        "observer": {"threshold": threshold, "threshold_note": threshold_note, **vars(observer)}
        if with_truth
        else None,
        "feature_network": getattr(network, "kind", None),
        "inception_fid": inception is not None,
        "roi_file": bool(rois),
    }
    atomic_write_text(out / "report.json", json.dumps({"headline": headline, "metadata": meta}, indent=2, default=str))
    atomic_write_text(out / "index.html", _page(quality, anova, sections, meta, threshold, threshold_note))
    return headline


def _mean_of(scores, key: str) -> float | None:
    return float(np.mean([r[key] for r in scores.views])) if key in scores.views[0] else None


def _headline(name: str, scores, sections: dict) -> dict:
    row = {
        "psnr_vs_truth_db": _mean_of(scores, "truth_psnr"),
        "ssim_vs_truth": _mean_of(scores, "truth_ssim"),
        "psnr_vs_standard_db": _mean_of(scores, "standard_psnr"),
        "ssim_vs_standard": _mean_of(scores, "standard_ssim"),
    }
    if sections["with_truth"]:
        fidelity = next(f for f in sections["fidelity"] if f["group"] == name)
        diagnosis = next(d for d in sections["diagnosis"] if d["group"] == name)
        row.update(
            lesion_max_ratio_median=fidelity.get("lesion_max_ratio_median"),
            lesion_max_bias_pct=fidelity.get("max_bias_pct"),
            auc=diagnosis["auc"],
            lesions_lost=diagnosis["lesions_lost"],
            false_spots_per_view=diagnosis["false_spots_per_view"],
        )
    lesion_rois = [r for r in sections.get("rois", ()) if r["group"] == name and r["region"] == "lesion"]
    if lesion_rois:
        row["roi_lesion_max_ratio_median"] = lesion_rois[0]["max_ratio_median"]
    return row


def _anova_line(rows: list[dict]) -> list[dict]:
    """The F and P rows under a Table-1 layout table."""
    f_row, p_row = {"group": "F"}, {"group": "P"}
    for r in rows:
        f_row[r["metric"]] = f"{r['F']:.2f}"
        p_row[r["metric"]] = _fmt(r["P"], 3) + f" ({r['posthoc']})"
    return [f_row, p_row]


def _page(quality: dict, anova: dict, sections: dict, meta: dict, threshold, note: str) -> str:
    table1 = [("group", "Group"), ("ssim", "SSIM"), ("psnr", "PSNR (dB)"), ("lpips", "LPIPS"), ("rmse", "RMSE"),
              ("fid", "FID")]  # fmt: skip
    if "fid_inception" in (quality["standard"] or [{}])[0]:
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
        ("created_hot_spots_per_view", "of which not in the input / view"),
    ]
    roi_cols = [
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
    parts = [
        "<h2>Against the standard scan (the papers' comparison)</h2>",
        _html_table(quality["standard"] + _anova_line(anova["standard"]), table1, 4),
        _html_table(quality["standard"], extra, 4),
    ]
    if sections["with_truth"]:
        parts += [
            "<h2>Against the noiseless truth</h2>",
            '<p class="note">Images made from the fast scan are compared with the fast acquisition\'s truth times k; '
            "the standard scan with its own truth.</p>",
            _html_table(quality["truth"] + _anova_line(anova["truth"]), table1, 4),
            _html_table(quality["truth"], extra, 4),
            "<h2>Count fidelity</h2>",
            '<p class="note">Per finding, maximum and mean counts in the image vs the truth; Bland-Altman differences '
            "in percent of the pair mean (bias and 95 % limits of agreement).</p>",
            _html_table(sections["fidelity"], fidelity_cols, 3),
            '<img src="figures/bland_altman.png" alt="Bland-Altman plots of lesion maximum counts">',
            '<img src="figures/correlation.png" alt="Lesion maximum counts vs truth">',
        ]
    else:
        parts.append(
            '<p class="note">These scans have no truth (real acquisitions): the comparison with the noiseless truth, '
            "count fidelity per known finding, invented hot spots and the lesion observer need a phantom cohort "
            "(lowcount simulate). Counts in regions of interest are compared with the standard scan below when an "
            "ROI file is given.</p>"
        )
    if "rois" in sections:
        parts += [
            "<h2>Counts in the regions of interest (ROI file)</h2>",
            '<p class="note">Per ROI, maximum and mean counts in the image vs the standard scan, the circle moved by '
            "the global shift between the fast and standard scans of each view; Bland-Altman in percent of the pair "
            "mean. The standard scan is itself noisy and was acquired at another time, so these ratios include its "
            "noise and any redistribution of the tracer (tables/rois.csv has every ROI).</p>",
            _html_table(sections["rois"], roi_cols, 3),
            '<img src="figures/bland_altman_rois.png" alt="Bland-Altman plots of lesion ROI maximum counts">',
            '<img src="figures/correlation_rois.png" alt="Lesion ROI maximum counts vs the standard scan">',
        ]
    if sections["with_truth"]:
        parts += [
            "<h2>Diagnostic performance (automatic observer)</h2>",
            f'<p class="note">{html.escape(OBSERVER_NOTE)} Threshold {threshold:.2f} ({html.escape(note)}). A lesion '
            "is lost when the truth's score reaches the threshold and the image's does not; false spots are "
            "candidates at or above the threshold away from every finding.</p>",
            _html_table(sections["diagnosis"], diagnosis_cols, 3),
            '<img src="figures/roc.png" alt="ROC curves">',
        ]
    zoom = "the patient's hottest finding" if sections["with_truth"] else "the patient's first lesion ROI, if any"
    parts += [
        "<h2>Cases</h2>",
        f'<p class="note">Anterior views; below each, the zoomed region of {zoom} (red box).</p>',
        '<img src="figures/cases.png" alt="Case figure">',
        "<h2>Run metadata</h2>",
        f"<pre>{html.escape(json.dumps(meta, indent=2, default=str))}</pre>",
    ]
    body = "\n".join(parts)
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
{body}
</body></html>
"""
