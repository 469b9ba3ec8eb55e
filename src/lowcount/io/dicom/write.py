"""Writing acquired (simulated) whole-body scans as standard NM Image objects (2 frames, uint16).

Files are named ``<SOPInstanceUID>.dcm`` and written atomically.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_write_bytes
from lowcount.io.counts import counts_to_uint16
from lowcount.io.dicom.scan import NM_IMAGE_STORAGE

VIEW_CODE_OUT = {"anterior": ("399321004", "Anterior projection"), "posterior": ("399001007", "Posterior projection")}


@dataclass(frozen=True)
class NMHeader:
    """What :func:`write_wholebody` puts around the pixels of an acquired (simulated) scan."""

    patient_name: str
    patient_id: str
    study_uid: str
    series_uid: str
    sop_uid: str
    pixel_spacing_mm: tuple[float, float]
    scan_velocity_cm_min: float
    frame_duration_ms: float
    patient_sex: str = "O"
    patient_age_years: int | None = None
    patient_height_m: float | None = None
    study_date: str = "20260101"
    study_time: str = "090000"
    series_time: str = "090000"
    study_id: str = "1"
    series_number: int = 1
    accession_number: str = ""
    series_description: str = "WB ANT/POST"
    manufacturer: str = "lowcount phantom"
    model_name: str = "lowcount camera simulator"
    software_version: str = ""
    frame_of_reference_uid: str = ""
    injected_activity_mbq: float | None = None
    image_comments: str = ""
    extra: dict = field(default_factory=dict)


def code_item(value: str, scheme: str, meaning: str):
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def encode(ds) -> bytes:
    import pydicom

    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def write_dataset(ds, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{ds.SOPInstanceUID}.dcm"
    atomic_write_bytes(path, encode(ds))
    return path


def set_frames(ds, frames: np.ndarray, nm: bool = True) -> None:
    """Store (frames, rows, cols) uint16 pixels and recompute the attributes that depend on them.

    ``nm`` False is for a Secondary Capture: Number of Frames is kept only when the object has it, and
    Counts Accumulated (an NM Image attribute) is not added.
    """
    ds.set_pixel_data(frames[0] if frames.shape[0] == 1 else frames, "MONOCHROME2", 16, generate_instance_uid=False)
    if nm or "NumberOfFrames" in ds:
        ds.NumberOfFrames = int(frames.shape[0])
    if nm:
        ds.CountsAccumulated = int(frames.sum(dtype=np.int64))
    for keyword in (
        "WindowCenter",
        "WindowWidth",
        "SmallestImagePixelValue",
        "LargestImagePixelValue",
        "IconImageSequence",
    ):
        if keyword in ds:
            delattr(ds, keyword)


def _identify(ds, header: NMHeader) -> None:
    """SOP, patient, study and series identification, dates and equipment."""
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "WHOLE BODY", "EMISSION"]
    ds.SOPClassUID = NM_IMAGE_STORAGE
    ds.SOPInstanceUID = header.sop_uid
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = header.study_date
    ds.StudyTime = header.study_time
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = header.series_time
    ds.AccessionNumber = header.accession_number
    ds.Modality = "NM"
    ds.Manufacturer = header.manufacturer
    ds.ManufacturerModelName = header.model_name
    if header.software_version:
        ds.SoftwareVersions = header.software_version
    ds.ReferringPhysicianName = ""
    ds.SeriesDescription = header.series_description
    ds.PatientName = header.patient_name
    ds.PatientID = header.patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = header.patient_sex
    if header.patient_age_years is not None:
        ds.PatientAge = f"{int(header.patient_age_years):03d}Y"
    if header.patient_height_m is not None:
        ds.PatientSize = f"{header.patient_height_m:.2f}"
    ds.StudyInstanceUID = header.study_uid
    ds.SeriesInstanceUID = header.series_uid
    ds.StudyID = header.study_id
    ds.SeriesNumber = header.series_number
    ds.InstanceNumber = 1
    if header.frame_of_reference_uid:
        ds.FrameOfReferenceUID = header.frame_of_reference_uid
        ds.PositionReferenceIndicator = ""
    if header.image_comments:
        ds.ImageComments = header.image_comments


def _acquisition(ds, header: NMHeader, rows: int) -> None:
    """Whole-body timing and geometry, the Tc-99m photopeak window and the radiopharmaceutical."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    sy, sx = header.pixel_spacing_mm
    ds.BodyPartExamined = "WHOLEBODY"
    ds.CountsAccumulated = 0
    ds.ActualFrameDuration = int(round(header.frame_duration_ms))
    ds.ScanVelocity = f"{header.scan_velocity_cm_min:.4g}"
    ds.WholeBodyTechnique = "1PS"
    ds.ScanLength = int(round(rows * sy))
    ds.PatientOrientation = ""
    ds.FrameIncrementPointer = [0x00540010, 0x00540020]
    ds.PixelSpacing = [f"{sy:.6g}", f"{sx:.6g}"]
    ds.EnergyWindowVector = [1, 1]
    ds.NumberOfEnergyWindows = 1
    window = Dataset()
    window.EnergyWindowName = "Tc99m"
    rng_item = Dataset()
    rng_item.EnergyWindowLowerLimit, rng_item.EnergyWindowUpperLimit = "129.5", "150.5"
    window.EnergyWindowRangeSequence = Sequence([rng_item])
    ds.EnergyWindowInformationSequence = Sequence([window])
    radio = Dataset()
    radio.RadionuclideCodeSequence = Sequence([code_item("44588005", "SCT", "Technetium-99m")])
    radio.Radiopharmaceutical = "Tc-99m MDP"
    if header.injected_activity_mbq is not None:
        radio.RadionuclideTotalDose = f"{header.injected_activity_mbq:.1f}"
    ds.RadiopharmaceuticalInformationSequence = Sequence([radio])


