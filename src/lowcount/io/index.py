"""A manifest for a folder of real whole-body DICOM files, so every lowcount command runs on a site's own data.

``index_folder`` reads every NM whole-body object under a folder and groups them by patient. Within a
patient, the slowest acquisition (lowest Scan Velocity (0018,1300), or, without it, the longest Actual
Frame Duration (0018,1242)) is the ``standard`` scan; every other acquisition is a fast scan with speed
factor k = its velocity / the standard's (or the standard's duration / its own) and is named ``fast<k>x``
with k rounded to one decimal (``fast3x``, ``fast2.5x``). Acquisitions within 5 % of the standard's speed
are repeats and are reported, not indexed. Each acquisition must be one file holding both views (the
multi-frame object cameras export); a series stored as separate view files, or a single view (a Secondary
Capture of one view), is reported and skipped: ``lowcount enhance`` and ``evaluate --truth-free`` take those.

Real data has no truth: ``truth_path`` and the phantom-only columns (expected counts, simulated motion,
start time) are left empty or NaN. Splits: ``test`` for every patient (evaluation only) or ``auto``
(patient-level train/val/test 8:1:1 and five folds, seeded), for training on the site's data.

Nothing identifying goes to the log: problems are reported by file path and series UID.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPEAT_TOLERANCE = 0.05
MAX_SPEED_FACTOR = 20.0  # a whole-body scan 20 times faster than standard has a few hundred counts a view
SPLIT_MODES = ("test", "auto")
BASIS_FIELDS = {"velocity": "Scan Velocity (0018,1300)", "duration": "Actual Frame Duration (0018,1242)"}


@dataclass
class IndexResult:
    """What ``index_folder`` found: manifest rows plus what it skipped and why (no patient identifiers)."""

    rows: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    patients: int = 0


def acquisition_name(k: float) -> str:
    """``standard`` for k = 1, else ``fast<k>x`` with k to one decimal (3 -> ``fast3x``, 2.5 -> ``fast2.5x``)."""
    if abs(k - 1.0) <= REPEAT_TOLERANCE:
        return "standard"
    return f"fast{round(k, 1):g}x"


def _speed(scan, basis: str) -> float | None:
    """The scan's speed by ``basis`` (``velocity``: cm/min; ``duration``: 1 / frame duration), None if unset."""
    value = scan.scan_velocity_cm_min if basis == "velocity" else scan.frame_duration_ms
    if not value or value <= 0:
        return None
    return float(value) if basis == "velocity" else 1.0 / float(value)


def _candidate_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _nm_series(folder: Path) -> dict[str, list[Path]]:
    """The NM files under ``folder``, by Series Instance UID (other files are passed over silently)."""
    import pydicom

    by_series: dict[str, list[Path]] = defaultdict(list)
    for path in _candidate_files(folder):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:  # not DICOM: README files, thumbnails, DICOMDIR payloads...
            continue
        if ds.get("Modality") != "NM" or "SeriesInstanceUID" not in ds:
            continue
        by_series[str(ds.SeriesInstanceUID)].append(path)
    return by_series


def _patient_rows(pid: str, scans: list, base: Path, skipped: list[str]) -> list[dict]:
    """Manifest rows of one patient's acquisitions: the slowest is the standard; repeats are skipped."""
    # Compare like with like: the timing field most of the patient's scans carry (velocity on a tie).
    basis = max(("velocity", "duration"), key=lambda b: sum(_speed(scan, b) is not None for scan, _ in scans))
    usable = []
    for scan, path in scans:
        if _speed(scan, basis) is None:
            skipped.append(
                f"{path} (series {scan.series_uid}): {BASIS_FIELDS[basis]} is empty while the patient's other "
                "scans have it, so its speed factor is unknown; export the acquisition with its timing"
            )
        else:
            usable.append((scan, path, _speed(scan, basis)))
    if not usable:
        return []
    slowest = min(s for _, _, s in usable)
    rows, names = [], set()
    for scan, path, s in sorted(usable, key=lambda item: item[2]):
        k = s / slowest
        if k > MAX_SPEED_FACTOR:
            skipped.append(
                f"{path} (series {scan.series_uid}): {k:.3g} times faster than the patient's standard scan; "
                f"lowcount takes speed factors up to {MAX_SPEED_FACTOR:g}, check {BASIS_FIELDS[basis]}"
            )
            continue
        name = acquisition_name(k)
        if name in names:
            skipped.append(
                f"{path} (series {scan.series_uid}): a second {name!r} acquisition of the same patient; "
                "keep one per speed in the folder"
            )
            continue
        names.add(name)
        rows.append(_row(pid, scan, path, name, 1.0 if name == "standard" else k, base))
    return rows


