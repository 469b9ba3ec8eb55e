"""Which frame of an NM object is which view, and which energy window is the photopeak.

Rules, in order: the View Code Sequence of each detector's Detector Information item, then for
single-detector objects (a lone view, a Secondary Capture) the top-level View Code Sequence, a view named in
Image Type, GE's private view label, and the text of Image ID, Series Description or Image Comments. A
frame no rule decides is left to the reader, which guesses by position (or, for a lone view, takes it as the
anterior) and flags it; ``--view`` names a lone view the file does not.
"""

from __future__ import annotations

from lowcount.io.dicom.scan import fail
from lowcount.io.dicom.values import number, numbers

IMAGE_TYPE_VIEWS = {"ANT": "anterior", "ANTERIOR": "anterior", "POST": "posterior", "POSTERIOR": "posterior"}
IMAGE_TYPE_OF_VIEW = {"anterior": "ANTERIOR", "posterior": "POSTERIOR"}
VIEW_CODES = {
    "399321004": "anterior",
    "G-5215": "anterior",
    "399001007": "posterior",
    "G-5216": "posterior",
}


def view_from_item(item) -> str | None:
    for code in item.get("ViewCodeSequence", []) or []:
        view = VIEW_CODES.get(str(code.get("CodeValue", "")))
        if view:
            return view
    return None


def view_from_text(text: str) -> str | None:
    t = text.upper()
    has_ant, has_post = "ANT" in t, "POS" in t
    if has_ant and not has_post:
        return "anterior"
    if has_post and not has_ant:
        return "posterior"
    return None


def view_from_image_type(ds) -> str | None:
    """The view when a value of Image Type (0008,0008) after the first two names it (ANT, POST...)."""
    values = ds.get("ImageType", []) or []
    values = [values] if isinstance(values, str) else list(values)
    named = {IMAGE_TYPE_VIEWS.get(str(v).strip().upper()) for v in values[2:]} - {None}
    return named.pop() if len(named) == 1 else None


def ge_view_label(ds) -> str | None:
    try:
        block = ds.private_block(0x0011, "GEMS_GENIE_1")
        elem = block[0x12]
    except (KeyError, ValueError):
        return None
    value = elem.value
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    return str(value)


def single_view_rule(ds) -> tuple[str, str] | None:
    """(view, rule) for an object of one detector without a Detector Information view code: the top-level
    View Code Sequence, a view named in Image Type, GE's private label, then the text of Image ID, Series
    Description or Image Comments."""
    if view := view_from_item(ds):
        return view, "View Code Sequence (top level)"
    if view := view_from_image_type(ds):
        return view, "Image Type (0008,0008)"
    label = ge_view_label(ds)
    if label and (view := view_from_text(label)):
        return view, "GE private view label (0011,GEMS_GENIE_1,12)"
    for keyword in ("ImageID", "SeriesDescription", "ImageComments"):
        if view := view_from_text(str(ds.get(keyword, ""))):
            return view, f"text of {keyword}"
    return None


def frame_views(ds, path, n_frames: int) -> tuple[list[tuple[int, int]], dict[int, tuple[str, str]]]:
    """Per frame (window, detector), and per detector (view, rule)."""
    detectors = numbers(ds, "DetectorVector", path, positive=True, whole=True) or list(range(1, n_frames + 1))
    windows = numbers(ds, "EnergyWindowVector", path, positive=True, whole=True) or [1] * n_frames
    if len(detectors) != n_frames or len(windows) != n_frames:
        raise fail(
            path,
            "Detector Vector (0054,0020) / Energy Window Vector (0054,0010)",
            f"have {len(detectors)} / {len(windows)} values for {n_frames} frames",
            "Each frame needs one entry in each vector; the object is not a valid NM whole-body image.",
        )
    n_det = number(ds, "NumberOfDetectors", path, whole=True, positive=True) or len(set(detectors))
    n_win = number(ds, "NumberOfEnergyWindows", path, whole=True, positive=True) or len(set(windows))
    if max(detectors) > n_det or max(windows) > n_win:
        raise fail(
            path,
            "Detector Vector (0054,0020) / Energy Window Vector (0054,0010)",
            f"name detector(s) {sorted(set(detectors))} and window(s) {sorted(set(windows))}, but the object has "
            f"{n_det} detector(s) and {n_win} window(s)",
            "The object is not a valid NM whole-body image; export the original acquisition.",
        )
    if n_frames != n_det * n_win:
        raise fail(
            path,
            "Number of Frames (0028,0008)",
            f"is {n_frames}, but Number of Energy Windows x Number of Detectors is {n_win} x {n_det}",
            "The frame count is odd for a whole-body object; export the original acquisition.",
        )
    info = list(ds.get("DetectorInformationSequence", []) or [])
    decided: dict[int, tuple[str, str]] = {}
    for det in sorted(set(detectors)):
        item = info[det - 1] if 0 < det <= len(info) else None
        view = view_from_item(item) if item is not None else None
        if view:
            code = next(str(c.CodeValue) for c in item.ViewCodeSequence if VIEW_CODES.get(str(c.CodeValue)))
            decided[det] = (view, f"View Code Sequence {code} (Detector Information item {det})")
    if len(set(detectors)) == 1 and not decided and (single := single_view_rule(ds)):
        decided[detectors[0]] = single
    return list(zip(windows, detectors, strict=False)), decided


def choose_window(ds, windows: set[int], requested: int | None, path) -> tuple[int, list[str]]:
    if requested is not None:
        if requested not in windows:
            raise fail(
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
            number(r, "EnergyWindowLowerLimit", path, default=0.0)
            <= 140.5
            <= number(r, "EnergyWindowUpperLimit", path, default=0.0)
            for r in ranges
        )
        if "SC" not in name and (covers_peak or not ranges):
            return w, [f"energy window {w} ({name or 'unnamed'}) chosen as the Tc-99m photopeak"]
    first = min(windows)
    return first, [f"energy window {first} chosen by position: no window is named or ranged as the photopeak"]
