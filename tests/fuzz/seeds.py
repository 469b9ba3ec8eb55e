"""Seed files for the fuzz tests: a small synthetic 2-frame NM object, its RLE and JPEG 2000 versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.io.dicom import NMHeader, write_wholebody


def write_seeds(folder: Path) -> list[Path]:
    import pydicom
    from pydicom.uid import JPEG2000Lossless, RLELossless

    rng = np.random.default_rng(0)
    header = NMHeader(
        patient_name="FUZZ^SEED",
        patient_id="FUZZ-0",
        study_uid="1.2.826.0.1.3680043.8.498.1",
        series_uid="1.2.826.0.1.3680043.8.498.2",
        sop_uid="1.2.826.0.1.3680043.8.498.3",
        pixel_spacing_mm=(2.26, 2.26),
        scan_velocity_cm_min=15.0,
        frame_duration_ms=600_000.0,
    )
    ant, post = (rng.poisson(lam, (64, 32)).astype(np.float32) for lam in (20, 30))
    plain = write_wholebody(folder / "plain", ant, post, header)
    seeds = [plain]
    for syntax, name in ((RLELossless, "rle"), (JPEG2000Lossless, "j2k")):
        ds = pydicom.dcmread(plain)
        ds.compress(syntax)
        path = folder / f"{name}.dcm"
        ds.save_as(path, enforce_file_format=True)
        seeds.append(path)
    return seeds
