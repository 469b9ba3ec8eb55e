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
import io
import json
from pathlib import Path

import numpy as np

from lowcount.evaluate.diagnosis import ObserverConfig
from lowcount.evaluate.method import Method


def write_csv(path: Path, rows: list[dict]) -> Path:
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


def _fids(all_scores: dict, methods: dict, studies: list, network, reference: str) -> dict[str, float]:
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
        views = [methods[name].images[s.key][v] for s in studies for v in range(methods[name].images[s.key].shape[0])]
        out[name] = fid(views, target, network)
    return out


def _score_all(studies: list, methods: dict, network, observer: ObserverConfig, rois: dict | None) -> dict:
    """{name: MethodScores}, study by study, so the reference-side cache holds one patient at a time."""
    from lowcount.evaluate.scoring import MethodScores, ReferenceCache, score_method

    all_scores = {name: MethodScores(name) for name in methods}
    for study in studies:
        cache = ReferenceCache(network, observer)
        for name, method in methods.items():
            part = score_method(name, method.images, [study], method.kind, network, observer, cache, rois)
            for field in ("views", "lesions", "patients", "false_positive_scores", "rois"):
                getattr(all_scores[name], field).extend(getattr(part, field))
    return all_scores


def _quality(all_scores: dict, methods: dict, studies: list, network, inception, with_truth: bool):
    """Table-1 rows per reference (with FID columns) and their one-way ANOVA rows."""
    from lowcount.evaluate import tables

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
    made_from_fast = {n: s for n, s in all_scores.items() if methods[n].kind == "fast"}
    anova = {"standard": tables.anova_rows(made_from_fast, "standard")}
    if with_truth:
        anova["truth"] = tables.anova_rows(all_scores, "truth")
    return quality, anova


def _write_tables(out: Path, quality: dict, anova: dict, all_scores: dict, sections: dict) -> None:
    for reference, rows in quality.items():
        write_csv(out / f"quality_vs_{reference}.csv", rows)
        write_csv(out / f"anova_vs_{reference}.csv", anova[reference])
        pairs = [{"metric": r["metric"], "posthoc": r["posthoc"], **p} for r in anova[reference] for p in r["pairs"]]
        write_csv(out / f"anova_vs_{reference}_pairs.csv", pairs)
    write_csv(out / "views.csv", [r for s in all_scores.values() for r in s.views])
    if sections["with_truth"]:
        write_csv(out / "count_fidelity.csv", sections["fidelity"])
        write_csv(out / "diagnosis.csv", sections["diagnosis"])
        write_csv(out / "detectability_cho.csv", sections["detectability"])
        write_csv(out / "search_afroc.csv", sections["search"])
        write_csv(out / "lesions.csv", [r for s in all_scores.values() for r in s.lesions])
        write_csv(out / "patients.csv", [r for s in all_scores.values() for r in s.patients])
    if "segmentation" in sections:
        write_csv(out / "segmentation.csv", sections["segmentation"])
    if "rois" in sections:
        write_csv(out / "roi_counts.csv", sections["rois"])
        write_csv(out / "rois.csv", [r for s in all_scores.values() for r in s.rois])


def _write_figures(out: Path, all_scores: dict, sections: dict, studies: list, methods: dict, rois, cases: int):
    from lowcount.evaluate import figures

    if sections["with_truth"]:
        figures.bland_altman_figure(all_scores, out / "bland_altman.png")
        figures.correlation_figure(all_scores, out / "correlation.png")
        figures.roc_figure(all_scores, out / "roc.png")
    if "rois" in sections:
        figures.bland_altman_figure(all_scores, out / "bland_altman_rois.png", "standard")
        figures.correlation_figure(all_scores, out / "correlation_rois.png", "standard")
    columns = {name: method.images for name, method in methods.items()}
    if sections["with_truth"]:
        chosen = sorted(studies, key=lambda s: -int((s.fast_labels > 0).sum()))[:cases]
    else:
        columns["standard"] = {s.key: s.standard_counts for s in studies}
        chosen = sorted(studies, key=lambda s: -len((rois or {}).get(s.key, ())))[:cases]
    figures.case_figure(chosen, columns, out / "cases.png", rois=rois)


def _sections(studies: list, methods: dict, all_scores: dict, threshold, with_truth: bool, segmenter) -> dict:
    """The report's tables beyond image quality: count fidelity, diagnosis, observers, ROIs, segmentation."""
    from lowcount.evaluate import tables

    sections: dict = {"with_truth": with_truth}
    if with_truth:
        from lowcount.evaluate.detectability import detectability_rows
        from lowcount.evaluate.search import search_rows

        sections["fidelity"] = tables.fidelity_table(all_scores)
        sections["diagnosis"] = tables.diagnosis_table(all_scores, threshold)
        sections["detectability"] = detectability_rows(studies, methods)
        sections["search"] = search_rows(all_scores)
    if any(s.rois for s in all_scores.values()):
        sections["rois"] = tables.roi_table(all_scores)
    if segmenter is not None:
        from lowcount.evaluate.segmentation import segmentation_rows

        sections["segmentation"] = segmentation_rows(segmenter, methods, studies)
    return sections


