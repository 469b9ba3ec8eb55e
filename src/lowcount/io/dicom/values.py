"""Reading the attributes lowcount uses, each checked where it is read: a damaged or invalid value becomes a
:class:`~lowcount.io.dicom.scan.DicomInputError` that names the file, the attribute and the fix.

pydicom converts values lazily, so a damaged element (a bad VR byte, a truncated value) raises only when it
is read, with whatever exception its converter raises; every access here turns that into the error above.
Numbers must be finite (and positive or whole where lowcount needs it), UIDs must follow the DICOM grammar
(digits and dots, no leading zeros, at most 64 characters), and the pixel data must be as long as the header
says and no larger than :class:`DecodeLimits` allow, checked before anything is decoded.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lowcount.io.dicom.scan import DicomInputError, fail

FIELDS = {
    "ActualFrameDuration": "Actual Frame Duration (0018,1242)",
    "BitsAllocated": "Bits Allocated (0028,0100)",
    "BitsStored": "Bits Stored (0028,0101)",
    "Columns": "Columns (0028,0011)",
    "CountsAccumulated": "Counts Accumulated (0018,0070)",
    "DetectorVector": "Detector Vector (0054,0020)",
    "EnergyWindowVector": "Energy Window Vector (0054,0010)",
    "NumberOfDetectors": "Number of Detectors (0054,0021)",
    "NumberOfEnergyWindows": "Number of Energy Windows (0054,0011)",
    "NumberOfFrames": "Number of Frames (0028,0008)",
    "PixelData": "Pixel Data (7FE0,0010)",
    "PixelSpacing": "Pixel Spacing (0028,0030)",
    "RescaleIntercept": "Rescale Intercept (0028,1052)",
    "RescaleSlope": "Rescale Slope (0028,1053)",
    "Rows": "Rows (0028,0010)",
    "SOPInstanceUID": "SOP Instance UID (0008,0018)",
    "SamplesPerPixel": "Samples per Pixel (0028,0002)",
    "ScanVelocity": "Scan Velocity (0018,1300)",
    "SeriesInstanceUID": "Series Instance UID (0020,000E)",
    "StudyInstanceUID": "Study Instance UID (0020,000D)",
    "EnergyWindowLowerLimit": "Energy Window Lower Limit (0054,0014)",
    "EnergyWindowUpperLimit": "Energy Window Upper Limit (0054,0015)",
}
UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
DAMAGED = "The file is damaged; export it again from the camera or PACS."


def field_name(keyword: str) -> str:
    return FIELDS.get(keyword, keyword)


@dataclass(frozen=True)
class DecodeLimits:
    """The largest pixel data lowcount decodes, checked from the header first (a few hundred KiB of JPEG 2000
    can declare gigabytes). A whole-body study is 2 x 1024 x 256 x 16 bits: 1 MiB.

    Attributes:
        max_side_px: largest Rows or Columns.
        max_frames: largest Number of Frames.
        max_decoded_mb: largest Rows x Columns x Frames x Bits Allocated / 8, in MiB; the default can be set
            with ``$LOWCOUNT_MAX_DECODED_MB``.
    """

    max_side_px: int = 4096
    max_frames: int = 16
    max_decoded_mb: float = float(os.environ.get("LOWCOUNT_MAX_DECODED_MB", "64"))


def raw(ds, keyword: str, path: Path, default=None):
    """The value of ``keyword`` as pydicom gives it (``default`` when absent); a damaged element is an error."""
    try:
        return ds.get(keyword, default)
    except Exception as exc:  # pydicom's lazy converters raise many types for damaged values
        raise fail(path, field_name(keyword), f"cannot be read ({type(exc).__name__}: {exc})", DAMAGED) from exc


def _checked(value, keyword: str, path: Path, positive: bool, whole: bool, minimum: float | None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise fail(path, field_name(keyword), f"is {value!r}, not a number", DAMAGED) from exc
    if not math.isfinite(number):
        raise fail(path, field_name(keyword), f"is {value!r}, not a finite number", DAMAGED)
    if positive and not number > 0:
        raise fail(path, field_name(keyword), f"is {value!r}; it must be positive", DAMAGED)
    if minimum is not None and number < minimum:
        raise fail(path, field_name(keyword), f"is {value!r}; it must be at least {minimum:g}", DAMAGED)
    if whole and number != int(number):
        raise fail(path, field_name(keyword), f"is {value!r}; it must be a whole number", DAMAGED)
    return number


def number(
    ds,
    keyword: str,
    path: Path,
    default: float | None = None,
    positive: bool = False,
    whole: bool = False,
    minimum: float | None = None,
) -> float | int | None:
    """A single number (``default`` when absent or empty), finite and, as asked, positive, whole, >= minimum."""
    value = raw(ds, keyword, path)
    if value is None or value == "":
        return default
    checked = _checked(value, keyword, path, positive, whole, minimum)
    return int(checked) if whole else checked


def numbers(
    ds, keyword: str, path: Path, count: int | None = None, positive: bool = False, whole: bool = False
) -> list | None:
    """A multi-valued number (None when absent or empty), ``count`` values when given."""
    value = raw(ds, keyword, path)
    if value is None or value == "":
        return None
    values = list(value) if isinstance(value, Sequence) and not isinstance(value, str | bytes) else [value]
    if count is not None and len(values) != count:
        raise fail(path, field_name(keyword), f"has {len(values)} value(s), {count} expected", DAMAGED)
    checked = [_checked(v, keyword, path, positive, whole, None) for v in values]
    return [int(v) for v in checked] if whole else checked


def uid(ds, keyword: str, path: Path, required: bool = True) -> str:
    """A UID that follows the DICOM grammar ('' when absent and not required)."""
    value = raw(ds, keyword, path)
    text = "" if value is None else str(value)
    if not text:
        if required:
            raise fail(path, field_name(keyword), "is missing", "Export the original object; it must be identified.")
        return ""
    if len(text) > 64 or not UID.fullmatch(text):
        raise fail(
            path,
            field_name(keyword),
            f"is {text[:80]!r}, not a DICOM UID (digits and dots, no leading zeros, at most 64 characters)",
            DAMAGED,
        )
    return text


def check_pixel_size(ds, path: Path, limits: DecodeLimits) -> tuple[int, int, int]:
    """(rows, columns, frames) from the header, within ``limits`` and, for uncompressed data, matching the
    length of Pixel Data; checked before anything is decoded."""
    rows = number(ds, "Rows", path, positive=True, whole=True)
    cols = number(ds, "Columns", path, positive=True, whole=True)
    if rows is None or cols is None:
        raise fail(path, "Rows / Columns (0028,0010-0011)", "are missing", DAMAGED)
    frames = number(ds, "NumberOfFrames", path, default=1, positive=True, whole=True)
    bits = number(ds, "BitsAllocated", path, default=16, positive=True, whole=True)
    if bits not in (8, 16, 32):
        raise fail(path, field_name("BitsAllocated"), f"is {bits}; NM counts are stored in 8, 16 or 32 bits", DAMAGED)
    decoded_mb = rows * cols * frames * bits / 8 / 2**20
    if max(rows, cols) > limits.max_side_px or frames > limits.max_frames or decoded_mb > limits.max_decoded_mb:
        raise fail(
            path,
            "Rows / Columns / Number of Frames",
            f"declare {frames} x {rows} x {cols} pixels of {bits} bits ({decoded_mb:.1f} MiB decoded), beyond the "
            f"limits ({limits.max_frames} frames, {limits.max_side_px} pixels a side, {limits.max_decoded_mb:g} MiB)",
            "A whole-body NM study is far smaller; if this file is genuine, raise $LOWCOUNT_MAX_DECODED_MB.",
        )
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is not None and syntax.is_compressed:
        _check_codestream(ds, path, rows, cols, frames)
    elif syntax is not None:
        stored = len(raw(ds, "PixelData", path) or b"")
        expected = rows * cols * frames * bits // 8
        if stored not in (expected, expected + 1):  # one pad byte keeps the element even
            raise fail(
                path,
                field_name("PixelData"),
                f"holds {stored} bytes, but Rows x Columns x Frames x Bits Allocated say {expected}",
                DAMAGED,
            )
    return rows, cols, frames


def codestream_size(data: bytes) -> tuple[int, int] | None:
    """(rows, columns) that a JPEG 2000 (its SIZ segment) or JPEG / JPEG-LS (its SOF segment) codestream
    declares, or None when neither is found (RLE declares no size)."""
    start = data.find(b"\xff\x4f\xff\x51")  # SOC, then SIZ: Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz
    if start >= 0 and len(data) >= start + 24:
        x, y, x0, y0 = struct.unpack(">IIII", data[start + 8 : start + 24])
        return y - y0, x - x0
    if data[:2] != b"\xff\xd8":
        return None
    i = 2  # JPEG: walk the marker segments up to the first frame header or the scan
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xF7):  # SOF0-3, and SOF55 of JPEG-LS
            return int.from_bytes(data[i + 5 : i + 7], "big"), int.from_bytes(data[i + 7 : i + 9], "big")
        if marker == 0xDA:
            return None
        i += 2 + length
    return None


def _check_codestream(ds, path: Path, rows: int, cols: int, frames: int) -> None:
    """A compressed frame must declare the header's matrix: a small codestream can declare gigabytes."""
    from pydicom.encaps import generate_frames

    first = next(generate_frames(raw(ds, "PixelData", path), number_of_frames=frames), b"")
    declared = codestream_size(first)
    if declared is not None and declared != (rows, cols):
        raise fail(
            path,
            field_name("PixelData"),
            f"the compressed frame declares {declared[0]} x {declared[1]} pixels, the header {rows} x {cols}",
            DAMAGED,
        )


@contextlib.contextmanager
def guarded(path: Path, what: str = "file"):
    """Within it, any exception other than a DicomInputError becomes one that names ``path`` and ``what``, and
    pydicom's warnings about invalid values are silenced: lowcount checks the values it uses and says so."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except DicomInputError:
        raise
    except Exception as exc:  # pydicom and numpy raise many types on damaged data
        raise fail(path, what, f"cannot be read ({type(exc).__name__}: {exc})", DAMAGED) from exc
