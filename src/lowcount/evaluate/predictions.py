"""Read a method's enhanced images from a folder and match them to the studies they were made from.

A prediction folder holds, for each fast scan of the split:

- an enhanced DICOM written by ``lowcount enhance`` (or any derived NM object whose Source Image Sequence
  refers to the fast scan's SOP Instance UID), or
- an ``.npy``/``.tif``/``.tiff`` file of (views, rows, cols) counts at the standard level named
  ``<fast scan SOP Instance UID>.<ext>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _source_uid(path: Path) -> str | None:
    import pydicom

    from lowcount.io.dicom.values import guarded, uid

    with guarded(path):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        for item in ds.get("SourceImageSequence", []):
            if found := uid(item, "ReferencedSOPInstanceUID", path, required=False):
                return found
    return None


def load_predictions(folder: str | Path, studies: list) -> dict[str, np.ndarray]:
    """{study key: (views, rows, cols) counts} for every study; errors name the folder and what is missing."""
    from lowcount.io.dicom import read_wholebody
    from lowcount.io.images import read_counts_image

    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such prediction folder")
    by_uid = {s.fast_uid: s for s in studies}
    found: dict[str, np.ndarray] = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix in (".npy", ".tif", ".tiff"):
            study = by_uid.get(path.name[: -len(path.suffix)])
            if study is not None:
                found[study.key] = np.asarray(read_counts_image(path), np.float32)
        elif suffix == ".dcm":
            study = by_uid.get(_source_uid(path) or "")
            if study is not None:
                found[study.key] = read_wholebody(path).views().astype(np.float32)
    missing = [s for s in studies if s.key not in found]
    if missing:
        raise ValueError(
            f"{folder}: no enhanced image of {len(missing)} of {len(studies)} fast scans (e.g. SOP Instance UID "
            f"{missing[0].fast_uid}); enhance every fast scan of the split into this folder with `lowcount enhance`"
        )
    for study in studies:
        if found[study.key].shape != study.fast_counts.shape:
            raise ValueError(
                f"{folder}: the image of fast scan {study.fast_uid} has shape {found[study.key].shape}, "
                f"the scan {study.fast_counts.shape}"
            )
    return found
