"""``lowcount evaluate --truth-free``: run every method on a cohort's or a folder's standard scans, split for
scoring without truth (lowcount.evaluate.truth_free_report), and write the report.

``evaluate_truth_free`` reads the standard scans (a manifest's ``standard`` acquisitions of one split, or
every whole-body DICOM series in a folder, single views such as 16-bit Secondary Captures included; files
lowcount refuses are listed, not fatal), checks each as counts, splits and scores them with every method
(lowcount.evaluate.truth_free_report), and writes ``out/truth_free.html`` with ``tables/truth_free_*.csv``
and ``truth_free.json``. Methods: the count-scaled input itself, the shipped models, any models given, and the
classical filters tuned by cross-fitting: the patients are cut in two halves by key, each filter's parameters
are chosen on one half by the same estimate and used on the other, so no filter is scored on the patients
it was tuned on.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FAMILIES = ("gaussian", "median", "wiener", "tv")


@dataclass(frozen=True)
class StandardScan:
    """One standard scan to score: its patient key (a pseudonym), the file, counts, truth (phantoms only)."""

    key: str
    path: str
    counts: np.ndarray
    truth: np.ndarray | None
    rescaled: bool
    view_names: tuple[str, ...]


def _from_manifest(manifest: Path, split: str, no_truth: bool) -> list[StandardScan]:
    from lowcount.io.dicom import read_wholebody
    from lowcount.io.manifest import by_patient, read_manifest, select_patients
    from lowcount.io.pseudonym import cohort_secret, pseudonym
    from lowcount.io.truth import cohort_has_truth, load_truth

    rows = read_manifest(manifest)
    patients = sorted(by_patient(rows)) if split == "all" else select_patients(rows, split)
    standards = [by_patient(rows)[p]["standard"] for p in patients if "standard" in by_patient(rows)[p]]
    if not standards:
        raise ValueError(f"{manifest}: no standard scan in split {split!r}")
    with_truth = cohort_has_truth(standards, manifest, no_truth)
    secret, _ = cohort_secret(manifest)
    out = []
    for row in standards:
        truth = load_truth(row["truth_path"])[0] if with_truth else None
        scan = read_wholebody(row["dicom_path"])
        key = pseudonym(row["patient_id"], secret)
        out.append(StandardScan(key, row["dicom_path"], scan.views(), truth, scan.rescaled, scan.view_names))
    return out


def _from_folder(folder: Path, unreadable: list[str]) -> list[StandardScan]:
    """Every whole-body series under ``folder``, sorted by patient key; files lowcount refuses (a screenshot,
    another modality) go to ``unreadable`` with the reason."""
    from lowcount.inference.files import group_dicom_series
    from lowcount.io.dicom import DicomInputError, read_wholebody
    from lowcount.io.pseudonym import cohort_secret, pseudonym

    secret, _ = cohort_secret(folder / "manifest.csv")
    files = sorted(p for p in folder.rglob("*.dcm") if p.is_file())
    if not files:
        raise ValueError(f"{folder}: no manifest.csv and no .dcm files; give a cohort or a folder of NM scans")
    out = []
    for group in group_dicom_series(files):
        try:
            scan = read_wholebody(group)
        except DicomInputError as exc:
            unreadable.append(str(exc))
            continue
        key = pseudonym(scan.patient_id or scan.series_uid, secret)
        out.append(StandardScan(key, str(group[0]), scan.views(), None, scan.rescaled, scan.view_names))
    return sorted(out, key=lambda scan: scan.key)  # a patient's separate view series score as one patient


def tuned_filters(studies: list, families: tuple[str, ...], k: float) -> dict[str, Callable]:
    """Each classical filter family with its parameters chosen by the truth-free estimate on the other half
    of the patients (cross-fitting); {label: enhance} where enhance picks the half's parameters by key."""
    from lowcount.classical.enhancer import ClassicalEnhancer
    from lowcount.classical.tuning import ANSCOMBE_CHOICES, GRIDS
    from lowcount.evaluate import truth_free_report as report

    keys = sorted({s.key for s in studies})  # a patient's separate view series share a key and a half
    halves = [set(keys[0::2]), set(keys[1::2])] if len(keys) > 1 else [set(keys), set(keys)]
    out = {}
    for family in families:
        names = sorted(GRIDS[family])
        settings = [
            ClassicalEnhancer(family, dict(zip(names, values, strict=True)), anscombe)
            for anscombe in ANSCOMBE_CHOICES[family]
            for values in itertools.product(*(GRIDS[family][n] for n in names))
        ]
        chosen = []
        for tune_on in halves:
            on = [s for s in studies if s.key in tune_on]
            scores = [np.mean([r["psnr_db"] for r in report.score(on, {"x": on_input(f)}, k)]) for f in settings]
            chosen.append(settings[int(np.nanargmax(scores))])
        by_key = {key: chosen[1] if key in halves[0] else chosen[0] for key in keys}  # the other half's choice
        out[f"{family} (tuned on the other half)"] = lambda study, k, by_key=by_key: by_key[study.key].enhance(
            study.input, k
        )
    return out


