"""DICOM NM whole-body scans in and out (rules in shared/docs/dicom-nm.md).

Reading accepts a 2-frame NM object (views found through Detector Vector and the Detector Information
Sequence), dual-window 4-frame objects, separate single-frame ANT and POST objects, and compressed
transfer syntaxes (JPEG 2000 and JPEG lossless via pylibjpeg). Which rule decided each view is reported;
a view that no rule decides is guessed and flagged, never silently.

Writing produces a standard NM Image object (2 frames, uint16) and, for enhanced output, a derived
object in a new series of the same study, marked as AI-enhanced. Files are named by SOP Instance UID.
pydicom is imported inside the functions, so ``import lowcount.io.dicom`` stays light.
"""

from __future__ import annotations

import copy
import io as _io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_write_bytes

NM_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.20"
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's root for generated UIDs
VIEW_CODES = {
    "399321004": "anterior",
    "G-5215": "anterior",
    "399001007": "posterior",
    "G-5216": "posterior",
}
VIEW_CODE_OUT = {"anterior": ("399321004", "Anterior projection"), "posterior": ("399001007", "Posterior projection")}
ENHANCED_MARKER = "AI-ENHANCED - not acquired counts"
MAX_UINT16 = 65535


class DicomInputError(ValueError):
    """A DICOM file that lowcount cannot use; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class WholeBodyScan:
    """Counts of one whole-body acquisition with the metadata lowcount needs.

    Attributes:
        anterior, posterior: (rows, cols) float32 counts in the stored geometry (posterior not flipped).
        pixel_spacing_mm: (row, column) spacing, or None when the file leaves Pixel Spacing empty.
        scan_velocity_cm_min: Scan Velocity (0018,1300) in cm/min, or None.
        frame_duration_ms: Actual Frame Duration (0018,1242), or None.
        counts_accumulated: Counts Accumulated (0018,0070) as stored, or None.
        patient_id, patient_name: as stored; never used in file names or logs.
        study_uid, series_uid: identifiers of the study and series.
        sop_uids: SOP Instance UID of each source object.
        view_rules: for each view, the rule that decided it (e.g. ``"View Code Sequence 399321004"``).
        view_guessed: True when at least one view was assigned by position alone.
        energy_window: the energy window read (1-based), for multi-window objects.
        notes: other things a user should know (empty Pixel Spacing, palette data...).
        source_paths: files read.
        origin: for each view, the file and the 0-based frame index it was read from.
    """

    anterior: np.ndarray
    posterior: np.ndarray
    pixel_spacing_mm: tuple[float, float] | None
    scan_velocity_cm_min: float | None
    frame_duration_ms: float | None
    counts_accumulated: int | None
    patient_id: str
    patient_name: str
    study_uid: str
    series_uid: str
    sop_uids: tuple[str, ...]
    view_rules: dict[str, str]
    view_guessed: bool
    energy_window: int | None = None
    notes: tuple[str, ...] = ()
    source_paths: tuple[str, ...] = ()
    origin: dict[str, tuple[str, int]] = field(default_factory=dict)

    def views(self) -> np.ndarray:
        """(2, rows, cols) float32: anterior, posterior."""
        return np.stack([self.anterior, self.posterior])


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


def _fail(path, field_name: str, problem: str, fix: str) -> DicomInputError:
    return DicomInputError(f"{path}: {field_name}: {problem}. {fix}")


def _dcmread(path: Path):
    import pydicom
    from pydicom.errors import InvalidDicomError

    if not path.is_file():
        raise DicomInputError(f"{path}: no such file. Check the path.")
    try:
        ds = pydicom.dcmread(path)
    except InvalidDicomError as exc:
        raise _fail(
            path,
            "file",
            f"not a DICOM file ({exc})",
            "Give a DICOM Part 10 file (.dcm) exported from the camera or PACS.",
        ) from exc
    except (EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(
            path,
            "file",
            f"unreadable or truncated DICOM ({type(exc).__name__}: {exc})",
            "Export the study again; the file is damaged.",
        ) from exc
    return ds


def _check_nm(ds, path) -> None:
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class.startswith(SECONDARY_CAPTURE_PREFIX) or ds.get("PhotometricInterpretation", "") in (
        "RGB",
        "YBR_FULL",
        "YBR_FULL_422",
    ):
        raise _fail(
            path,
            "SOP Class UID / Photometric Interpretation",
            f"a Secondary Capture or colour screenshot ({sop_class or 'no SOP class'}, "
            f"{ds.get('PhotometricInterpretation', '?')}) holds no counts",
            "Export the original NM acquisition (SOP Class 1.2.840.10008.5.1.4.1.1.20) instead.",
        )
    modality = ds.get("Modality", None)
    if modality != "NM":
        raise _fail(
            path,
            "Modality (0008,0060)",
            f"is {modality!r}, not 'NM'",
            "lowcount reads nuclear-medicine (NM) whole-body images only.",
        )
    if "PixelData" not in ds:
        raise _fail(path, "Pixel Data (7FE0,0010)", "is missing", "The object has no image; export the image series.")
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        raise _fail(
            path,
            "Samples per Pixel (0028,0002)",
            f"is {ds.SamplesPerPixel}, expected 1",
            "Give the original single-channel NM object, not a colour rendering.",
        )


def _pixels(ds, path) -> np.ndarray:
    """Stored values as float32 (frames, rows, cols)."""
    try:
        arr = ds.pixel_array
    except Exception as exc:  # pydicom raises several types for missing decoders and bad lengths
        syntax = ds.file_meta.get("TransferSyntaxUID", "unknown") if hasattr(ds, "file_meta") else "unknown"
        raise _fail(
            path,
            "Pixel Data (7FE0,0010)",
            f"cannot be decoded ({type(exc).__name__}: {exc}); transfer syntax {syntax}",
            "Install pylibjpeg with its openjpeg and libjpeg plugins for compressed data, or re-export uncompressed.",
        ) from exc
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    arr = np.asarray(arr)
    if frames == 1 and arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] != frames:
        raise _fail(
            path,
            "Number of Frames (0028,0008)",
            f"says {frames} but the pixel data has shape {arr.shape}",
            "The file is inconsistent; export it again.",
        )
    out = arr.astype(np.float32)
    slope, intercept = ds.get("RescaleSlope", None), ds.get("RescaleIntercept", None)
    if slope is not None or intercept is not None:  # not standard for NM, but seen in the wild
        out = out * float(slope if slope is not None else 1.0) + float(intercept if intercept is not None else 0.0)
    if not np.all(np.isfinite(out)):
        raise _fail(path, "Pixel Data", "contains non-finite values", "Counts must be finite.")
    if out.min() < 0:
        raise _fail(
            path,
            "Pixel Data",
            f"contains negative values (min {out.min():g})",
            "Counts cannot be negative; check Pixel Representation (0028,0103) or export the raw acquisition.",
        )
    return out


def _view_from_item(item) -> str | None:
    for code in item.get("ViewCodeSequence", []) or []:
        view = VIEW_CODES.get(str(code.get("CodeValue", "")))
        if view:
            return view
    return None


def _view_from_text(text: str) -> str | None:
    t = text.upper()
    has_ant, has_post = "ANT" in t, "POS" in t
    if has_ant and not has_post:
        return "anterior"
    if has_post and not has_ant:
        return "posterior"
    return None


def _ge_view_label(ds) -> str | None:
    try:
        block = ds.private_block(0x0011, "GEMS_GENIE_1")
        elem = block[0x12]
    except (KeyError, ValueError):
        return None
    value = elem.value
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    return str(value)


def _frame_views(ds, path, n_frames: int) -> tuple[list[tuple[int, int]], dict[int, tuple[str, str]]]:
    """Per frame (window, detector), and per detector (view, rule)."""
    detectors = [
        int(v)
        for v in np.atleast_1d(
            ds.get("DetectorVector", list(range(1, n_frames + 1))) if n_frames > 1 else ds.get("DetectorVector", [1])
        )
    ]
    windows_raw = ds.get("EnergyWindowVector", None)
    windows = [int(v) for v in np.atleast_1d(windows_raw)] if windows_raw is not None else [1] * n_frames
    if len(detectors) != n_frames or len(windows) != n_frames:
        raise _fail(
            path,
            "Detector Vector (0054,0020) / Energy Window Vector (0054,0010)",
            f"have {len(detectors)} / {len(windows)} values for {n_frames} frames",
            "Each frame needs one entry in each vector; the object is not a valid NM whole-body image.",
        )
    n_det = int(ds.get("NumberOfDetectors", len(set(detectors))) or len(set(detectors)))
    n_win = int(ds.get("NumberOfEnergyWindows", len(set(windows))) or len(set(windows)))
    if n_frames != n_det * n_win:
        raise _fail(
            path,
            "Number of Frames (0028,0008)",
            f"is {n_frames}, but Number of Energy Windows x Number of Detectors is {n_win} x {n_det}",
            "The frame count is odd for a whole-body object; export the original acquisition.",
        )
    info = list(ds.get("DetectorInformationSequence", []) or [])
    decided: dict[int, tuple[str, str]] = {}
    for det in sorted(set(detectors)):
        item = info[det - 1] if 0 < det <= len(info) else None
        view = _view_from_item(item) if item is not None else None
        if view:
            code = next(str(c.CodeValue) for c in item.ViewCodeSequence if VIEW_CODES.get(str(c.CodeValue)))
            decided[det] = (view, f"View Code Sequence {code} (Detector Information item {det})")
    if len(decided) < len(set(detectors)) and len(set(detectors)) == 1:
        view = _view_from_item(ds)
        if view:
            decided[detectors[0]] = (view, "View Code Sequence (top level)")
    if len(decided) < len(set(detectors)):
        label = _ge_view_label(ds)
        if label and len(set(detectors)) == 1 and _view_from_text(label):
            decided[detectors[0]] = (_view_from_text(label), "GE private view label (0011,GEMS_GENIE_1,12)")
    if len(decided) < len(set(detectors)) and len(set(detectors)) == 1:
        for keyword in ("ImageID", "SeriesDescription", "ImageComments"):
            view = _view_from_text(str(ds.get(keyword, "")))
            if view:
                decided[detectors[0]] = (view, f"text of {keyword}")
                break
    return list(zip(windows, detectors, strict=False)), decided


def _choose_window(ds, windows: set[int], requested: int | None, path) -> tuple[int, list[str]]:
    if requested is not None:
        if requested not in windows:
            raise _fail(
                path,
                "Energy Window Vector (0054,0010)",
                f"has no window {requested} (has {sorted(windows)})",
                "Pick one of the windows present.",
            )
        return requested, [f"energy window {requested} read as requested"]
    if len(windows) == 1:
        return next(iter(windows)), []
    seq = list(ds.get("EnergyWindowInformationSequence", []) or [])
    for w in sorted(windows):
        item = seq[w - 1] if w - 1 < len(seq) else None
        if item is None:
            continue
        name = str(item.get("EnergyWindowName", "")).upper()
        ranges = item.get("EnergyWindowRangeSequence", []) or []
        covers_peak = any(
            float(r.get("EnergyWindowLowerLimit", 0)) <= 140.5 <= float(r.get("EnergyWindowUpperLimit", 0))
            for r in ranges
        )
        if "SC" not in name and (covers_peak or not ranges):
            return w, [f"energy window {w} ({name or 'unnamed'}) chosen as the Tc-99m photopeak"]
    first = min(windows)
    return first, [f"energy window {first} chosen by position: no window is named or ranged as the photopeak"]


def _ds_float(ds, keyword: str) -> float | None:
    value = ds.get(keyword, None)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_wholebody(paths: str | Path | list[str | Path], energy_window: int | None = None) -> WholeBodyScan:
    """Read one whole-body acquisition from one multi-frame NM file or separate ANT/POST files.

    Args:
        paths: a file, or a list of files (e.g. one single-frame object per view).
        energy_window: 1-based window to read from multi-window objects; by default the photopeak.

    Returns:
        A :class:`WholeBodyScan`; counts keep the stored geometry (the posterior view is not flipped).

    Raises:
        DicomInputError: for non-DICOM or truncated files, Secondary Capture screenshots, wrong modality,
            missing pixel data, inconsistent frame counts, negative values or views that cannot be paired.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise DicomInputError("read_wholebody: no files given. Pass the NM file(s) of one acquisition.")
    views: dict[str, np.ndarray] = {}
    rules: dict[str, str] = {}
    guessed = False
    notes: list[str] = []
    datasets = []
    chosen_window = None
    origin: dict[str, tuple[str, int]] = {}
    pending: list[tuple[Path, int, np.ndarray]] = []  # frames whose view no rule decided
    for path in paths:
        ds = _dcmread(path)
        _check_nm(ds, path)
        pixels = _pixels(ds, path)
        datasets.append(ds)
        frame_keys, decided = _frame_views(ds, path, pixels.shape[0])
        window, window_notes = _choose_window(ds, {w for w, _ in frame_keys}, energy_window, path)
        notes += window_notes
        chosen_window = window
        for index, ((w, det), frame) in enumerate(zip(frame_keys, pixels, strict=True)):
            if w != window:
                continue
            if det in decided:
                view, rule = decided[det]
                if view in views:
                    raise _fail(
                        path,
                        "Detector Information Sequence / View Code Sequence",
                        f"two frames claim the {view} view",
                        "Give one anterior and one posterior image.",
                    )
                views[view], rules[view], origin[view] = frame, rule, (str(path), index)
            else:
                pending.append((path, index, frame))
    for path, index, frame in pending:  # no rule decided: guess by position and flag it
        missing = [v for v in ("anterior", "posterior") if v not in views]
        if not missing:
            raise _fail(path, "frames", "more frames than views", "Give one anterior and one posterior image.")
        views[missing[0]], origin[missing[0]] = frame, (str(path), index)
        rules[missing[0]] = f"guessed by position ({path.name}); no view code, GE label or text named it"
        guessed = True
    for view in ("anterior", "posterior"):
        if view not in views:
            raise DicomInputError(
                f"{', '.join(map(str, paths))}: no {view} view found. A whole-body scan needs "
                "both views: pass the ANT and POST files together, or the 2-frame object."
            )
    if views["anterior"].shape != views["posterior"].shape:
        raise DicomInputError(
            f"{', '.join(map(str, paths))}: Rows/Columns differ between views "
            f"({views['anterior'].shape} vs {views['posterior'].shape}). Pass views of one acquisition."
        )
    first = datasets[0]
    studies = {str(d.get("StudyInstanceUID", "")) for d in datasets}
    if len(studies) > 1:
        raise DicomInputError(
            f"{', '.join(map(str, paths))}: Study Instance UID (0020,000D) differs between files. "
            "Pass the views of one study."
        )
    spacing = first.get("PixelSpacing", None)
    pixel_spacing = (float(spacing[0]), float(spacing[1])) if spacing not in (None, "") and len(spacing) == 2 else None
    if pixel_spacing is None:
        notes.append("Pixel Spacing (0028,0030) is empty: physical sizes are unknown")
    if first.get("PhotometricInterpretation", "") == "PALETTE COLOR":
        notes.append("PALETTE COLOR: stored indices are read as counts")
    counts = first.get("CountsAccumulated", None)
    return WholeBodyScan(
        anterior=views["anterior"],
        posterior=views["posterior"],
        pixel_spacing_mm=pixel_spacing,
        scan_velocity_cm_min=_ds_float(first, "ScanVelocity"),
        frame_duration_ms=_ds_float(first, "ActualFrameDuration"),
        counts_accumulated=int(counts) if counts not in (None, "") else None,
        patient_id=str(first.get("PatientID", "")),
        patient_name=str(first.get("PatientName", "")),
        study_uid=str(first.get("StudyInstanceUID", "")),
        series_uid=str(first.get("SeriesInstanceUID", "")),
        sop_uids=tuple(str(d.get("SOPInstanceUID", "")) for d in datasets),
        view_rules=rules,
        view_guessed=guessed,
        energy_window=chosen_window,
        notes=tuple(notes),
        source_paths=tuple(str(p) for p in paths),
        origin=origin,
    )