def index_folder(folder: str | Path, manifest: str | Path, split: str = "test", seed: int = 0) -> IndexResult:
    """Index the whole-body NM files under ``folder`` into rows for ``manifest`` (paths relative to it).

    Raises:
        ValueError: an unknown split mode, or a folder with no usable whole-body acquisition.
    """
    from lowcount.io.dicom import DicomInputError, read_wholebody
    from lowcount.io.manifest import assign_splits

    if split not in SPLIT_MODES:
        raise ValueError(f"split must be one of {SPLIT_MODES}, got {split!r}")
    folder, manifest = Path(folder), Path(manifest)
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder. Give the folder holding the exported NM files.")
    result = IndexResult()
    by_patient: dict[str, list[tuple[object, Path]]] = defaultdict(list)
    for _, paths in sorted(_nm_series(folder).items()):
        note = " (a series of separate view files: export one multi-frame object per acquisition)"
        for path in paths:
            try:
                scan = read_wholebody(path)
            except DicomInputError as exc:
                result.skipped.append(f"{exc}{note if len(paths) > 1 else ''}")
                continue
            if len(scan.view_names) < 2:
                result.skipped.append(
                    f"{path} (series {scan.series_uid}): one view only ({scan.view_names[0]}); a cohort needs both "
                    f"views of each acquisition{note if len(paths) > 1 else ''}"
                )
                continue
            by_patient[scan.patient_id or f"study {scan.study_uid}"].append((scan, path))
    base = manifest.parent.resolve()
    patient_rows: dict[str, list[dict]] = {}
    for pid, scans in by_patient.items():
        if rows := _patient_rows(pid, scans, base, result.skipped):
            patient_rows[pid] = rows
    if not patient_rows:
        raise ValueError(
            f"{folder}: no usable whole-body NM acquisition found"
            + (f"; skipped: {'; '.join(result.skipped[:5])}" if result.skipped else "")
        )
    ids = sorted(patient_rows)
    if split == "auto":
        splits = assign_splits(ids, np.random.default_rng(seed))
    for pid in ids:
        for row in patient_rows[pid]:
            row["fold"], row["split"] = (splits[pid].fold, splits[pid].split) if split == "auto" else (0, "test")
            result.rows.append(row)
    result.patients = len(ids)
    return result


def write_index(folder: str | Path, out: str | Path, split: str = "test", seed: int = 0) -> tuple[IndexResult, Path]:
    """:func:`index_folder` written as a manifest (``out``: the file, or a folder to hold manifest.csv)."""
    from lowcount.io.manifest import write_manifest

    out = Path(out)
    out = out / "manifest.csv" if out.is_dir() else out
    result = index_folder(folder, out, split, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_manifest(out, result.rows)
    return result, out


def _row(patient_id: str, scan, path: Path, name: str, k: float, base: Path) -> dict:
    import os

    nan = float("nan")
    return {
        "patient_id": patient_id,
        "acquisition": name,
        "speed_factor": k,
        "fast_mode": "acquired",
        "scan_velocity_cm_min": scan.scan_velocity_cm_min if scan.scan_velocity_cm_min is not None else nan,
        "start_min": nan,
        "duration_min": scan.frame_duration_ms / 60000.0 if scan.frame_duration_ms else nan,
        "counts_anterior": float(scan.anterior.sum()),
        "counts_posterior": float(scan.posterior.sum()),
        "expected_anterior": nan,
        "expected_posterior": nan,
        "shift_x_px": nan,
        "shift_y_px": nan,
        "limb_motion": "",
        "study_uid": scan.study_uid,
        "series_uid": scan.series_uid,
        "sop_uid": scan.sop_uids[0],
        "dicom_path": os.path.relpath(path.resolve(), base),
        "truth_path": "",
    }
