"""Seed files for the fuzz tests: a small synthetic 2-frame NM object, its RLE and JPEG 2000 versions, and a
16-bit Secondary Capture of its anterior view."""

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
    return [*seeds, _secondary_capture(plain, folder / "sc.dcm")]


def _secondary_capture(nm: Path, path: Path) -> Path:
    """The anterior view of ``nm`` as a vendor's 16-bit Secondary Capture export (no NM modules)."""
    import pydicom

    ds = pydicom.dcmread(nm)
    anterior = ds.pixel_array[0]
    for keyword in [k for k in ds.dir() if k not in SECONDARY_CAPTURE_KEEPS]:
        delattr(ds, keyword)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.ImageType = ["DERIVED", "PRIMARY", "WHOLE BODY", "EMISSION", "ANTERIOR"]
    ds.ConversionType, ds.SeriesDescription, ds.Laterality, ds.PatientOrientation = "WSD", "WB ANT", "", ""
    ds.set_pixel_data(anterior, "MONOCHROME2", 16, generate_instance_uid=False)
    ds.save_as(path, enforce_file_format=True)
    return path


SECONDARY_CAPTURE_KEEPS = {
    "SpecificCharacterSet",
    "SOPInstanceUID",
    "StudyDate",
    "StudyTime",
    "AccessionNumber",
    "Modality",
    "Manufacturer",
    "ReferringPhysicianName",
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "StudyID",
    "SeriesNumber",
    "InstanceNumber",
    "PixelSpacing",
}
