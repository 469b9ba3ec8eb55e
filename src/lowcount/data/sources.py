"""Reading the scans and truths that manifest rows point at, for the datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_views(row: dict) -> np.ndarray:
    """(2, rows, cols) float32 counts (anterior, posterior) of a manifest row's DICOM file."""
    from lowcount.io.dicom import read_wholebody

    return read_wholebody(row["dicom_path"]).views()


def read_row_truth(row: dict, manifest: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(expected counts, lesion labels) of a manifest row; a clear error when the cohort has no truth."""
    from lowcount.io.truth import has_truth, load_truth

    if not has_truth(row):
        raise ValueError(
            f"{manifest}: no ground-truth file for a {row['acquisition']!r} scan ({row.get('truth_path')!r}); "
            "scoring against the truth needs a cohort made by `lowcount simulate`"
        )
    return load_truth(row["truth_path"])
