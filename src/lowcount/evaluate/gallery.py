"""Pictures of a simulated cohort: a gallery of patients and per-patient previews.

Both read back what ``lowcount simulate`` wrote (DICOM and truth files), so they also exercise the
reader. Images are shown inverted (bone black), the way bone scans are usually read; the posterior view
is shown as stored, i.e. as seen from behind.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_open
from lowcount.io.dicom import read_wholebody
from lowcount.io.manifest import read_manifest


def _by_patient(manifest: Path) -> dict[str, dict[str, dict]]:
    grouped: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in read_manifest(manifest):
        grouped[row["patient_id"]][row["acquisition"]] = row
    return grouped


def _show(ax, image: np.ndarray, vmax: float, title: str) -> None:
    ax.imshow(image, cmap="gray_r", vmin=0.0, vmax=max(vmax, 1e-6), interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()


def body_rows(*images: np.ndarray, margin: int = 8) -> slice:
    """Rows that hold the body, so the figures do not waste space on empty field of view."""
    profile = np.max([im.sum(axis=1) for im in images], axis=0)
    rows = np.flatnonzero(profile > 0.02 * profile.max())
    if rows.size == 0:
        return slice(None)
    return slice(max(rows[0] - margin, 0), rows[-1] + margin)


def _save(fig, path: Path) -> None:
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=110)


def save_gallery(manifest: str | Path, out_png: str | Path, patients: int = 4, fast: str | None = None) -> Path:
    """Several patients side by side: standard and fastest scan, anterior and posterior.

    Args:
        manifest: the cohort's manifest.csv.
        out_png: PNG to write.
        patients: how many patients (the first ones in manifest order).
        fast: acquisition to show beside the standard scan (default: the fastest one present).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grouped = _by_patient(Path(manifest))
    chosen = list(grouped)[:patients]
    if not chosen:
        raise ValueError(f"{manifest}: the manifest lists no acquisitions")
    fig, axes = plt.subplots(2, 2 * len(chosen), figsize=(2.0 * 2 * len(chosen), 15.0), squeeze=False)
    for p, pid in enumerate(chosen):
        rows = grouped[pid]
        fast_name = fast or max(rows, key=lambda name: rows[name]["speed_factor"])
        std = read_wholebody(rows["standard"]["dicom_path"]).views()
        quick = read_wholebody(rows[fast_name]["dicom_path"]).views()
        k = rows[fast_name]["speed_factor"]
        crop = body_rows(*std)
        for v, view in enumerate(("ANT", "POST")):
            vmax = float(np.percentile(std[v], 99.7))
            _show(axes[0, 2 * p + v], std[v][crop], vmax, f"patient {p + 1} {view}\nstandard")
            _show(axes[1, 2 * p + v], quick[v][crop], vmax / k, f"patient {p + 1} {view}\n{fast_name}")
    fig.suptitle(
        "lowcount phantom: standard vs fast whole-body scans (inverted grey; counts scaled by speed)", fontsize=10
    )
    fig.tight_layout()
    out = Path(out_png)
    _save(fig, out)
    plt.close(fig)
    return out


def save_preview(manifest: str | Path, patient: str, out_png: str | Path) -> Path:
    """One patient: ground truth, standard and every fast scan, for both views."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lowcount.phantom.cohort import load_truth

    rows = _by_patient(Path(manifest)).get(patient)
    if not rows:
        raise ValueError(f"{manifest}: no acquisitions for the requested patient")
    names = sorted(rows, key=lambda name: rows[name]["speed_factor"])
    truth, _ = load_truth(rows["standard"]["truth_path"])
    crop = body_rows(*truth)
    fig, axes = plt.subplots(2, len(names) + 1, figsize=(2.4 * (len(names) + 1), 14.0), squeeze=False)
    for v, view in enumerate(("ANT", "POST")):
        vmax = float(np.percentile(truth[v], 99.7))
        _show(axes[v, 0], truth[v][crop], vmax, f"{view} ground truth\n(expected counts, standard)")
        for c, name in enumerate(names, start=1):
            counts = read_wholebody(rows[name]["dicom_path"]).views()[v]
            k = rows[name]["speed_factor"]
            _show(axes[v, c], counts[crop], vmax / k, f"{view} {name}\n{int(counts.sum()):,} counts")
    fig.tight_layout()
    out = Path(out_png)
    _save(fig, out)
    plt.close(fig)
    return out
