"""What lowcount reads from a whole-body NM acquisition, and the error it raises when it cannot.

:class:`WholeBodyScan` holds the counts of both views (or of the one view a single-view export holds) and
the metadata lowcount needs; :func:`describe_scan` says how lowcount read it, without patient identifiers
(``lowcount info``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NM_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.20"
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
SECONDARY_CAPTURE_IMAGE = "1.2.840.10008.5.1.4.1.1.7"
GRAYSCALE_WORD_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7.3"
VIEW_NAMES = ("anterior", "posterior")
UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's root for generated UIDs
ENHANCED_MARKER = "AI-ENHANCED - not acquired counts"


class DicomInputError(ValueError):
    """A DICOM file that lowcount cannot use; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class WholeBodyScan:
    """Counts of one whole-body acquisition with the metadata lowcount needs.

    Attributes:
        anterior, posterior: (rows, cols) float32 counts in the stored geometry (posterior not flipped); one
            of them is None for a single-view export (e.g. one 16-bit Secondary Capture per view).
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
        rescaled: a Rescale Slope or Intercept other than 1 and 0 changed the stored values.
        sop_class_uid: SOP Class UID of the source objects (NM Image, or a 16-bit Secondary Capture).
    """

    anterior: np.ndarray | None
    posterior: np.ndarray | None
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
    rescaled: bool = False
    sop_class_uid: str = NM_IMAGE_STORAGE

    @property
    def view_names(self) -> tuple[str, ...]:
        """The views present, in the order :meth:`views` stacks them (anterior first)."""
        return tuple(view for view in VIEW_NAMES if getattr(self, view) is not None)

    def views(self) -> np.ndarray:
        """(views, rows, cols) float32: the views present, anterior first (2 for a full study, 1 for one view)."""
        return np.stack([getattr(self, view) for view in self.view_names])

    @property
    def secondary_capture(self) -> bool:
        return self.sop_class_uid.startswith(SECONDARY_CAPTURE_PREFIX)


def fail(path, field_name: str, problem: str, fix: str) -> DicomInputError:
    return DicomInputError(f"{path}: {field_name}: {problem}. {fix}")


def describe_scan(scan: WholeBodyScan) -> list[str]:
    """Lines saying how lowcount reads ``scan``: UIDs, matrix, timing, counts per view and the rule that
    decided each view, warnings and notes. No patient name or id."""
    rows, cols = scan.views().shape[1:]
    kind = "16-bit Secondary Capture" if scan.secondary_capture else "NM Image"
    lines = [
        f"study {scan.study_uid}  series {scan.series_uid}",
        f"SOP Instance UID {', '.join(scan.sop_uids)} ({kind})",
        f"matrix {rows} x {cols}, pixel spacing {scan.pixel_spacing_mm} mm, "
        f"scan velocity {scan.scan_velocity_cm_min} cm/min, frame duration {scan.frame_duration_ms} ms",
    ]
    for view in VIEW_NAMES:
        if getattr(scan, view) is None:
            lines.append(f"{view:9s} not in this acquisition (single-view export)")
            continue
        counts = getattr(scan, view).sum()
        lines.append(f"{view:9s} {counts:12,.0f} counts   view decided by: {scan.view_rules[view]}")
    if scan.view_guessed:
        lines.append("WARNING: at least one view was guessed by position; check it before use.")
    from lowcount.io.counts_check import check_counts_image

    lines.append(check_counts_image(scan.views(), scan.rescaled).line())
    lines += [f"note: {note}" for note in scan.notes]
    return [_printable(line) for line in lines]


def _printable(text: str) -> str:
    """``text`` with control characters shown escaped, so a value read from a file cannot forge output lines."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
