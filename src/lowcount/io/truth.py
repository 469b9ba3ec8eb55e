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


def cohort_has_truth(rows: list[dict], manifest: str | Path, no_truth: bool = False) -> bool:
    """Whether the truth-based checks apply to ``rows``: every row names an existing truth file. A site's own
    scans name none (False); ``no_truth`` leaves them out on purpose (False). A cohort whose truth files are
    missing or only partly named is an error: those checks (count fidelity, created hot spots, the observer)
    would otherwise be dropped without a word."""
    from lowcount.io.manifest import ManifestError

    named = [row for row in rows if row.get("truth_path")]
    if no_truth or not named:
        return False
    missing = [row for row in named if not Path(row["truth_path"]).is_file()]
    if missing or len(named) < len(rows):
        example = missing[0]["truth_path"] if missing else "rows without truth_path"
        raise ManifestError(
            f"{manifest}: {len(missing) + len(rows) - len(named)} of {len(rows)} acquisitions have no truth file "
            f"(e.g. {example}); without them the truth-based checks would be skipped. Restore the files, or pass "
            "--no-truth to score against the standard scans only"
        )
    return True
