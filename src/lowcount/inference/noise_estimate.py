"""``lowcount estimate-noise``: the EMANet noise level of every view of whole-body scans or count images.

Each file is read as lowcount reads scans everywhere (a DICOM NM acquisition, a single view, or a PNG,
TIFF or .npy count image) and every view gets its level from a classical estimator
(lowcount.data.noise_level: ``dwtne`` or ``hbne``). Rows name the file as given and the view; nothing
from the DICOM header is printed.
"""

from __future__ import annotations

from pathlib import Path

IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".npy")


def _views(path: Path) -> tuple[tuple[str, ...], object]:
    from lowcount.io.images import read_counts_image

    if path.suffix.lower() in IMAGE_SUFFIXES:
        counts = read_counts_image(path)
        views = counts.reshape(-1, *counts.shape[-2:])
        return tuple(f"view {i + 1}" for i in range(len(views))), views
    from lowcount.io.dicom import read_wholebody

    scan = read_wholebody(path)
    return scan.view_names, scan.views()


def estimate_file_levels(paths: list[str | Path], method: str = "dwtne") -> list[dict]:
    """One row per file and view: {file, view, method, level}. A file lowcount cannot read raises a
    ValueError naming it."""
    from lowcount.data.noise_level import ESTIMATORS

    if method not in ESTIMATORS:
        raise ValueError(f"method must be one of {sorted(ESTIMATORS)}, got {method!r}")
    rows = []
    for path in map(Path, paths):
        names, views = _views(path)
        for name, view in zip(names, views, strict=True):
            try:
                level = ESTIMATORS[method](view)
            except ValueError as exc:
                raise ValueError(f"{path} ({name}): {exc}") from exc
            rows.append({"file": str(path), "view": name, "method": method, "level": level})
    return rows
