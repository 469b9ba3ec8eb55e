"""CT image series: reading one (a folder or files of single-slice CT Image objects) into a volume in HU,
and writing a volume as a new series, acquired (the simulator's) or derived (an enhanced volume, marked
AI-enhanced, referencing every source slice).

Reading groups the files by Series Instance UID (one series per call), sorts the slices by their position
along the slice normal (the cross product of Image Orientation (Patient)'s two direction cosines), and
checks what a volume needs: one orientation, one pixel spacing and matrix, and evenly spaced slices (the
spacing comes from the positions, not Slice Thickness). Pixel values become HU through Rescale Slope and
Intercept. Files are named ``<SOPInstanceUID>.dcm`` and written atomically; the derived series keeps the
study, patient and frame of reference of its source and gets new series and instance UIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lowcount.io.dicom.read import dcmread
from lowcount.io.dicom.scan import ENHANCED_MARKER, UID_ROOT, DicomInputError, fail
from lowcount.io.dicom.write import code_item, write_dataset

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SPACING_TOLERANCE = 0.01  # relative spread of slice gaps accepted as even


@dataclass
class CTSeries:
    """A read series: ``hu`` (D, H, W) float32, ``voxel_mm`` (z, y, x), and the sorted source datasets."""

    hu: np.ndarray
    voxel_mm: tuple[float, float, float]
    datasets: list


def is_ct_dicom(path: str | Path) -> bool:
    """Whether ``path`` is a DICOM file of modality CT (a folder: whether its first .dcm file is)."""
    import pydicom

    path = Path(path)
    if path.is_dir():
        first = next(iter(sorted(path.glob("*.dcm"))), None)
        return first is not None and is_ct_dicom(first)
    try:
        return pydicom.dcmread(path, stop_before_pixels=True).get("Modality") == "CT"
    except Exception:  # not DICOM, or damaged: the callers' own readers say why
        return False


def _files(inputs: list[Path]) -> list[Path]:
    files = []
    for item in inputs:
        item = Path(item)
        files.extend(sorted(item.glob("*.dcm")) if item.is_dir() else [item])
    if not files:
        raise DicomInputError(f"{', '.join(map(str, inputs))}: no .dcm files. Give a CT series folder or its files.")
    return files


def read_ct_series(inputs: list[Path]) -> CTSeries:
    """One CT series from files and folders (module docstring for the checks)."""
    datasets = []
    for path in _files(inputs):
        ds = dcmread(path)
        if ds.get("Modality") != "CT":
            raise fail(path, "Modality", f"is {ds.get('Modality')!r}, not CT", "Give the files of one CT series.")
        for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "PixelData"):
            if keyword not in ds:
                raise fail(path, keyword, "is missing", "Export the series again with its image plane attributes.")
        datasets.append((path, ds))
    series = {ds.SeriesInstanceUID for _, ds in datasets}
    if len(series) != 1:
        raise DicomInputError(f"{len(series)} series among the files; give one CT series at a time")
    first_path, first = datasets[0]
    orientation = np.array([float(v) for v in first.ImageOrientationPatient])
    normal = np.cross(orientation[:3], orientation[3:])
    spacing = tuple(float(v) for v in first.PixelSpacing)
    for path, ds in datasets:
        if not np.allclose([float(v) for v in ds.ImageOrientationPatient], orientation, atol=1e-4):
            raise fail(path, "ImageOrientationPatient", "differs from the series' first slice", "Give one stack.")
        if (ds.Rows, ds.Columns) != (first.Rows, first.Columns) or tuple(float(v) for v in ds.PixelSpacing) != spacing:
            raise fail(path, "PixelSpacing", "or the matrix differs from the series' first slice", "Give one stack.")
    datasets.sort(key=lambda item: float(np.dot(normal, [float(v) for v in item[1].ImagePositionPatient])))
    positions = np.array([np.dot(normal, [float(v) for v in ds.ImagePositionPatient]) for _, ds in datasets])
    gaps = np.diff(positions)
    if len(datasets) > 1 and (np.any(gaps <= 0) or np.ptp(gaps) > SPACING_TOLERANCE * np.mean(gaps)):
        raise fail(
            first_path,
            "ImagePositionPatient",
            f"slice gaps are uneven or repeated ({np.round(gaps, 3)})",
            "Give a complete series of evenly spaced slices.",
        )
    dz = float(np.mean(gaps)) if len(datasets) > 1 else float(first.get("SliceThickness", 1.0) or 1.0)
    slices = []
    for _, ds in datasets:
        slope, intercept = float(ds.get("RescaleSlope", 1) or 1), float(ds.get("RescaleIntercept", 0) or 0)
        slices.append(ds.pixel_array.astype(np.float32) * slope + intercept)
    return CTSeries(np.stack(slices), (dz, spacing[0], spacing[1]), [ds for _, ds in datasets])


def _slice_dataset(ds, hu: np.ndarray, slope: float, intercept: float) -> None:
    stored = np.clip(np.round((hu - intercept) / slope), -32768, 32767).astype(np.int16)
    ds.set_pixel_data(stored, "MONOCHROME2", 16, generate_instance_uid=False)
    ds.RescaleSlope, ds.RescaleIntercept = f"{slope:g}", f"{intercept:g}"
    ds.RescaleType = "HU"


@dataclass(frozen=True)
class CTHeader:
    """What :func:`write_ct_series` puts around the slices of a simulated scan."""

    patient_name: str
    patient_id: str
    study_uid: str
    series_uid: str
    frame_of_reference_uid: str
    series_description: str = "micro-CT"
    series_number: int = 1
    study_date: str = "20260101"
    study_time: str = "090000"
    kvp: float | None = None
    manufacturer: str = "lowcount micro-CT simulator"


def _base_dataset(sop_uid: str):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = CT_IMAGE_STORAGE, sop_uid
    return ds


def write_ct_series(hu: np.ndarray, voxel_mm, out_dir: str | Path, header: CTHeader) -> list[Path]:
    """Write ``hu`` (D, H, W) as a CT series of D slices, axial, slice k at z = k * voxel_mm[0]."""
    from pydicom.uid import generate_uid

    hu = np.asarray(hu, np.float32)
    if hu.ndim != 3 or not np.all(np.isfinite(hu)):
        raise ValueError(f"a CT series is written from a finite (D, H, W) volume, got shape {hu.shape}")
    dz, dy, dx = (float(v) for v in voxel_mm)
    paths = []
    for k, image in enumerate(hu):
        ds = _base_dataset(generate_uid(UID_ROOT, entropy_srcs=[header.series_uid, "slice", str(k)]))
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = (
            header.patient_name,
            header.patient_id,
            "",
            "O",
        )
        ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime = header.study_uid, header.study_date, header.study_time
        ds.ReferringPhysicianName, ds.StudyID, ds.AccessionNumber = "", "1", ""
        ds.Modality, ds.SeriesInstanceUID, ds.SeriesNumber = "CT", header.series_uid, header.series_number
        ds.SeriesDescription = header.series_description[:64]
        ds.PatientPosition, ds.BodyPartExamined = "HFP", "WHOLEBODY"  # prone, head first; unpaired: no Laterality
        ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = header.frame_of_reference_uid, ""
        ds.Manufacturer, ds.InstanceNumber, ds.AcquisitionNumber = header.manufacturer, k + 1, 1
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.KVP = "" if header.kvp is None else f"{header.kvp:g}"
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [0.0, 0.0, round(k * dz, 4)]
        ds.PixelSpacing, ds.SliceThickness = [dy, dx], dz
        ds.SliceLocation = round(k * dz, 4)
        _slice_dataset(ds, image, 1.0, -1024.0)
        paths.append(write_dataset(ds, Path(out_dir)))
    return paths


def write_derived_ct_series(
    source: CTSeries, hu: np.ndarray, out_dir: str | Path, model_name: str, model_version: str = ""
) -> list[Path]:
    """Write an enhanced volume as a new series beside ``source``: same study, patient and geometry, new
    series and instance UIDs, ImageType DERIVED, marked AI-enhanced, each slice referencing its source."""
    import copy

    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from pydicom.uid import generate_uid

    hu = np.asarray(hu, np.float32)
    if hu.shape != source.hu.shape:
        raise ValueError(f"the enhanced volume is {hu.shape} but the source series is {source.hu.shape}")
    series_uid = generate_uid(UID_ROOT)
    paths = []
    for k, (src, image) in enumerate(zip(source.datasets, hu, strict=True)):
        ds = _base_dataset(generate_uid(UID_ROOT))
        for element in src:
            if element.tag.group not in (0x0002, 0x7FE0) and element.keyword not in ("SOPInstanceUID", "SOPClassUID"):
                ds.add(copy.deepcopy(element))
        ds.SeriesInstanceUID, ds.InstanceNumber = series_uid, k + 1
        ds.SeriesNumber = int(src.get("SeriesNumber", 0) or 0) + 1000
        ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
        ds.SeriesDescription = f"{ENHANCED_MARKER} {model_name}"[:64]
        ds.DerivationDescription = f"{model_name} {model_version}: deep-learning denoising of a low-dose CT"[:1024]
        ds.DerivationCodeSequence = Sequence([code_item("113087", "DCM", "Smoothing")])
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = src.SOPClassUID, src.SOPInstanceUID
        ref.PurposeOfReferenceCodeSequence = Sequence(
            [code_item("121322", "DCM", "Source image for image processing operation")]
        )
        ds.SourceImageSequence = Sequence([ref])
        equipment = Dataset()
        equipment.PurposeOfReferenceCodeSequence = Sequence([code_item("109103", "DCM", "Modifying Equipment")])
        equipment.Manufacturer, equipment.ManufacturerModelName = "lowcount", model_name[:64]
        equipment.SoftwareVersions = (model_version or "unknown")[:64]
        equipment.ContributionDescription = "AI denoising"
        ds.ContributingEquipmentSequence = Sequence([equipment])
        ds.BurnedInAnnotation, ds.LossyImageCompression = "NO", "00"
        slope = float(src.get("RescaleSlope", 1) or 1)
        intercept = float(src.get("RescaleIntercept", -1024) or 0)
        _slice_dataset(ds, image, slope, intercept)
        paths.append(write_dataset(ds, Path(out_dir)))
    return paths
