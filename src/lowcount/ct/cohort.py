"""A simulated micro-CT cohort on disk: mice scanned at a low and a high dose, and the QA phantom at a ladder
of doses, as NIfTI volumes in HU with one manifest.

Layout of ``out_dir``::

    scans.csv              one row per volume: animal, kind (mouse | qa), split, role, dose, path and the
                           animal's truth and labels (lowcount.io.ct_scans)
    cohort.json            seed, grid, scanner, doses and every animal's drawn parameters
    volumes/<hash>.nii.gz  CT numbers (HU) float32, or labels (lowcount.ct.materials.TISSUES)
    sinograms/<hash>.npz   the low-dose scan's noisy line integrals (validation and test animals, and the QA
                           phantom), for iterative reconstruction

Roles: ``truth`` (the noiseless scan reconstructed with the same FBP: the target any denoiser can reach),
``phantom`` (the painted CT numbers), ``labels``, ``low`` and ``high`` (independent noisy scans), and
``ladder`` (scans at each dose of ``ladder_doses``, for the dose-reduction factor; test animals and the QA
phantom). Animal ``i`` draws from ``SeedSequence(seed).spawn(animals + 1)[i]`` (the last is the QA
phantom), so the files are the same bit for bit whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import io
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from lowcount.ct.mouse import draw_animal, paint_mouse
from lowcount.ct.qa_phantom import paint_qa_phantom
from lowcount.ct.scanner import Scanner
from lowcount.ct.shapes import Grid
from lowcount.io.atomic import atomic_write_bytes, atomic_write_text, remove_stale_staging, staged_folder
from lowcount.io.ct_scans import SCANS_FILE, write_scans
from lowcount.io.nifti import write_nifti

QA_ID = "qa"


@dataclass(frozen=True)
class CTCohortConfig:
    """What ``lowcount ct simulate`` makes. Doses are relative to the scanner's ``photons_per_ray``."""

    animals: int = 38
    seed: int = 0
    shape: tuple[int, int, int] = (256, 96, 96)
    voxel_mm: float = 0.35
    supersample: int = 2
    low_dose: float = 0.25
    high_dose: float = 1.0
    ladder_doses: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0, 2.0)
    split: tuple[int, int] = (4, 4)  # validation and test animals; the rest train
    dicom: bool = False  # also write every scan and truth as a DICOM CT series (dicom/<SeriesInstanceUID>/)
    scanner: Scanner = field(default_factory=Scanner)

    def __post_init__(self):
        n_val, n_test = self.split
        if n_val < 1 or n_test < 1 or self.animals < n_val + n_test + 1:
            raise ValueError(
                f"{self.animals} animals cannot be split into train, {n_val} validation and "
                f"{n_test} test animals (need at least {n_val + n_test + 1})"
            )
        if not 0 < self.low_dose < self.high_dose:
            raise ValueError(f"need 0 < low_dose < high_dose, got {self.low_dose}, {self.high_dose}")
        if not self.ladder_doses or min(self.ladder_doses) <= 0:
            raise ValueError(f"ladder_doses must be positive, got {self.ladder_doses}")

    @property
    def grid(self) -> Grid:
        return Grid(tuple(self.shape), self.voxel_mm, self.supersample)


def animal_splits(cfg: CTCohortConfig) -> list[str]:
    """The split of every animal: the first train, then validation, then test (animals are i.i.d. draws)."""
    n_val, n_test = cfg.split
    n_train = cfg.animals - n_val - n_test
    return ["train"] * n_train + ["val"] * n_val + ["test"] * n_test


def _name(seed: int, animal_id: str, role: str, dose: float | str) -> str:
    return hashlib.sha256(f"{seed}/{animal_id}/{role}/{dose}".encode()).hexdigest()[:20]