def on_input(enhancer) -> Callable:
    """A method of :func:`score` from anything with ``enhance(counts, k)``."""
    return lambda study, k: enhancer.enhance(study.input, k)


def _methods(models: dict, with_shipped: bool = True) -> dict:
    """The raw input, the shipped models (``with_shipped``) and ``models``: {label: weights file, run folder
    or a loaded enhancer (anything with ``enhance(counts, k)``)}."""
    from lowcount import shipped
    from lowcount.inference import Enhancer

    out = {"input x k (raw)": lambda study, k: k * study.input}
    for name in shipped.MODELS if with_shipped else ():
        out[name] = on_input(Enhancer.load(shipped.model_weights(name)))
    for name, model in models.items():
        out[name] = on_input(model if hasattr(model, "enhance") else Enhancer.load(model))
    return out


def evaluate_truth_free(
    source: str | Path,
    out: str | Path,
    k: float = 3.0,
    models: dict[str, Path] | None = None,
    families: tuple[str, ...] = FAMILIES,
    split: str = "test",
    seed: int = 0,
    no_truth: bool = False,
    with_shipped: bool = True,
    fixed_filters: dict | None = None,
) -> list[dict]:
    """Score every method on ``source``'s standard scans without truth; returns the summary rows.
    ``models``: {label: weights, run folder or loaded enhancer}, scored beside the shipped models (unless
    ``with_shipped`` is False) and the classical ``families`` tuned on the other half of the patients.
    ``fixed_filters``: {label: classical enhancer} with settings chosen elsewhere (the shipped cards, tuned
    on another cohort), scored and counted among the filters the gain is measured against."""
    from lowcount.evaluate import truth_free_report as report
    from lowcount.io.counts_check import check_counts_image
    from lowcount.io.manifest import manifest_path

    source = Path(source)
    manifest = manifest_path(source)
    refused: list[str] = []
    scans = _from_manifest(manifest, split, no_truth) if manifest.is_file() else _from_folder(source, refused)
    checks = [check_counts_image(scan.counts, scan.rescaled) for scan in scans]
    refused += [f"{scan.path}: {check.line()}" for scan, check in zip(scans, checks, strict=True) if not check.ok]
    usable = [(s.key, s.counts, s.truth, s.view_names) for s, check in zip(scans, checks, strict=True) if check.ok]
    if not usable:
        raise ValueError(f"{source}: no scan lowcount can score ({'; '.join(refused[:3])})")
    studies = report.split_studies(usable, k, seed)
    fixed = {label: on_input(enhancer) for label, enhancer in (fixed_filters or {}).items()}
    methods = {**_methods(models or {}, with_shipped), **fixed, **tuned_filters(studies, families, k)}
    views = report.score(studies, methods, k)
    patients = report.patient_rows(views)
    classical = [m for m in methods if m.endswith("(tuned on the other half)") or m in fixed]
    summary = report.summary(patients, classical, seed)
    meta = {"source": str(source), "split_k": k, "seed": seed, "patients": len({s.key for s in studies})}
    meta |= {"scans": len(studies), "refused": refused}
    meta["counts_dispersion"] = {
        f"{scan.key} {'/'.join(scan.view_names)}": check.dispersion for scan, check in zip(scans, checks, strict=True)
    }
    _write(Path(out), summary, patients, views, meta)
    return summary


def _write(out: Path, summary: list[dict], patients: list[dict], views: list[dict], meta: dict) -> None:
    import jinja2

    from lowcount.evaluate.page import table
    from lowcount.evaluate.report import write_csv
    from lowcount.io.atomic import atomic_write_text

    (out / "tables").mkdir(parents=True, exist_ok=True)
    for name, rows in (("summary", summary), ("patients", patients), ("views", views)):
        write_csv(out / "tables" / f"truth_free_{name}.csv", rows)
    columns = [("method", "method"), ("patients", "patients"), ("psnr_db", "estimated PSNR (dB)")]
    columns += [("psnr_low", "95 % low"), ("psnr_high", "95 % high"), ("gain_db", "gain over the best filter (dB)")]
    columns += [("gain_low", "95 % low"), ("gain_high", "95 % high")]
    if any("true_psnr_db" in row for row in summary):
        columns.append(("true_psnr_db", "true PSNR (dB, phantom)"))
    environment = jinja2.Environment(loader=jinja2.PackageLoader("lowcount.evaluate", "templates"), autoescape=True)
    context = {"summary": table(summary, columns, 2), "reference": summary[0].get("reference"), "meta": meta}
    page = environment.get_template("truth_free.html").render(**context, metadata=json.dumps(meta, indent=2))
    atomic_write_text(out / "truth_free.html", page)
    atomic_write_text(out / "truth_free.json", json.dumps({"summary": summary, "metadata": meta}, indent=2) + "\n")
