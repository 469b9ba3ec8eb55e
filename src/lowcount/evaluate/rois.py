"""Count fidelity in regions a user drew: a CSV of circular ROIs, measured in every image and in the standard scan.

Real scans have no truth, so a site measures count fidelity the way the fast-WBS paper does: in regions of
interest, enhanced image against the standard scan. The ROI file has one row per circle:

=========== =====================================================================================
column      meaning
=========== =====================================================================================
sop_uid     SOP Instance UID of the scan the circle was drawn on: the fast scan or the standard scan
view        ``anterior`` or ``posterior``
row, col    centre in pixels of that scan (0-based, row 0 at the top; fractions allowed)
radius_px   radius in pixels (the pixels whose centres lie within it belong to the ROI)
region      ``lesion``, ``normal_bone``, ``soft_tissue``, ``bladder`` or ``other``
name        optional label shown in the tables (never a patient identifier)
=========== =====================================================================================

Fast and standard scans are separate acquisitions, so the patient has moved between them. Each view's
global shift between the two scans is estimated (lowcount.data.registration.estimate_shift) and the circle
is moved by it into the other scan's frame; counts are never interpolated. Limbs that moved on their own
are not followed: draw ROIs on the trunk, or check the per-ROI table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REGIONS = ("lesion", "normal_bone", "soft_tissue", "bladder", "other")
VIEWS = ("anterior", "posterior")
COLUMNS = ("sop_uid", "view", "row", "col", "radius_px", "region")


@dataclass(frozen=True)
class Roi:
    """One circle, in the frame of the scan it was drawn on (``frame``: ``fast`` or ``standard``)."""

    view: int
    row: float
    col: float
    radius_px: float
    region: str
    name: str
    frame: str


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{path}: line {line}, column {column}: {text!r} is not a number") from None
    if not np.isfinite(value):
        raise ValueError(f"{path}: line {line}, column {column}: {text!r} is not a finite number")
    return value


def load_rois(path: str | Path, studies: list) -> dict[str, list[Roi]]:
    """ROIs by study key; every row must name a scan of ``studies`` and lie inside it.

    Raises:
        ValueError: naming the file, the line, the column and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such ROI file. Give a CSV with columns {', '.join(COLUMNS)}[, name].")
    frames = {}
    for study in studies:
        frames[study.fast_uid] = (study, "fast")
        if study.standard_uid:
            frames[study.standard_uid] = (study, "standard")
    out: dict[str, list[Roi]] = {}
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}; the header needs {', '.join(COLUMNS)}")
        for line, raw in enumerate(reader, start=2):
            uid = raw["sop_uid"].strip()
            if uid not in frames:
                raise ValueError(
                    f"{path}: line {line}, column sop_uid: {uid!r} is not the fast or standard scan of an evaluated "
                    "study; use the SOP Instance UID of the scan the ROI was drawn on (lowcount info shows it)"
                )
            study, frame = frames[uid]
            view = raw["view"].strip().lower()
            if view not in VIEWS:
                raise ValueError(f"{path}: line {line}, column view: {raw['view']!r} is not one of {VIEWS}")
            region = raw["region"].strip().lower()
            if region not in REGIONS:
                raise ValueError(f"{path}: line {line}, column region: {raw['region']!r} is not one of {REGIONS}")
            row = _number(path, line, "row", raw["row"])
            col = _number(path, line, "col", raw["col"])
            radius = _number(path, line, "radius_px", raw["radius_px"])
            if radius < 0.5:
                raise ValueError(f"{path}: line {line}, column radius_px: {radius} holds no pixel; use 0.5 or more")
            shape = study.fast_counts.shape[1:] if frame == "fast" else study.standard_counts.shape[1:]
            if not (0 <= row < shape[0] and 0 <= col < shape[1]):
                raise ValueError(
                    f"{path}: line {line}, columns row/col: ({row}, {col}) lies outside the {shape[0]} x {shape[1]} "
                    "scan; give 0-based pixel coordinates of the scan named by sop_uid"
                )
            name = (raw.get("name") or "").strip() or f"{region} {line - 1}"
            roi = Roi(VIEWS.index(view), row, col, radius, region, name, frame)
            out.setdefault(study.key, []).append(roi)
    return out


def disc(shape: tuple[int, int], row: float, col: float, radius_px: float) -> np.ndarray:
    """Pixels whose centres lie within ``radius_px`` of (row, col)."""
    rr, cc = np.ogrid[: shape[0], : shape[1]]
    return (rr - row) ** 2 + (cc - col) ** 2 <= radius_px**2


def view_shifts(study) -> list[tuple[float, float]]:
    """Per view, (dy, dx) such that a point at (r, c) of the standard scan lies at (r + dy, c + dx) of the fast scan."""
    from lowcount.data.registration import estimate_shift

    return [estimate_shift(study.standard_counts[v], study.fast_counts[v]) for v in range(study.fast_counts.shape[0])]


def roi_rows(name: str, study, image: np.ndarray, rois: list[Roi], shifts: list[tuple[float, float]]) -> list[dict]:
    """Max and mean counts of every ROI in ``image`` (fast-scan frame) and in the standard scan."""
    out = []
    for roi in rois:
        dy, dx = shifts[roi.view]
        if roi.frame == "fast":
            at_image, at_standard = (roi.row, roi.col), (roi.row - dy, roi.col - dx)
        else:
            at_image, at_standard = (roi.row + dy, roi.col + dx), (roi.row, roi.col)
        in_image = disc(image.shape[1:], *at_image, roi.radius_px)
        in_standard = disc(study.standard_counts.shape[1:], *at_standard, roi.radius_px)
        if not in_image.any() or not in_standard.any():
            raise ValueError(
                f"ROI {roi.name!r} of study {study.key} falls outside one scan after the {dy:.1f}, {dx:.1f} pixel "
                "shift between the fast and standard scans; move it away from the edge"
            )
        values, reference = image[roi.view][in_image], study.standard_counts[roi.view][in_standard]
        out.append(
            {
                "method": name,
                "patient": study.key,
                "view": VIEWS[roi.view],
                "roi": roi.name,
                "region": roi.region,
                "pixels": int(in_image.sum()),
                "max_counts": float(values.max()),
                "standard_max_counts": float(reference.max()),
                "mean_counts": float(values.mean()),
                "standard_mean_counts": float(reference.mean()),
            }
        )
    return out
