"""Enhance files: DICOM NM in, derived DICOM (a new, marked series) out; PNG/TIFF/NPY in, the same format out.

Separate ANT and POST objects of one acquisition are grouped by Series Instance UID and enhanced together.
Each input can also get a side-by-side preview PNG (input x k beside the enhanced counts).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass
class _Checked:
    """What one input came to: the counts to write, the name of what made them and the self-check, if any."""

    counts: np.ndarray
    made_by: str
    check: dict | None = None
    note: str = ""


class _Policy:
    """The per-scan self-check (lowcount.inference.self_check) and what ``--if-worse`` does with its result."""

    def __init__(self, enhancer, if_worse: str | None, say: Callable[[str], None], not_counts: bool = False) -> None:
        from lowcount.inference.self_check import POLICIES

        if if_worse is not None and if_worse not in POLICIES:
            raise ValueError(f"--if-worse must be one of {POLICIES}, got {if_worse!r}")
        self.enhancer, self.if_worse, self.say, self.not_counts = enhancer, if_worse, say, not_counts
        self.model = str(enhancer.meta.get("model", "model"))
        self.reference = None
        if if_worse is not None and hasattr(enhancer, "net"):  # networks are checked; a filter needs no check
            from lowcount import shipped
            from lowcount.classical.enhancer import ClassicalEnhancer

            self.reference = ClassicalEnhancer.load(shipped.classical_card("gaussian"))

    def counts_first(self, source: Path, counts: np.ndarray, rescaled: bool) -> None:
        """Refuse a processed image (lowcount.io.counts_check), or with ``not_counts`` warn loudly."""
        from lowcount.io.counts_check import check_counts_image

        check = check_counts_image(counts, rescaled)
        if check.ok:
            return
        if not self.not_counts:
            raise ValueError(
                f"{source}: {check.line()}; lowcount enhances raw counts only. Give the acquired, unprocessed scan, "
                "or pass --not-counts to enhance this image anyway"
            )
        self.say(f"warning: {source}: {check.line()}; enhanced anyway (--not-counts): the output is not counts")

    def apply(self, source: Path, counts: np.ndarray, k: float, rescaled: bool = False) -> _Checked:
        self.counts_first(source, counts, rescaled)
        enhanced = _Checked(self.enhancer.enhance(counts, k), self.model)
        if self.reference is None:
            return enhanced
        from lowcount.inference.self_check import self_check

        check = self_check(self.enhancer, self.reference, counts, k)
        enhanced.check, enhanced.note = check.as_dict(), f"self-check: {check.line()}"
        self.say(f"{source}: {check.line()}")
        if not check.worse:
            return enhanced
        if self.if_worse == "refuse":
            raise ValueError(
                f"{source}: the model is worse than {check.reference} on this scan ({check.line()}); nothing "
                "written (--if-worse refuse)"
            )
        if self.if_worse == "classical":
            self.say(f"{source}: writing {check.reference} instead of {self.model} (--if-worse classical)")
            enhanced.counts = self.reference.enhance(counts, k)
            enhanced.made_by = f"{self.reference.method} ({self.model} worse here)"
            return enhanced
        self.say(f"warning: {source}: {self.model} is worse than {check.reference} on this scan; check it first")
        return enhanced


def _enhance_dicom(
    policy: _Policy, group: list[Path], k: float, stage: Path, preview: bool, view: str | None = None
) -> tuple[list, dict]:
    from lowcount.io.dicom import read_wholebody, write_enhanced

    scan = read_wholebody(group, view=view)
    result = policy.apply(group[0], scan.views(), k, scan.rescaled)
    version = policy.enhancer.meta.get("lowcount_version", "")
    description = "; ".join(filter(None, [describe_input(scan.scan_velocity_cm_min, k), result.note]))
    enhanced = dict(zip(scan.view_names, result.counts, strict=True))
    made_by = f"lowcount {result.made_by}"
    outputs = write_enhanced(
        group, enhanced.get("anterior"), enhanced.get("posterior"), stage, made_by, version, description, view=view
    )
    if preview:
        save_preview(scan.views(), result.counts, k, stage / f"{outputs[0].stem}_preview.png")
    source = {"sop_instance_uids": list(scan.sop_uids), "views": list(scan.view_names)}
    return [p.name for p in outputs], {**source, "made_by": result.made_by, "self_check": result.check}


def _enhance_image(policy: _Policy, path: Path, k: float, stage: Path, preview: bool) -> tuple[list, dict]:
    from lowcount.io.images import read_counts_image, write_counts_image

    counts = read_counts_image(path)
    result = policy.apply(path, counts, k)
    written = write_counts_image(stage / path.name, result.counts)
    if preview:
        views = counts.reshape(-1, *counts.shape[-2:])
        save_preview(views, result.counts.reshape(views.shape), k, stage / f"{path.stem}_preview.png")
    return [written.name], {"input": path.name, "made_by": result.made_by, "self_check": result.check}


def _append_log(out_dir: Path, records: list[dict]) -> None:
    """``out_dir/enhance-log.json``: one record per enhanced input, this call's after earlier calls'."""
    from lowcount.io.atomic import atomic_write_text

    path = out_dir / "enhance-log.json"
    try:
        earlier = json.loads(path.read_text()) if path.is_file() else []
    except json.JSONDecodeError:
        earlier = []
    earlier = earlier if isinstance(earlier, list) else []
    atomic_write_text(path, json.dumps(earlier + records, indent=2, default=float) + "\n")


def enhance_files(
    enhancer: Enhancer | ClassicalEnhancer,
    inputs: list[Path],
    out_dir: Path,
    speed_factor: float | None = None,
    preview: bool = True,
    if_worse: str | None = "warn",
    say: Callable[[str], None] = lambda _: None,
    not_counts: bool = False,
    view: str | None = None,
) -> list[Path]:
    """Enhance each input file; DICOM in gives derived DICOM out, PNG/TIFF/NPY give the same format.

    Each input's outputs (the enhanced file and its preview) are written as a unit: staged, then moved into
    ``out_dir`` together, so a failure (a bad input, a full disk) leaves nothing of that input behind. Inputs
    whose outputs would collide are refused before anything is written. A network is checked on every scan
    against the shipped Gaussian filter (lowcount.inference.self_check; ``if_worse`` None skips it, else says
    what a worse model leads to); ``say`` hears the result. Each input's record goes to
    ``out_dir/enhance-log.json``. An input whose pixel values do not pass as counts
    (lowcount.io.counts_check) is refused, or with ``not_counts`` enhanced with a warning. ``view`` names the
    view of single-view DICOM inputs whose files do not (``--view``). Returns the written files (previews
    excluded).
    """
    from lowcount.io.atomic import remove_stale_parts, remove_stale_staging, staged_folder
    from lowcount.io.images import FORMATS

    policy = _Policy(enhancer, if_worse, say, not_counts)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out_dir)
    remove_stale_staging(out_dir)
    k = speed_factor or enhancer.speed_factor or 1.0
    images = [p for p in inputs if p.suffix.lower() in FORMATS]
    _planned_images(images, out_dir)
    dicom = functools.partial(_enhance_dicom, view=view)
    units = [(dicom, group) for group in group_dicom_series([p for p in inputs if p not in images])]
    units += [(_enhance_image, path) for path in images]
    written: list[Path] = []
    try:
        records = []
        for enhance_one, source in units:
            with staged_folder(out_dir) as stage:
                names, record = enhance_one(policy, source, k, stage, preview)
            written += [out_dir / name for name in names]
            records.append({**record, "outputs": names, "speed_factor": k})
    finally:
        if records:
            _append_log(out_dir, records)
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
