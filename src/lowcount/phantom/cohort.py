"""A simulated cohort on disk: DICOM NM files, ground truth, lesion tables and the manifest.

Layout of ``out_dir``::

    manifest.csv            one row per acquisition (see lowcount.io.manifest)
    patients.csv            one row per patient: body, diagnosis, fold and split
    lesions.csv             one row per finding, with the first acquisition that shows it
    cohort.json             seed, size, version, the resolved configuration and the scale-free statistics of
                            the standard anterior views per family (lowcount.phantom.statistics)
    dicom/<SOPInstanceUID>.dcm
    truth/<SOPInstanceUID>.npz   expected_counts (2, H, W) float32, lesion_labels (2, H, W) uint16

Patient ``i`` is drawn from ``SeedSequence(seed).spawn(...)[i]``, so it is the same whatever the cohort
size or the number of worker processes, and the same seed gives the same files bit for bit.
"""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_write_text, remove_stale_parts, remove_stale_staging, staged_folder
from lowcount.io.dicom import UID_ROOT, NMHeader, write_wholebody
from lowcount.io.manifest import assign_splits, write_manifest
from lowcount.io.truth import save_truth
from lowcount.phantom.patient import Acquisition, Patient, acquire, sample_patient
from lowcount.phantom.protocol import PhantomConfig
from lowcount.phantom.statistics import summary, view_statistics

BASE_DATE = datetime(2026, 1, 5, 8, 0, 0)


def patient_id(seed: int, index: int) -> str:
    """Synthetic patient id, e.g. ``PH0-0007``."""
    return f"PH{seed}-{index:04d}"


def _uid(seed: int, index: int, *parts: str) -> str:
    from pydicom.uid import generate_uid

    return str(generate_uid(UID_ROOT, entropy_srcs=["lowcount-phantom", str(seed), str(index), *parts]))


@dataclass(frozen=True)
class _Job:
    seed: int
    index: int
    seed_sequence: np.random.SeedSequence
    cfg: PhantomConfig
    out_dir: str


def _header(job: _Job, patient: Patient, acq: Acquisition) -> NMHeader:
    grid = (patient.camera or job.cfg.camera).grid
    when = BASE_DATE + timedelta(days=job.index) + timedelta(minutes=acq.start_min)
    injected = BASE_DATE + timedelta(days=job.index)
    study = _uid(job.seed, job.index, "study")
    return NMHeader(
        patient_name=f"PHANTOM^{job.seed}^{job.index:04d}",
        patient_id=patient_id(job.seed, job.index),
        study_uid=study,
        series_uid=_uid(job.seed, job.index, acq.name, "series"),
        sop_uid=_uid(job.seed, job.index, acq.name, "instance"),
        pixel_spacing_mm=(grid.pixel_cm * 10.0, grid.pixel_cm * 10.0),
        scan_velocity_cm_min=acq.velocity_cm_min,
        frame_duration_ms=acq.duration_min * 60_000.0,
        patient_sex=patient.body.sex,
        patient_age_years=int(patient.body.age_years),
        patient_height_m=patient.body.height_cm / 100.0,
        study_date=injected.strftime("%Y%m%d"),
        study_time=injected.strftime("%H%M%S"),
        series_time=when.strftime("%H%M%S"),
        series_number={"standard": 1}.get(acq.name, 1 + int(round(acq.speed_factor * 10))),
        accession_number=f"A{job.seed}{job.index:05d}",
        series_description=f"WB ANT/POST {acq.velocity_cm_min:g} cm/min ({acq.name}, {acq.mode})",
        frame_of_reference_uid=_uid(job.seed, job.index, "frame-of-reference"),
        injected_activity_mbq=None,
    )