def _detectors(ds) -> None:
    """Two detectors (anterior, posterior) with their view codes, and the patient's position."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds.DetectorVector = [1, 2]
    ds.NumberOfDetectors = 2
    detectors = []
    for view in ("anterior", "posterior"):
        item = Dataset()
        item.CollimatorGridName = "LEHR"
        item.CollimatorType = "PARA"
        item.ImagePositionPatient = [0, 0, 0]
        # Columns run to the patient's left in the anterior view and to the right in the posterior view.
        item.ImageOrientationPatient = [1, 0, 0, 0, 0, -1] if view == "anterior" else [-1, 0, 0, 0, 0, -1]
        item.ViewCodeSequence = Sequence([code_item(*VIEW_CODE_OUT[view][:1], "SCT", VIEW_CODE_OUT[view][1])])
        detectors.append(item)
    ds.DetectorInformationSequence = Sequence(detectors)
    ds.PatientOrientationCodeSequence = Sequence([code_item("102538003", "SCT", "recumbent")])
    ds.PatientOrientationCodeSequence[0].PatientOrientationModifierCodeSequence = Sequence(
        [code_item("40199007", "SCT", "supine")]
    )
    ds.PatientGantryRelationshipCodeSequence = Sequence([code_item("126830", "SCT", "headfirst")])


def write_wholebody(out_dir: str | Path, anterior: np.ndarray, posterior: np.ndarray, header: NMHeader) -> Path:
    """Write an acquired whole-body scan as one 2-frame NM Image object named ``<SOPInstanceUID>.dcm``.

    Args:
        out_dir: folder to write into (created when missing).
        anterior, posterior: (rows, cols) non-negative counts; rounded to uint16.
        header: identifiers and acquisition parameters.

    Returns:
        The path written (atomically).
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    ant = counts_to_uint16(anterior, "anterior view")
    post = counts_to_uint16(posterior, "posterior view")
    if ant.ndim != 2 or ant.shape != post.shape:
        raise ValueError(f"views must be 2-D and of equal shape, got {ant.shape} and {post.shape}")
    sy, sx = header.pixel_spacing_mm
    if not (sy > 0 and sx > 0):
        raise ValueError(f"pixel_spacing_mm must be positive, got {header.pixel_spacing_mm}")
    if not header.scan_velocity_cm_min > 0:
        raise ValueError(f"scan_velocity_cm_min must be positive, got {header.scan_velocity_cm_min}")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = NM_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = header.sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    _identify(ds, header)
    _acquisition(ds, header, ant.shape[0])
    _detectors(ds)
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    set_frames(ds, np.stack([ant, post]))
    for keyword, value in header.extra.items():
        setattr(ds, keyword, value)
    return write_dataset(ds, Path(out_dir))