def check_counts(counts: np.ndarray, what: str) -> np.ndarray:
    """Return ``counts`` as an array after refusing non-numeric, non-finite or negative values."""
    arr = np.asarray(counts)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{what}: counts must be numeric, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: counts contain NaN or infinite values; fix the model output before writing")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{what}: counts contain negative values (min {arr.min():g}); clip them at 0 before writing")
    return arr


def counts_to_uint16(counts: np.ndarray, what: str) -> np.ndarray:
    """Round counts to uint16 (clipped at 65535), refusing values a DICOM NM image cannot hold."""
    return np.clip(np.rint(check_counts(counts, what)), 0, MAX_UINT16).astype(np.uint16)


def _code_item(value: str, scheme: str, meaning: str):
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _encode(ds) -> bytes:
    import pydicom

    buffer = _io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def _write(ds, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{ds.SOPInstanceUID}.dcm"
    atomic_write_bytes(path, _encode(ds))
    return path


def _set_frames(ds, frames: np.ndarray) -> None:
    """Store (frames, rows, cols) uint16 pixels and recompute the attributes that depend on them."""
    ds.set_pixel_data(frames[0] if frames.shape[0] == 1 else frames, "MONOCHROME2", 16, generate_instance_uid=False)
    ds.NumberOfFrames = int(frames.shape[0])
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
    from pydicom.sequence import Sequence
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
    ds.BodyPartExamined = "WHOLEBODY"
    ds.CountsAccumulated = 0
    ds.ActualFrameDuration = int(round(header.frame_duration_ms))
    ds.ScanVelocity = f"{header.scan_velocity_cm_min:.4g}"
    ds.WholeBodyTechnique = "1PS"
    ds.ScanLength = int(round(ant.shape[0] * sy))
    ds.StudyInstanceUID = header.study_uid
    ds.SeriesInstanceUID = header.series_uid
    ds.StudyID = header.study_id
    ds.SeriesNumber = header.series_number
    ds.InstanceNumber = 1
    ds.PatientOrientation = ""
    if header.frame_of_reference_uid:
        ds.FrameOfReferenceUID = header.frame_of_reference_uid
        ds.PositionReferenceIndicator = ""
    if header.image_comments:
        ds.ImageComments = header.image_comments
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
    radio.RadionuclideCodeSequence = Sequence([_code_item("44588005", "SCT", "Technetium-99m")])
    radio.Radiopharmaceutical = "Tc-99m MDP"
    if header.injected_activity_mbq is not None:
        radio.RadionuclideTotalDose = f"{header.injected_activity_mbq:.1f}"
    ds.RadiopharmaceuticalInformationSequence = Sequence([radio])
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
        item.ViewCodeSequence = Sequence([_code_item(*VIEW_CODE_OUT[view][:1], "SCT", VIEW_CODE_OUT[view][1])])
        detectors.append(item)
    ds.DetectorInformationSequence = Sequence(detectors)
    ds.PatientOrientationCodeSequence = Sequence([_code_item("102538003", "SCT", "recumbent")])
    ds.PatientOrientationCodeSequence[0].PatientOrientationModifierCodeSequence = Sequence(
        [_code_item("40199007", "SCT", "supine")]
    )
    ds.PatientGantryRelationshipCodeSequence = Sequence([_code_item("126830", "SCT", "headfirst")])
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    _set_frames(ds, np.stack([ant, post]))
    for keyword, value in header.extra.items():
        setattr(ds, keyword, value)
    return _write(ds, Path(out_dir))


def write_enhanced(
    sources: str | Path | list[str | Path],
    anterior: np.ndarray,
    posterior: np.ndarray,
    out_dir: str | Path,
    model_name: str,
    model_version: str,
    input_description: str,
    energy_window: int | None = None,
    uid_entropy: list[str] | None = None,
) -> list[Path]:
    """Write enhanced counts as derived NM objects in a new series of the source's study.

    Each source object is copied and edited as shared/docs/dicom-nm.md section 2 says: new series and
    instance UIDs, ``DERIVED\\PRIMARY\\WHOLE BODY\\EMISSION``, Derivation Description and Code, Source Image
    Sequence, Contributing Equipment, an explicit AI-enhanced series description and image comment, uint16
    counts with Counts Accumulated recomputed, stale display attributes removed. A 2-frame source gives one
    derived 2-frame object; separate ANT and POST files give one derived object each (same new series).
    A multi-window source keeps only the window that was enhanced.

    Args:
        sources: the acquired NM file(s) the enhanced views were computed from, as given to
            :func:`read_wholebody`.
        anterior, posterior: (rows, cols) enhanced counts in the source's stored geometry.
        out_dir: folder to write ``<new SOPInstanceUID>.dcm`` files into.
        model_name, model_version: what produced the counts (goes into Derivation Description).
        input_description: how the input was acquired, e.g. ``"input acquired at 45 cm/min"``.
        energy_window: the window that was enhanced (default: the one :func:`read_wholebody` picks).
        uid_entropy: strings that make the new UIDs reproducible (default: random UIDs).

    Returns:
        The paths written, one per source file.
    """
    from pydicom.uid import generate_uid

    paths = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(p) for p in sources]
    scan = read_wholebody(paths, energy_window=energy_window)
    enhanced = {
        "anterior": counts_to_uint16(anterior, "enhanced anterior view"),
        "posterior": counts_to_uint16(posterior, "enhanced posterior view"),
    }
    for view, counts in enhanced.items():
        if counts.shape != getattr(scan, view).shape:
            raise ValueError(
                f"enhanced {view} view must keep the source geometry {getattr(scan, view).shape}, got {counts.shape}"
            )
    series = generate_uid(UID_ROOT, entropy_srcs=None if uid_entropy is None else [*uid_entropy, "series"])
    written = []
    for k, path in enumerate(paths):
        frames = sorted((index, view) for view, (origin, index) in scan.origin.items() if origin == str(path))
        sop = generate_uid(UID_ROOT, entropy_srcs=None if uid_entropy is None else [*uid_entropy, "instance", str(k)])
        ds = _derived_dataset(_dcmread(path), path, frames, enhanced, series, sop, scan.energy_window or 1)
        _annotate_derivation(ds, model_name, model_version, input_description)
        written.append(_write(ds, Path(out_dir)))
    return written