def write_report(
    studies: list,
    methods: dict[str, Method],
    out_dir: str | Path,
    network=None,
    threshold: float | None = None,
    threshold_note: str = "",
    metadata: dict | None = None,
    observer: ObserverConfig = ObserverConfig(),
    case_patients: int = 2,
    inception=None,
    rois: dict | None = None,
    segmenter=None,
) -> dict:
    """Score every method and write the report; returns the headline numbers.

    Args:
        studies: test studies (lowcount.evaluate.studies.load_studies); with truth (phantom cohorts) the report
            adds the comparison with the truth, count fidelity per finding and the observers: the thresholded
            patient-level one, the channelized Hotelling observer (methods with twin images) and the search
            observer's AFROC analysis.
        methods: {name: lowcount.evaluate.method.Method}; without truth only ``fast`` methods, and the
            standard scan is the reference.
        network: a lowcount.evaluate.features.FeatureNetwork for LPIPS and FID, or None (columns n/a).
        threshold: the observer's operating threshold; None chooses it on these standard scans (flagged).
        threshold_note: where the threshold came from, for the report.
        metadata: configs, versions and data description, shown and saved.
        inception: a FeatureNetwork of kind ``inception`` for an extra, standard FID column, or None.
        rois: {study key: [Roi]} from a user's ROI file (lowcount.evaluate.rois.load_rois), or None.
        segmenter: a trained lesion segmenter (lowcount.models.lesion_unet, on the CPU) to score every method's
            images by lesion segmentation (lowcount.evaluate.segmentation; phantom cohorts), or None.
    """
    from lowcount.evaluate.page import render_page
    from lowcount.evaluate.scoring import standard_threshold
    from lowcount.io.atomic import atomic_write_text

    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    with_truth = all(s.has_truth for s in studies)
    if not with_truth and any(method.kind == "standard" for method in methods.values()):
        raise ValueError("without truth the standard scan is the reference; pass only methods made from the fast scan")
    if segmenter is not None and not with_truth:  # before the scoring, which takes minutes
        raise ValueError("lesion segmentation is scored against the phantom's lesion masks: give a simulated cohort")
    all_scores = _score_all(studies, methods, network, observer, rois)
    if with_truth and threshold is None:
        threshold = standard_threshold(studies, observer=observer)
        threshold_note = "chosen on the evaluated standard scans (0.1 false spots per view): optimistic for them"
    quality, anova = _quality(all_scores, methods, studies, network, inception, with_truth)
    sections = _sections(studies, methods, all_scores, threshold, with_truth, segmenter)
    _write_tables(out / "tables", quality, anova, all_scores, sections)
    _write_figures(out / "figures", all_scores, sections, studies, methods, rois, case_patients)

    headline = {name: _headline(name, s, sections) for name, s in all_scores.items()}
    observed = {"threshold": threshold, "threshold_note": threshold_note, **vars(observer)}
    meta = {
        **(metadata or {}),
        "patients": len(studies),
        "truth": "phantom truth" if with_truth else "none (real scans): scored against the standard scan only",
        "observer": observed if with_truth else None,
        "feature_network": getattr(network, "kind", None),
        "inception_fid": inception is not None,
        "roi_file": bool(rois),
        "methods": {name: method.card for name, method in methods.items()},
    }
    atomic_write_text(out / "report.json", json.dumps({"headline": headline, "metadata": meta}, indent=2, default=str))
    atomic_write_text(out / "index.html", render_page(quality, anova, sections, meta, threshold, threshold_note))
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
        cho = next(d for d in sections["detectability"] if d["group"] == name)
        search = next(d for d in sections["search"] if d["group"] == name)
        row.update(
            cho_auc=cho.get("auc"),
            cho_d_prime=cho.get("d_prime"),
            cho_d_prime_kept=cho.get("d_prime_kept"),
            afroc_area=search["afroc_area"],
            findings_localised=search["findings_localised"],
            lesion_max_ratio_median=fidelity.get("lesion_max_ratio_median"),
            lesion_max_bias_pct=fidelity.get("max_bias_pct"),
            auc=diagnosis["auc"],
            lesions_lost=diagnosis["lesions_lost"],
            false_spots_per_view=diagnosis["false_spots_per_view"],
            created_hot_spots_per_view=diagnosis["created_hot_spots_per_view"],
        )
    lesion_rois = [r for r in sections.get("rois", ()) if r["group"] == name and r["region"] == "lesion"]
    if lesion_rois:
        row["roi_lesion_max_ratio_median"] = lesion_rois[0]["max_ratio_median"]
    for segmented in (r for r in sections.get("segmentation", ()) if r["method"] == name):
        row.update({f"segmentation_{key}": segmented[key] for key in ("precision", "iou", "recall")})
    return row