def _scan_one(cfg: CTCohortConfig, animal_id: str, split: str, seq: np.random.SeedSequence, stage: Path):
    """Paint, scan and write one animal (or the QA phantom); returns its manifest rows and drawn parameters."""
    grid, scanner = cfg.grid, cfg.scanner
    rng = np.random.default_rng(seq)
    if animal_id == QA_ID:
        phantom_hu, labels = paint_qa_phantom(grid)
        drawn = {}
    else:
        animal = draw_animal(rng)
        phantom_hu, labels = paint_mouse(grid, animal)
        drawn = asdict(animal)
    voxel = (grid.voxel_mm,) * 3
    line_integrals = scanner.line_integrals(phantom_hu, grid.voxel_mm)

    dicom_paths: dict[str, str] = {}

    def put(role: str, dose, volume) -> str:
        rel = f"volumes/{_name(cfg.seed, animal_id, role, dose)}.nii.gz"
        write_nifti(stage / rel, volume, voxel)
        if cfg.dicom and role not in ("labels", "phantom"):
            dicom_paths[rel] = _write_dicom(cfg, animal_id, role, dose, volume, voxel, stage)
        return rel

    truth = put("truth", "", scanner.reconstruct(line_integrals, grid.voxel_mm))
    label_path = put("labels", "", labels)
    kind = "qa" if animal_id == QA_ID else "mouse"
    base = {"animal_id": animal_id, "kind": kind, "split": split, "truth_path": truth, "labels_path": label_path}
    rows = [
        {**base, "role": "truth", "dose": "", "path": truth, "sinogram_path": ""},
        {**base, "role": "labels", "dose": "", "path": label_path, "sinogram_path": ""},
        {**base, "role": "phantom", "dose": "", "path": put("phantom", "", phantom_hu), "sinogram_path": ""},
    ]
    scans = [("low", cfg.low_dose), ("high", cfg.high_dose)]
    if split == "test" or kind == "qa":
        scans += [("ladder", d) for d in cfg.ladder_doses]
    for role, dose in scans:
        noisy = scanner.acquire(line_integrals, dose, rng)
        sino = ""
        if role == "low" and split in ("val", "test"):
            sino = f"sinograms/{_name(cfg.seed, animal_id, 'sinogram', dose)}.npz"
            buf = io.BytesIO()
            np.savez_compressed(buf, line_integrals=noisy, dose=np.float64(dose))
            atomic_write_bytes(stage / sino, buf.getvalue())
        path = put(role, dose, scanner.reconstruct(noisy, grid.voxel_mm))
        rows.append({**base, "role": role, "dose": f"{dose:g}", "path": path, "sinogram_path": sino})
    for row in rows:
        row["dicom_path"] = dicom_paths.get(row["path"], "")
    return rows, {"animal_id": animal_id, "split": split, **drawn}


def _write_dicom(cfg: CTCohortConfig, animal_id: str, role: str, dose, volume, voxel, stage: Path) -> str:
    """One scan as a DICOM CT series in ``dicom/<SeriesInstanceUID>/``; the animal's scans share a study."""
    from pydicom.uid import generate_uid

    from lowcount.io.dicom.ct_series import CTHeader, write_ct_series
    from lowcount.io.dicom.scan import UID_ROOT

    def uid(*what) -> str:
        return generate_uid(UID_ROOT, entropy_srcs=[str(cfg.seed), animal_id, *map(str, what)])

    series = uid(role, dose)
    header = CTHeader(
        f"PHANTOM^{animal_id}",
        animal_id,
        uid("study"),
        series,
        uid("frame"),
        series_description=f"simulated {role}" + (f" dose {dose:g}" if dose != "" else ""),
    )
    rel = f"dicom/{series}"
    write_ct_series(volume, voxel, stage / rel, header)
    return rel


def simulate_ct_cohort(cfg: CTCohortConfig, out_dir: str | Path, workers: int = 1) -> Path:
    """Write the cohort of ``cfg`` into ``out_dir``; returns the path of scans.csv."""
    out = Path(out_dir)
    remove_stale_staging(out)
    seqs = np.random.SeedSequence(cfg.seed).spawn(cfg.animals + 1)
    jobs = [(f"M{i:04d}", split, seqs[i]) for i, split in enumerate(animal_splits(cfg))]
    jobs.append((QA_ID, "test", seqs[-1]))
    with staged_folder(out) as stage:
        if workers > 1:
            with ProcessPoolExecutor(workers) as pool:
                results = list(pool.map(_scan_one, *zip(*[(cfg, a, s, q, stage) for a, s, q in jobs], strict=True)))
        else:
            results = [_scan_one(cfg, a, s, q, stage) for a, s, q in jobs]
        write_scans(stage / SCANS_FILE, [row for animal_rows, _ in results for row in animal_rows])
        meta = {"seed": cfg.seed, "config": asdict(cfg), "animals": [drawn for _, drawn in results]}
        atomic_write_text(stage / "cohort.json", json.dumps(meta, indent=2))
    return out / SCANS_FILE
