"""The cohort manifest: one CSV row per acquisition, with patient-level folds and splits.

Paths in the manifest are relative to the manifest's folder. Patient identifiers appear in the manifest
(it is the index a user needs) but never in file names.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_write_text

# Column -> type read back by read_manifest (str columns stay text; fold is parsed separately).
_COLUMN_TYPES = {
    "patient_id": str,
    "acquisition": str,
    "speed_factor": float,
    "fast_mode": str,
    "scan_velocity_cm_min": float,
    "start_min": float,
    "duration_min": float,
    "counts_anterior": float,
    "counts_posterior": float,
    "expected_anterior": float,
    "expected_posterior": float,
    "shift_x_px": float,
    "shift_y_px": float,
    "limb_motion": str,
    "study_uid": str,
    "series_uid": str,
    "sop_uid": str,
    "dicom_path": str,
    "truth_path": str,
    "fold": int,
    "split": str,
}
MANIFEST_COLUMNS = tuple(_COLUMN_TYPES)
SPLITS = ("train", "val", "test")
_NUMERIC = {name for name, kind in _COLUMN_TYPES.items() if kind is float}


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file, the row and the column."""


@dataclass(frozen=True)
class PatientSplit:
    fold: int
    split: str


def assign_splits(
    patient_ids: list[str],
    rng: np.random.Generator,
    folds: int = 5,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> dict[str, PatientSplit]:
    """Patient-level fold (0..folds-1) and train/val/test split, so no patient is in two splits.

    Patients are shuffled once; folds are dealt round-robin from that order and the split takes the first
    ``fractions[0]`` for training, the next ``fractions[1]`` for validation and the rest for testing
    (at least one validation and one test patient once there are three or more patients).
    """
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    if len(fractions) != 3 or abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    if len(set(patient_ids)) != len(patient_ids):
        raise ValueError("patient_ids must be unique")
    n = len(patient_ids)
    order = rng.permutation(n)
    n_val = int(round(fractions[1] * n))
    n_test = int(round(fractions[2] * n))
    if n >= 3:
        n_val, n_test = max(n_val, 1 if fractions[1] > 0 else 0), max(n_test, 1 if fractions[2] > 0 else 0)
    n_train = n - n_val - n_test
    out = {}
    for rank, index in enumerate(order):
        split = "train" if rank < n_train else ("val" if rank < n_train + n_val else "test")
        out[patient_ids[index]] = PatientSplit(fold=rank % folds, split=split)
    return out


def write_manifest(path: str | Path, rows: list[dict]) -> None:
    """Write rows (dicts with ``MANIFEST_COLUMNS``) atomically as CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        missing = set(MANIFEST_COLUMNS) - set(row)
        if missing:
            raise ValueError(f"manifest row {i}: missing columns {sorted(missing)}")
        writer.writerow({k: row[k] for k in MANIFEST_COLUMNS})
    atomic_write_text(path, buffer.getvalue())


def manifest_path(path: str | Path) -> Path:
    """The manifest of a cohort given as its folder or as the manifest file itself."""
    path = Path(path)
    return path / "manifest.csv" if path.is_dir() else path


def read_manifest(path: str | Path) -> list[dict]:
    """Read and check a manifest (file or cohort folder); numeric columns become floats, ``fold`` an int,
    paths absolute.

    Raises:
        ManifestError: missing file or column, a bad number, an unknown split, or a patient in two splits.
    """
    path = manifest_path(path)
    if not path.is_file():
        raise ManifestError(
            f"{path}: no manifest there. Give a cohort folder holding manifest.csv or the manifest itself "
            "(`lowcount simulate --out DIR` makes one)."
        )
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(MANIFEST_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ManifestError(f"{path}: missing columns {sorted(missing)}. Regenerate the manifest.")
        rows = []
        split_of: dict[str, str] = {}
        for line, raw in enumerate(reader, start=2):
            _check_row(raw, line, path)
            row: dict = dict(raw)
            for key in _NUMERIC:
                try:
                    row[key] = float(raw[key])
                except ValueError as exc:
                    raise ManifestError(f"{path}: line {line}, column {key}: {raw[key]!r} is not a number.") from exc
            try:
                row["fold"] = int(raw["fold"])
            except ValueError as exc:
                raise ManifestError(f"{path}: line {line}, column fold: {raw['fold']!r} is not an integer.") from exc
            if raw["split"] not in SPLITS:
                raise ManifestError(f"{path}: line {line}, column split: {raw['split']!r} is not one of {SPLITS}.")
            previous = split_of.setdefault(raw["patient_id"], raw["split"])
            if previous != raw["split"]:
                raise ManifestError(
                    f"{path}: line {line}: a patient appears in splits {previous!r} and "
                    f"{raw['split']!r}; a patient must stay in one split."
                )
            if not (math.isfinite(row["speed_factor"]) and row["speed_factor"] >= 1.0):
                raise ManifestError(
                    f"{path}: line {line}, column speed_factor: {raw['speed_factor']!r} must be a number >= 1 "
                    "(1 for the standard scan)."
                )
            for key in ("dicom_path", "truth_path"):
                row[key] = str((path.parent / raw[key]).resolve()) if raw[key] else ""
            rows.append(row)
    return rows


def _check_row(raw: dict, line: int, path: Path) -> None:
    """A CSV row with every column filled where lowcount needs a value."""
    if None in raw:
        raise ManifestError(f"{path}: line {line}: more values than columns. Regenerate the manifest.")
    missing = [key for key in MANIFEST_COLUMNS if raw.get(key) is None]
    if missing:
        raise ManifestError(f"{path}: line {line}: no value for column(s) {missing}. Regenerate the manifest.")
    empty = [key for key in ("patient_id", "acquisition", "dicom_path", "sop_uid") if not raw[key].strip()]
    if empty:
        raise ManifestError(f"{path}: line {line}: column(s) {empty} are empty; every acquisition needs them.")


def select_patients(rows: list[dict], role: str, fold: int | None = None) -> list[str]:
    """Patient ids of ``role`` (train/val/test), by the split column or by cross-validation ``fold``
    (validation = that fold, training = the other folds; test patients stay out of both)."""
    if role not in SPLITS:
        raise ValueError(f"role must be one of {SPLITS}, got {role!r}")
    info = {r["patient_id"]: (r["split"], r["fold"]) for r in rows}
    if fold is None:
        return sorted(pid for pid, (split, _) in info.items() if split == role)
    folds = {f for _, f in info.values()}
    if fold not in folds:
        raise ValueError(f"fold {fold} is not in the manifest (folds {sorted(folds)})")
    if role == "test":
        return sorted(pid for pid, (split, _) in info.items() if split == "test")
    keep = (lambda f: f == fold) if role == "val" else (lambda f: f != fold)
    return sorted(pid for pid, (split, f) in info.items() if split != "test" and keep(f))


def by_patient(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """Manifest rows grouped as {patient id: {acquisition: row}}, in the manifest's order."""
    grouped: dict[str, dict[str, dict]] = {}
    for row in rows:
        grouped.setdefault(row["patient_id"], {})[row["acquisition"]] = row
    return grouped
