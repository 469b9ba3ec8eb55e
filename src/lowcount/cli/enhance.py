"""``lowcount enhance``, ``lowcount tune`` and ``lowcount export-onnx``: running models and filters on scans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import View, assignments, exit_on


def _say(line: str) -> None:
    typer.echo(line, err=line.startswith("warning:"))


def enhance(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="DICOM NM files, PNG/TIFF/NPY count images, CT volumes (.nii.gz) or a DICOM CT series."),
    ],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    model: Annotated[
        Path | None,
        typer.Option(help="Run folder, .safetensors file, or a shipped model: se_unet (default), se_lite_cyclegan."),
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="A classical filter instead of a model: gaussian, median, wiener, tv or bm3d.")
    ] = None,
    params: Annotated[Path | None, typer.Option(help="Parameter card from `lowcount tune` (with --method).")] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="A filter parameter, name=value (with --method), e.g. sigma_px=1.5.")
    ] = None,
    anscombe: Annotated[bool, typer.Option(help="Filter in the Anscombe domain (with --method).")] = False,
    speed_factor: Annotated[
        float | None,
        typer.Option(
            help="k of the input (default: the model's; 1 for --method, which keeps the input's count level)."
        ),
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N.")] = None,
    precision: Annotated[str, typer.Option(help="auto, fp32 or bf16.")] = "auto",
    tile: Annotated[int | None, typer.Option(help="Force tiled inference with square tiles of this size.")] = None,
    tta: Annotated[
        str, typer.Option(help="Test-time augmentation of a model: flip, shift or flip,shift (2-4 passes).")
    ] = "",
    preview: Annotated[bool, typer.Option(help="Write a side-by-side PNG per input.")] = True,
    self_check: Annotated[
        bool, typer.Option(help="Estimate on each scan the model's gain over the shipped Gaussian filter.")
    ] = True,
    not_counts: Annotated[
        bool, typer.Option(help="Enhance an image that does not pass as raw counts (a loud warning, not a refusal).")
    ] = False,
    if_worse: Annotated[
        str, typer.Option(help="When the model is worse than the filter on a scan: warn, classical or refuse.")
    ] = "warn",
    view: View = None,
) -> None:
    """Enhance fast scans with a trained model or a classical filter: DICOM in, derived DICOM (new series) out."""
    from lowcount.inference import enhance_files
    from lowcount.inference.methods import load_enhancer
    from lowcount.inference.volume_files import enhance_ct_series, enhance_nifti_files, is_nifti
    from lowcount.io.dicom.ct_series import is_ct_dicom
    from lowcount.train.selection import count_safety_warning

    ct_precision = "fp32" if precision == "auto" else precision
    if any(is_nifti(p) for p in inputs):  # micro-CT volumes (lowcount.inference.volume_files)
        with exit_on():
            written = enhance_nifti_files(inputs, model, out, device, ct_precision)
        typer.echo(f"wrote {len(written)} CT volume(s) to {out} ({ct_precision})")
        return
    if inputs and is_ct_dicom(inputs[0]):  # a DICOM CT series in, a derived series out
        with exit_on():
            written = enhance_ct_series(inputs, model, out, device, ct_precision)
        typer.echo(f"wrote a derived CT series of {len(written)} slices to {out} ({ct_precision})")
        return
    with exit_on():
        filters = assignments(param, "--param")
        modes = tuple(mode.strip() for mode in tta.split(",") if mode.strip())
        enhancer = load_enhancer(model, method, params, filters, anscombe, device, precision, tile, modes)
        validation = enhancer.meta.get("validation") or {}
        if warning := count_safety_warning(validation.get("metrics", {}), f"{model or 'the model'}"):
            typer.echo(warning, err=True)
        policy = if_worse if self_check else None
        written = enhance_files(enhancer, inputs, out, speed_factor, preview, policy, _say, not_counts, view)
    typer.echo(
        f"wrote {len(written)} file(s) to {out} ({enhancer.meta.get('model')}, {enhancer.precision}, {enhancer.device})"
    )


def tune(
    method: Annotated[str, typer.Argument(help="gaussian, median, wiener, tv or bm3d.")],
    data: Annotated[Path, typer.Option(help="Cohort folder holding manifest.csv (or the manifest itself).")],
    out: Annotated[Path, typer.Option(help="Parameter card (JSON) to write.")],
    against: Annotated[
        str, typer.Option(help="Reference: standard (the scan) or truth (phantom cohorts).")
    ] = "standard",
    fast: Annotated[str, typer.Option(help="Fast acquisition to filter (manifest column acquisition).")] = "fast3x",
    fold: Annotated[
        int | None, typer.Option(help="Tune on this cross-validation fold instead of the val split.")
    ] = None,
    no_truth: Annotated[bool, typer.Option(help="Ignore the truth files the manifest names.")] = False,
) -> None:
    """Choose a classical filter's parameters on the validation split (grid search, best mean PSNR)."""
    from lowcount.classical.tuning import save_card, tune_on_cohort

    with exit_on():
        card = tune_on_cohort(method, data, against, fast, fold, no_truth)
        save_card(card, out)
    values = ", ".join(f"{k} {v:g}" for k, v in card["params"].items())
    typer.echo(
        f"{method}: {values}{', Anscombe' if card['anscombe'] else ''}; PSNR vs {against} {card['psnr_db']:.2f} dB "
        f"on {card['views']} validation views; wrote {out}"
    )


def export_onnx(
    model: Annotated[Path, typer.Argument(help="Run folder or .safetensors file.")],
    out: Annotated[Path, typer.Option(help="ONNX file to write.")],
) -> None:
    """Export a trained network to ONNX and check ONNX Runtime against PyTorch."""
    from lowcount.models.export import export_onnx as export

    with exit_on():
        path = export(model, out)
    typer.echo(f"wrote {path} (ONNX Runtime matches PyTorch)")
