"""Ground-truth files of simulated acquisitions: ``truth/<SOPInstanceUID>.npz``.

Each holds ``expected_counts`` (views, rows, cols) float32, the noiseless image the camera would record on
average, and ``lesion_labels`` (views, rows, cols) uint16, the finding ids (0 = none). The simulator writes
them (lowcount.phantom.cohort); training validation, tuning and evaluation read them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_open


def save_truth(path: str | Path, expected_counts: np.ndarray, lesion_labels: np.ndarray) -> None:
    """Write expected counts and lesion labels as a compressed .npz, atomically.

    Written entry by entry with a fixed time stamp (``np.savez_compressed`` stamps the current time), so
    the same cohort gives the same bytes.
    """
    import zipfile

    arrays = {"expected_counts": expected_counts, "lesion_labels": lesion_labels}
    # Level 1: measured within 1 % of the default level's size on these images, and faster.
    with (
        atomic_open(path, "wb") as fh,
        zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)


def load_truth(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(expected_counts, lesion_labels) from a truth file written by :func:`save_truth`."""
    with np.load(path, allow_pickle=False) as data:
        return data["expected_counts"], data["lesion_labels"]


def has_truth(row: dict) -> bool:
    """Whether a manifest row points at an existing truth file."""
    path = row.get("truth_path")
    return bool(path) and Path(path).is_file()
