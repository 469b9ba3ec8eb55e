"""The studies of one split of a cohort, ready to enhance and score: fast and standard counts, truths, masks.

A study is one patient's fast scan and standard scan (both views). When the cohort was made by
``lowcount simulate``, each acquisition also has its noiseless truth and lesion labels. The truth an
enhanced fast scan is scored against is *its own acquisition's* truth times the speed factor (patients
move and the tracer redistributes between scans, so the standard scan's truth is not pixel-aligned with
the fast scan); the standard scan is scored against its own truth.

Patients are keyed by a keyed hash of their id (lowcount.io.pseudonym), which is what goes into file names,
logs and report tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Study:
    """One patient's scans; arrays are (views, rows, cols) counts (float32) or masks.

    Attributes:
        key: the patient's pseudonym (lowcount.io.pseudonym: keyed with the cohort's secret).
        fast_uid: SOP Instance UID of the fast scan (enhanced files refer to it).
        speed_factor: k of the fast scan.
        fast_counts, standard_counts: acquired counts.
        fast_truth: k x the fast acquisition's noiseless expected counts (None without truth files).
        fast_labels: lesion labels of the fast acquisition (0 = none).
        standard_truth, standard_labels: the same for the standard scan.
        fast_bladder, standard_bladder: bladder masks, from the truth when there is one, else from the counts.
        malignant_labels: labels of the findings ``lesions.csv`` (beside the manifest) calls malignant.
        standard_uid: SOP Instance UID of the standard scan (ROI files may refer to either scan).
    """

    key: str
    fast_uid: str
    speed_factor: float
    fast_counts: np.ndarray
    standard_counts: np.ndarray
    fast_truth: np.ndarray | None
    fast_labels: np.ndarray | None
    standard_truth: np.ndarray | None
    standard_labels: np.ndarray | None
    fast_bladder: np.ndarray
    standard_bladder: np.ndarray
    malignant_labels: tuple[int, ...] = ()
    standard_uid: str = ""

    @property
    def has_truth(self) -> bool:
        return self.fast_truth is not None and self.standard_truth is not None

    @property
    def malignant(self) -> bool:
        """Whether the fast scan shows a malignant finding (False without truth)."""
        if self.fast_labels is None:
            return False
        return bool(np.isin(self.fast_labels, list(self.malignant_labels)).any()) if self.malignant_labels else False


def _malignant_labels(manifest: Path) -> dict[str, tuple[int, ...]]:
    import csv

    path = manifest.parent / "lesions.csv"
    if not path.is_file():
        return {}
    found: dict[str, list[int]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("malignant", "").strip().lower() in ("true", "1"):
                found.setdefault(row["patient_id"], []).append(int(row["lesion_id"]))
    return {pid: tuple(sorted(labels)) for pid, labels in found.items()}


def _bladders(image: np.ndarray) -> np.ndarray:
    from lowcount.data.bladder import bladder_mask

    return np.stack([bladder_mask(view) for view in image])


def _study(scans: dict, fast: str, key: str, with_truth: bool, malignant_labels: tuple[int, ...]) -> Study:
    """One patient's study from its manifest rows ({acquisition: row})."""
    from lowcount.io.dicom import read_wholebody
    from lowcount.io.truth import load_truth

    k = float(scans[fast]["speed_factor"])
    counts = {name: read_wholebody(scans[name]["dicom_path"]).views().astype(np.float32) for name in (fast, "standard")}
    truth = {name: load_truth(scans[name]["truth_path"]) if with_truth else (None, None) for name in (fast, "standard")}
    fast_truth, fast_labels = truth[fast]
    standard_truth, standard_labels = truth["standard"]
    if fast_truth is not None:
        fast_truth = (fast_truth * np.float32(k)).astype(np.float32)
    return Study(
        key=key,
        fast_uid=str(scans[fast]["sop_uid"]),
        speed_factor=k,
        fast_counts=counts[fast],
        standard_counts=counts["standard"],
        fast_truth=fast_truth,
        fast_labels=fast_labels,
        standard_truth=standard_truth,
        standard_labels=standard_labels,
        fast_bladder=_bladders(fast_truth if fast_truth is not None else counts[fast]),
        standard_bladder=_bladders(standard_truth if standard_truth is not None else counts["standard"]),
        malignant_labels=malignant_labels,
        standard_uid=str(scans["standard"]["sop_uid"]),
    )


def load_studies(
    manifest: str | Path,
    role: str = "test",
    fast: str = "fast3x",
    fold: int | None = None,
    limit: int | None = None,
    no_truth: bool = False,
) -> list[Study]:
    """Studies of the patients of ``role`` (train/val/test, a cross-validation ``fold``, or ``all``) that have
    a ``fast`` and a standard scan; with the phantom's truth when the manifest names it (``no_truth``: never).

    Raises:
        ValueError: no such acquisition or no patient in the split, naming the manifest and what it holds; a
            ManifestError when truth files named by the manifest are missing (lowcount.io.truth).
    """
    from lowcount.io.manifest import by_patient as group
    from lowcount.io.manifest import manifest_path, read_manifest, select_patients
    from lowcount.io.pseudonym import cohort_secret, pseudonym
    from lowcount.io.truth import cohort_has_truth

    manifest = manifest_path(manifest)
    rows = read_manifest(manifest)
    by_patient = group(rows)
    acquisitions = sorted({row["acquisition"] for row in rows})
    if fast not in acquisitions or "standard" not in acquisitions:
        raise ValueError(f"{manifest}: needs 'standard' and {fast!r} acquisitions; it holds {acquisitions}")
    chosen = sorted(by_patient) if role == "all" else select_patients(rows, role, fold)
    patients = [p for p in chosen if {fast, "standard"} <= set(by_patient[p])][:limit]
    if not patients:
        raise ValueError(f"{manifest}: no patient of split {role!r} (fold {fold}) has both 'standard' and {fast!r}")
    used = [by_patient[p][name] for p in patients for name in (fast, "standard")]
    with_truth = cohort_has_truth(used, manifest, no_truth)
    malignant = _malignant_labels(manifest)
    secret, _ = cohort_secret(manifest)
    return [_study(by_patient[p], fast, pseudonym(p, secret), with_truth, malignant.get(p, ())) for p in patients]