def _derived_dataset(
    src, path: Path, frames: list[tuple[int, str]], enhanced: dict, series: str, sop: str, window: int
):
    """A copy of ``src`` holding only ``frames`` (source index, view), with the enhanced pixels and new UIDs."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian

    frame_keys, _ = _frame_views(src, path, int(src.get("NumberOfFrames", 1) or 1))
    ds = copy.deepcopy(src)  # Dataset.copy() shares data elements with the source
    ds.SeriesInstanceUID = series
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SeriesNumber = int(src.get("SeriesNumber", 0) or 0) + 1000
    ref = Dataset()
    ref.ReferencedSOPClassUID = str(src.SOPClassUID)
    ref.ReferencedSOPInstanceUID = str(src.SOPInstanceUID)
    ref.PurposeOfReferenceCodeSequence = Sequence(
        [_code_item("121322", "DCM", "Source image for image processing operation")]
    )
    ref.SpatialLocationsPreserved = "YES"
    ds.SourceImageSequence = Sequence([ref])
    if "DetectorVector" in src:
        ds.DetectorVector = [frame_keys[index][1] for index, _ in frames]
    if "EnergyWindowVector" in src:
        ds.EnergyWindowVector = [1] * len(frames)
    if int(src.get("NumberOfEnergyWindows", 1) or 1) > 1:
        ds.NumberOfEnergyWindows = 1
        seq = list(src.get("EnergyWindowInformationSequence", []) or [])
        if window - 1 < len(seq):
            ds.EnergyWindowInformationSequence = Sequence([seq[window - 1]])
    _set_frames(ds, np.stack([enhanced[view] for _, view in frames]))
    return ds


def _annotate_derivation(ds, model_name: str, model_version: str, input_description: str) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds.ImageType = ["DERIVED", "PRIMARY", "WHOLE BODY", "EMISSION"]
    ds.SeriesDescription = f"{ENHANCED_MARKER} {model_name}"[:64]
    ds.ImageComments = f"{ENHANCED_MARKER}; {model_name} {model_version}; {input_description}"[:10240]
    ds.DerivationDescription = f"{model_name} {model_version}: deep-learning count enhancement; {input_description}"[
        :1024
    ]
    ds.DerivationCodeSequence = Sequence([_code_item("113087", "DCM", "Smoothing")])
    equipment = Dataset()
    equipment.PurposeOfReferenceCodeSequence = Sequence([_code_item("109103", "DCM", "Modifying Equipment")])
    equipment.Manufacturer = "lowcount"
    equipment.ManufacturerModelName = model_name[:64]
    equipment.SoftwareVersions = model_version[:64]
    equipment.ContributionDescription = "AI count enhancement"
    ds.ContributingEquipmentSequence = Sequence([equipment])
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
