"""The manifest of a micro-CT cohort, ``scans.csv``: one row per NIfTI volume (written by lowcount.ct.cohort).

Columns: ``animal_id``, ``kind`` (mouse | qa), ``split`` (train | val | test), ``role`` (truth, phantom,
labels, low, high, ladder), ``dose`` (relative to the scanner's full dose; empty for truth, phantom and
labels), ``path``, ``truth_path``, ``labels_path``, ``sinogram_path`` (empty when not kept) and, optionally,
``dicom_path`` (the scan as a DICOM CT series folder), all relative to the manifest's folder.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lowcount.io.atomic import atomic_write_text

SCAN_COLUMNS = ("animal_id", "kind", "split", "role", "dose", "path", "truth_path", "labels_path", "sinogram_path")
OPTIONAL_COLUMNS = ("dicom_path",)  # the scan as a DICOM CT series folder (ct simulate --dicom), else empty
SCANS_FILE = "scans.csv"


def scans_path(path: str | Path) -> Path:
    """``path`` itself, or ``path/scans.csv`` for a cohort folder."""
    path = Path(path)
    return path / SCANS_FILE if path.is_dir() else path


def is_ct_cohort(path: str | Path) -> bool:
    """Whether ``path`` is a CT cohort folder or its scans.csv."""
    return scans_path(path).name == SCANS_FILE and scans_path(path).is_file()


def write_scans(path: str | Path, rows: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SCAN_COLUMNS + OPTIONAL_COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, text.getvalue())


def read_scans(path: str | Path) -> list[dict]:
    """Rows of a CT cohort's scans.csv (``dose`` a float or None), with a clear error for a file that is not one."""
    path = scans_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no CT cohort manifest here (make one with `lowcount ct simulate`)")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(SCAN_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: not a CT scans manifest; missing columns {sorted(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                row["dose"] = float(row["dose"]) if row["dose"] else None
            except ValueError as err:
                raise ValueError(f"{path}, line {line}: column dose must be a number, got {row['dose']!r}") from err
            for column in OPTIONAL_COLUMNS:
                row[column] = row.get(column) or ""
            rows.append(row)
    return rows


def volumes_of(rows: list[dict], split: str, role: str, kind: str = "mouse") -> dict[str, dict]:
    """{animal_id: row} of one role in one split (the first ``role`` row of each animal)."""
    out: dict[str, dict] = {}
    for row in rows:
        if row["split"] == split and row["role"] == role and row["kind"] == kind:
            out.setdefault(row["animal_id"], row)
    return out