def _simulate_one(job: _Job) -> tuple[list[dict], dict, list[dict], dict]:
    """Simulate and write one patient; returns manifest rows, the patient row, lesion rows and the statistics
    of its standard anterior view."""
    rng = np.random.default_rng(job.seed_sequence)
    patient = sample_patient(rng, job.cfg)
    acquisitions = acquire(patient, job.cfg, rng)
    out = Path(job.out_dir)
    pid = patient_id(job.seed, job.index)
    pixel_cm = (patient.camera or job.cfg.camera).grid.pixel_cm
    rows = []
    for acq in acquisitions:
        header = _header(job, patient, acq)
        dicom_path = write_wholebody(out / "dicom", acq.counts[0], acq.counts[1], header)
        truth_path = out / "truth" / f"{header.sop_uid}.npz"
        save_truth(truth_path, acq.expected, acq.labels)
        limb = ";".join(f"{name}:{dx:+.2f},{dy:+.2f}cm" for name, dx, dy in acq.motion.segments)
        rows.append(
            {
                "patient_id": pid,
                "acquisition": acq.name,
                "speed_factor": acq.speed_factor,
                "fast_mode": acq.mode,
                "scan_velocity_cm_min": acq.velocity_cm_min,
                "start_min": round(acq.start_min, 6),
                "duration_min": round(acq.duration_min, 6),
                "counts_anterior": int(acq.counts[0].sum()),
                "counts_posterior": int(acq.counts[1].sum()),
                "expected_anterior": round(float(acq.expected[0].sum(dtype=np.float64)), 1),
                "expected_posterior": round(float(acq.expected[1].sum(dtype=np.float64)), 1),
                "shift_x_px": round(acq.motion.shift_cm[0] / pixel_cm, 3),
                "shift_y_px": round(acq.motion.shift_cm[1] / pixel_cm, 3),
                "limb_motion": limb,
                "study_uid": header.study_uid,
                "series_uid": header.series_uid,
                "sop_uid": header.sop_uid,
                "dicom_path": str(dicom_path.relative_to(out)),
                "truth_path": str(truth_path.relative_to(out)),
            }
        )
    b, d = patient.body, patient.diagnosis
    patient_row = {
        "patient_id": pid,
        "family": patient.family,
        "sex": b.sex,
        "age_years": round(b.age_years, 1),
        "height_cm": round(b.height_cm, 1),
        "arm_position": b.arm_position,
        "scoliosis_cm": round(b.scoliosis_cm, 2),
        "primary": d.primary,
        "metastatic": d.metastatic,
        "superscan": d.superscan,
        "malignant_lesions": sum(lesion.malignant for lesion in patient.lesions),
        "benign_findings": sum(not lesion.malignant for lesion in patient.lesions),
        "bladder_volume_ml": round(patient.uptake.bladder_volume_ml, 1),
        "voided": patient.kinetics.voided,
        "delay_min": round(patient.delay_min, 2),
        "counts_per_view": round(patient.counts_per_view, 1),
        "pixel_mm": round(pixel_cm * 10.0, 3),
        "collimator_hole_mm": (patient.camera or job.cfg.camera).hole_diameter_mm,
    }
    names = [acq.name for acq in acquisitions]
    lesion_rows = [
        {"patient_id": pid, **lesion.as_row(), "first_acquisition": names[patient.lesion_start[lesion.lesion_id]]}
        for lesion in patient.lesions
    ]
    return rows, patient_row, lesion_rows, view_statistics(acquisitions[0].counts[0])


def statistics_summary(patient_rows: list[dict], statistics: list[dict]) -> dict:
    """The statistics' spread over the whole cohort and over each family in it."""
    by_family: dict[str, list[dict]] = {"all": list(statistics)}
    for row, stats in zip(patient_rows, statistics, strict=True):
        by_family.setdefault(row["family"], []).append(stats)
    return {family: summary(rows) for family, rows in by_family.items()}


def _write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    buffer = io.StringIO()
    fields = columns or (list(rows[0]) if rows else [])
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


