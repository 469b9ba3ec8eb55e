"""Enhance files: DICOM NM in, derived DICOM (a new, marked series) out; PNG/TIFF/NPY in, the same format out.

Separate ANT and POST objects of one acquisition are grouped by Series Instance UID and enhanced together.
Each input can also get a side-by-side preview PNG (input x k beside the enhanced counts).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lowcount.classical.enhancer import ClassicalEnhancer
    from lowcount.inference.enhancer import Enhancer


def describe_input(velocity_cm_min: float | None, k: float) -> str:
    speed = f"{velocity_cm_min:g} cm/min" if velocity_cm_min else "unknown speed"
    return f"input acquired at {speed}, enhanced as a {k:g}x fast scan"


def _planned_images(images: list[Path], out_dir: Path) -> None:
    """Refuse image inputs whose outputs would overwrite an input or each other (same file name)."""
    seen: dict[str, Path] = {}
    for path in images:
        if (out_dir / path.name).resolve() == path.resolve():
            raise ValueError(f"{path}: the output folder is the input's; choose another --out")
        if path.name in seen:
            raise ValueError(
                f"{seen[path.name]} and {path}: both would be written as {out_dir / path.name}; enhance them into "
                "separate --out folders"
            )
        seen[path.name] = path


def _enhance_dicom(enhancer, group: list[Path], k: float, stage: Path, preview: bool) -> list[str]:
    from lowcount.io.dicom import read_wholebody, write_enhanced

    scan = read_wholebody(group)
    enhanced = enhancer.enhance(scan.views(), k)
    model = enhancer.meta.get("model", "model")
    version = enhancer.meta.get("lowcount_version", "")
    description = describe_input(scan.scan_velocity_cm_min, k)
    outputs = write_enhanced(group, enhanced[0], enhanced[1], stage, f"lowcount {model}", version, description)
    if preview:
        save_preview(scan.views(), enhanced, k, stage / f"{outputs[0].stem}_preview.png")
    return [p.name for p in outputs]


def _enhance_image(enhancer, path: Path, k: float, stage: Path, preview: bool) -> list[str]:
    from lowcount.io.images import read_counts_image, write_counts_image

    counts = read_counts_image(path)
    enhanced = enhancer.enhance(counts, k)
    written = write_counts_image(stage / path.name, enhanced)
    if preview:
        views = counts.reshape(-1, *counts.shape[-2:])
        save_preview(views, enhanced.reshape(views.shape), k, stage / f"{path.stem}_preview.png")
    return [written.name]


def enhance_files(
    enhancer: Enhancer | ClassicalEnhancer,
    inputs: list[Path],
    out_dir: Path,
    speed_factor: float | None = None,
    preview: bool = True,
) -> list[Path]:
    """Enhance each input file; DICOM in gives derived DICOM out, PNG/TIFF/NPY give the same format.

    Each input's outputs (the enhanced file and its preview) are written as a unit: staged, then moved into
    ``out_dir`` together, so a failure (a bad input, a full disk) leaves nothing of that input behind. Inputs
    whose outputs would collide are refused before anything is written. Returns the written files
    (previews excluded).
    """
    from lowcount.io.atomic import remove_stale_parts, remove_stale_staging, staged_folder
    from lowcount.io.images import FORMATS

    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out_dir)
    remove_stale_staging(out_dir)
    k = speed_factor or enhancer.speed_factor or 1.0
    images = [p for p in inputs if p.suffix.lower() in FORMATS]
    _planned_images(images, out_dir)
    units = [(_enhance_dicom, group) for group in group_dicom_series([p for p in inputs if p not in images])]
    units += [(_enhance_image, path) for path in images]
    written: list[Path] = []
    for enhance_one, source in units:
        with staged_folder(out_dir) as stage:
            names = enhance_one(enhancer, source, k, stage, preview)
        written += [out_dir / name for name in names]
    return written


def group_dicom_series(paths: list[Path]) -> list[list[Path]]:
    """DICOM files grouped by Series Instance UID, so separate ANT and POST objects are read together."""
    from lowcount.io.dicom import series_uid

    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(series_uid(path), []).append(path)
    return list(groups.values())


def save_preview(inputs: np.ndarray, enhanced: np.ndarray, k: float, path: Path) -> Path:
    """Side-by-side PNG: each view's input (scaled by k) and enhanced image on one grey scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lowcount.evaluate.gallery import body_rows
    from lowcount.io.atomic import atomic_open

    n = inputs.shape[0]
    rows = body_rows(*enhanced)
    fig, axes = plt.subplots(1, 2 * n, figsize=(2.4 * 2 * n, 9), squeeze=False)
    for v in range(n):
        vmax = float(np.percentile(enhanced[v], 99.7)) or 1.0
        for j, (image, title) in enumerate(((inputs[v] * k, f"input x {k:g}"), (enhanced[v], "enhanced"))):
            ax = axes[0, 2 * v + j]
            ax.imshow(image[rows], cmap="gray_r", vmin=0, vmax=vmax, interpolation="nearest")
            ax.set_title(f"view {v + 1}: {title}", fontsize=8)
            ax.set_axis_off()
    fig.suptitle("lowcount: AI-enhanced counts, not acquired counts", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=90)
    plt.close(fig)
    return path
