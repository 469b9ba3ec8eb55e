"""Reading whole-body NM acquisitions (rules in shared/docs/dicom-nm.md).

Accepts a 2-frame NM object (views found through Detector Vector and the Detector Information Sequence),
dual-window 4-frame objects, separate single-frame ANT and POST objects, and compressed transfer syntaxes
(JPEG 2000 and JPEG lossless via pylibjpeg). Which rule decided each view is reported; a view that no rule
decides is guessed and flagged, never silently.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lowcount.io.dicom.scan import SECONDARY_CAPTURE_PREFIX, VIEW_NAMES, DicomInputError, WholeBodyScan, fail
from lowcount.io.dicom.secondary_capture import COLOUR, check_secondary_capture
from lowcount.io.dicom.values import DecodeLimits, check_pixel_size, guarded, number, numbers, raw, uid
from lowcount.io.dicom.views import choose_window, frame_views


def dcmread(path: Path):
    import pydicom
    from pydicom.errors import InvalidDicomError

    if not path.is_file():
        raise DicomInputError(f"{path}: no such file. Check the path.")
    try:
        ds = pydicom.dcmread(path)
    except InvalidDicomError as exc:
        raise fail(
            path,
            "file",
            f"not a DICOM file ({exc})",
            "Give a DICOM Part 10 file (.dcm) exported from the camera or PACS.",
        ) from exc
    except Exception as exc:  # EOFError, OSError, struct.error... for truncated or damaged files
        raise fail(
            path,
            "file",
            f"unreadable or truncated DICOM ({type(exc).__name__}: {exc})",
            "Export the study again; the file is damaged.",
        ) from exc
    return ds


def check_nm(ds, path) -> None:
    """Refuse what is not a whole-body NM image holding counts: other modalities, colour renderings, and
    Secondary Captures other than a 16-bit greyscale NM view (lowcount.io.dicom.secondary_capture)."""
    sop_class = str(raw(ds, "SOPClassUID", path, ""))
    if sop_class.startswith(SECONDARY_CAPTURE_PREFIX):
        check_secondary_capture(ds, path)
    elif raw(ds, "PhotometricInterpretation", path, "") in COLOUR:
        raise fail(
            path,
            "Photometric Interpretation (0028,0004)",
            f"is {ds.get('PhotometricInterpretation')}: a colour rendering holds display colours, not counts",
            "Export the original NM acquisition (SOP Class 1.2.840.10008.5.1.4.1.1.20) instead.",
        )
    modality = ds.get("Modality", None)
    if modality != "NM":
        raise fail(
            path,
            "Modality (0008,0060)",
            f"is {modality!r}, not 'NM'",
            "lowcount reads nuclear-medicine (NM) whole-body images only.",
        )
    if "PixelData" not in ds:
        raise fail(path, "Pixel Data (7FE0,0010)", "is missing", "The object has no image; export the image series.")
    samples = number(ds, "SamplesPerPixel", path, default=1, whole=True)
    if samples != 1:
        raise fail(
            path,
            "Samples per Pixel (0028,0002)",
            f"is {samples}, expected 1",
            "Give the original single-channel NM object, not a colour rendering.",
        )


def read_pixels(ds, path, limits: DecodeLimits | None = None) -> np.ndarray:
    """Stored values as float32 (frames, rows, cols), after checking the declared size against ``limits``."""
    rows, cols, frames = check_pixel_size(ds, path, limits or DecodeLimits())
    try:
        with warnings.catch_warnings(record=True) as heard:
            warnings.simplefilter("always")
            arr = ds.pixel_array
    except Exception as exc:  # pydicom raises several types for missing decoders and bad lengths
        syntax = ds.file_meta.get("TransferSyntaxUID", "unknown") if hasattr(ds, "file_meta") else "unknown"
        raise fail(
            path,
            "Pixel Data (7FE0,0010)",
            f"cannot be decoded ({type(exc).__name__}: {exc}); transfer syntax {syntax}",
            "Install pylibjpeg with its openjpeg and libjpeg plugins for compressed data, or re-export uncompressed.",
        ) from exc
    if heard:  # a decoder that only warns (e.g. RLE segments longer than Rows x Columns) gave a sheared image
        raise fail(
            path,
            "Pixel Data (7FE0,0010)",
            f"does not decode cleanly to the declared matrix ({heard[0].message})",
            "The file is inconsistent; export it again, uncompressed if the camera allows.",
        )
    arr = np.asarray(arr)
    if frames == 1 and arr.ndim == 2:
        arr = arr[None]
    if arr.shape != (frames, rows, cols):
        raise fail(
            path,
            "Number of Frames / Rows / Columns",
            f"say {frames} x {rows} x {cols} but the pixel data decodes to shape {arr.shape}",
            "The file is inconsistent; export it again.",
        )
    out = arr.astype(np.float32)
    slope = number(ds, "RescaleSlope", path)
    intercept = number(ds, "RescaleIntercept", path)
    if slope is not None or intercept is not None:  # not standard for NM, but seen in the wild
        out = out * float(slope if slope is not None else 1.0) + float(intercept if intercept is not None else 0.0)
    if not np.all(np.isfinite(out)):
        raise fail(path, "Pixel Data", "contains non-finite values", "Counts must be finite.")
    if out.min() < 0:
        raise fail(
            path,
            "Pixel Data",
            f"contains negative values (min {out.min():g})",
            "Counts cannot be negative; check Pixel Representation (0028,0103) or export the raw acquisition.",
        )
    return out


def _pixel_spacing(ds, path: Path) -> tuple[float, float] | None:
    spacing = numbers(ds, "PixelSpacing", path, count=2, positive=True)
    return (spacing[0], spacing[1]) if spacing is not None else None


@dataclass
class _ViewAssignment:
    """Frames found so far for each view, the rule that decided each, and the frames no rule decided."""

    frames: dict[str, np.ndarray] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    origin: dict[str, tuple[str, int]] = field(default_factory=dict)
    pending: list[tuple[Path, int, np.ndarray]] = field(default_factory=list)
    guessed: bool = False

    def add(self, path: Path, index: int, frame: np.ndarray, decided: tuple[str, str] | None) -> None:
        if decided is None:
            self.pending.append((path, index, frame))
            return
        view, rule = decided
        if view in self.frames:
            raise fail(
                path,
                "Detector Information Sequence / View Code Sequence",
                f"two frames claim the {view} view",
                "Give one anterior and one posterior image.",
            )
        self.frames[view], self.rules[view], self.origin[view] = frame, rule, (str(path), index)

    def given(self, view: str | None, paths: list[Path]) -> None:
        """Apply a view named by the user (``--view``) to the one frame of a single-view input."""
        if view is None:
            return
        if view not in VIEW_NAMES:
            raise DicomInputError(f"--view must be one of {VIEW_NAMES}, got {view!r}")
        names = ", ".join(map(str, paths))
        if len(self.frames) + len(self.pending) != 1:
            raise DicomInputError(
                f"{names}: --view names the view of a single-view file, but these hold "
                f"{len(self.frames) + len(self.pending)} views; leave --view out"
            )
        if self.pending:
            path, index, frame = self.pending.pop()
            self.frames[view], self.origin[view], self.rules[view] = (
                frame,
                (str(path), index),
                "given by the user (--view)",
            )
            return
        ((found, rule),) = self.rules.items()
        if found != view:
            raise DicomInputError(
                f"{names}: --view says {view} but the file says {found} ({rule}); check which is right, "
                "then fix the export or leave --view out"
            )

    def finish(self, paths: list[Path]) -> None:
        """Guess the undecided frames by position (flagged), then require one or two views of one shape."""
        lone = not self.frames and len(self.pending) == 1
        for path, index, frame in self.pending:
            missing = [v for v in VIEW_NAMES if v not in self.frames]
            if not missing:
                raise fail(path, "frames", "more frames than views", "Give one anterior and one posterior image.")
            self.frames[missing[0]], self.origin[missing[0]] = frame, (str(path), index)
            self.rules[missing[0]] = (
                f"guessed ({path.name} is a single view that no view code, Image Type, GE label or text names); "
                "pass --view if it is not the anterior"
                if lone
                else f"guessed by position ({path.name}); no view code, GE label or text named it"
            )
            self.guessed = True
        shapes = {view: frame.shape for view, frame in self.frames.items()}
        if len(set(shapes.values())) > 1:
            raise DicomInputError(
                f"{', '.join(map(str, paths))}: Rows/Columns differ between views "
                f"({shapes['anterior']} vs {shapes['posterior']}). Pass views of one acquisition."
            )


def _scan(datasets: list, views: _ViewAssignment, window: int | None, notes: list[str], paths: list[Path]):
    """The WholeBodyScan of checked datasets whose views are assigned."""
    first, path = datasets[0], paths[0]
    if len({uid(d, "StudyInstanceUID", p) for d, p in zip(datasets, paths, strict=True)}) > 1:
        raise DicomInputError(
            f"{', '.join(map(str, paths))}: Study Instance UID (0020,000D) differs between files. "
            "Pass the views of one study."
        )
    pixel_spacing = _pixel_spacing(first, path)
    if pixel_spacing is None:
        notes.append("Pixel Spacing (0028,0030) is empty: physical sizes are unknown")
    if raw(first, "PhotometricInterpretation", path, "") == "PALETTE COLOR":
        notes.append("PALETTE COLOR: stored indices are read as counts")
    if len(views.frames) == 1:
        notes.append(f"single view: only the {next(iter(views.frames))} view is in this acquisition")
    slope, intercept = number(first, "RescaleSlope", path), number(first, "RescaleIntercept", path)
    return WholeBodyScan(
        anterior=views.frames.get("anterior"),
        posterior=views.frames.get("posterior"),
        pixel_spacing_mm=pixel_spacing,
        scan_velocity_cm_min=number(first, "ScanVelocity", path, positive=True),
        frame_duration_ms=number(first, "ActualFrameDuration", path, positive=True),
        counts_accumulated=number(first, "CountsAccumulated", path, whole=True, minimum=0),
        patient_id=str(raw(first, "PatientID", path, "")),
        patient_name=str(raw(first, "PatientName", path, "")),
        study_uid=uid(first, "StudyInstanceUID", path),
        series_uid=uid(first, "SeriesInstanceUID", path),
        sop_uids=tuple(uid(d, "SOPInstanceUID", p) for d, p in zip(datasets, paths, strict=True)),
        view_rules=views.rules,
        view_guessed=views.guessed,
        energy_window=window,
        notes=tuple(notes),
        source_paths=tuple(str(p) for p in paths),
        origin=views.origin,
        rescaled=slope not in (None, 1.0) or intercept not in (None, 0.0),
        sop_class_uid=str(raw(first, "SOPClassUID", path, "")),
    )


def read_wholebody(
    paths: str | Path | list[str | Path],
    energy_window: int | None = None,
    limits: DecodeLimits | None = None,
    view: str | None = None,
) -> WholeBodyScan:
    """Read one whole-body acquisition from one multi-frame NM file, separate ANT/POST files, or a single
    view (a lone NM view or a 16-bit Secondary Capture of one).

    Args:
        paths: a file, or a list of files (e.g. one single-frame object per view).
        energy_window: 1-based window to read from multi-window objects; by default the photopeak.
        limits: the largest pixel data to decode (default :class:`DecodeLimits`), checked from the header.
        view: ``"anterior"`` or ``"posterior"`` for a single-view input whose file does not say (``--view``);
            refused when the file names the other view.

    Returns:
        A :class:`WholeBodyScan`; counts keep the stored geometry (the posterior view is not flipped).

    Raises:
        DicomInputError: for non-DICOM, truncated or damaged files, Secondary Capture screenshots, wrong
            modality, missing or oversized pixel data, inconsistent frame counts, negative values, invalid
            numbers or UIDs, or views that cannot be paired. Nothing else escapes.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise DicomInputError("read_wholebody: no files given. Pass the NM file(s) of one acquisition.")
    views = _ViewAssignment()
    notes: list[str] = []
    datasets = []
    window = None
    for path in paths:
        with guarded(path):
            ds = dcmread(path)
            check_nm(ds, path)
            pixels = read_pixels(ds, path, limits)
            datasets.append(ds)
            frame_keys, decided = frame_views(ds, path, pixels.shape[0])
            window, window_notes = choose_window(ds, {w for w, _ in frame_keys}, energy_window, path)
            notes += window_notes
            for index, ((w, det), frame) in enumerate(zip(frame_keys, pixels, strict=True)):
                if w == window:
                    views.add(path, index, frame, decided.get(det))
    views.given(view, paths)
    views.finish(paths)
    with guarded(paths[0]):
        return _scan(datasets, views, window, notes, paths)


def series_uid(path: str | Path) -> str:
    """The Series Instance UID of a DICOM file (its header only), checked like everything lowcount reads."""
    import pydicom

    path = Path(path)
    if not path.is_file():
        raise DicomInputError(f"{path}: no such file. Check the path.")
    with guarded(path):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        return uid(ds, "SeriesInstanceUID", path)