LESION_COLUMNS = (
    "patient_id",
    "lesion_id",
    "kind",
    "site",
    "segment",
    "x_cm",
    "y_cm",
    "z_cm",
    "size_mm",
    "contrast",
    "malignant",
    "host_concentration",
    "angle_rad",
    "aspect",
    "first_acquisition",
)


def _run_jobs(jobs: list[_Job], workers: int, progress: bool) -> list:
    """Each job's result, in job order, simulated in ``workers`` processes."""
    from concurrent.futures import as_completed

    from tqdm import tqdm

    results: list = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc="simulating patients", unit="patient", disable=not progress)
    if workers == 1 or len(jobs) == 1:
        for job in jobs:
            results[job.index] = _simulate_one(job)
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            futures = {pool.submit(_simulate_one, job): job.index for job in jobs}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
    bar.close()
    return results


def simulate_cohort(
    out_dir: str | Path,
    patients: int,
    seed: int,
    cfg: PhantomConfig | None = None,
    workers: int = 2,
    progress: bool = True,
) -> Path:
    """Simulate ``patients`` patients and write them to ``out_dir``; returns the manifest path.

    Args:
        out_dir: folder to write into (created; existing files of the same names are replaced). Every file
            is staged and moved in when the cohort is complete, the manifest last: a failed run leaves no
            cohort, and a folder with a manifest holds every file it names.
        patients: cohort size, >= 1.
        seed: master seed.
        cfg: settings (default :class:`PhantomConfig`).
        workers: processes; patients are independent, so 2 uses both cores of a small machine.
        progress: show a progress bar on stderr.
    """
    from lowcount import __version__

    if patients < 1:
        raise ValueError(f"patients must be >= 1, got {patients}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    cfg = cfg or PhantomConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.csv").unlink(missing_ok=True)  # a cohort is complete when its manifest is there
    remove_stale_staging(out)
    remove_stale_parts(out)
    children = np.random.SeedSequence(seed).spawn(patients + 1)
    with staged_folder(out) as stage:  # every file of the cohort, or none
        results = _run_jobs([_Job(seed, i, children[i], cfg, str(stage)) for i in range(patients)], workers, progress)
        ids = [patient_id(seed, i) for i in range(patients)]
        splits = assign_splits(ids, np.random.default_rng(children[-1]))
        manifest_rows, patient_rows, lesion_rows, statistics = [], [], [], []
        for rows, patient_row, lesions, stats in results:
            s = splits[patient_row["patient_id"]]
            manifest_rows += [{**row, "fold": s.fold, "split": s.split} for row in rows]
            patient_rows.append({**patient_row, "fold": s.fold, "split": s.split})
            lesion_rows += lesions
            statistics.append(stats)
        _write_csv(stage / "patients.csv", patient_rows)
        _write_csv(stage / "lesions.csv", lesion_rows, list(LESION_COLUMNS))
        meta = {
            "lowcount_version": __version__,
            "seed": seed,
            "patients": patients,
            "config": asdict(cfg),
            "anterior_view_statistics": statistics_summary(patient_rows, statistics),
        }
        atomic_write_text(stage / "cohort.json", json.dumps(meta, indent=2, default=list) + "\n")
    write_manifest(out / "manifest.csv", manifest_rows)  # last: it vouches for everything above
    return out / "manifest.csv"


def cached_cohort(
    out_dir: str | Path, patients: int, seed: int, speed_factors: tuple[float, ...] = (3.0,), family: str = "procedural"
) -> Path:
    """The manifest of ``out_dir``, simulating the cohort first (default phantom of ``family``, these fast
    scans, two workers) when there is none yet: the held-out sets of ``lowcount demo`` and ``lowcount bench``."""
    from dataclasses import replace

    manifest = Path(out_dir) / "manifest.csv"
    if manifest.is_file():
        return manifest
    cfg = replace(PhantomConfig(), speed_factors=tuple(speed_factors), family=family)
    return simulate_cohort(out_dir, patients, seed, cfg, workers=2, progress=False)
