"""``lowcount evaluate``: the report of a cohort's raw fast scans, enhanced scans and standard scans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on
from lowcount.cli.table import Column, render

WITH_TRUTH = [
    Column("method", "method"),
    Column("psnr_vs_truth_db", "PSNR vs truth (dB)", ".2f"),
    Column("lesion_max_ratio_median", "lesion max/truth", ".3f"),
    Column("auc", "AUC", ".3f"),
    Column("lesions_lost", "lesions lost", "d"),
]
WITHOUT_TRUTH = [
    Column("method", "method"),
    Column("psnr_vs_standard_db", "PSNR vs standard (dB)", ".2f"),
    Column("ssim_vs_standard", "SSIM vs standard", ".4f"),
    Column("roi_lesion_max_ratio_median", "lesion ROI max/standard", ".3f"),
]


def evaluate(
    manifest: Annotated[
        Path,
        typer.Option(help="The cohort's manifest.csv or folder (lowcount simulate, or lowcount index for real scans)."),
    ],
    out: Annotated[Path, typer.Option(help="Report folder (index.html, tables/, figures/).")],
    pred: Annotated[
        list[str] | None,
        typer.Option(help="NAME=DIR (or DIR, named after it) of enhanced images of the split's fast scans; repeat."),
    ] = None,
    split: Annotated[str, typer.Option(help="Split to evaluate (train/val/test).")] = "test",
    fast: Annotated[str, typer.Option(help="Fast acquisition the predictions were made from.")] = "fast3x",
    feature_net: Annotated[
        Path | None, typer.Option(help="Domain feature network (feature_autoencoder weights) for LPIPS and FID.")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Observer threshold (default: 0.1 false spots per view on the val split's standard scans)."),
    ] = None,
    inception_weights: Annotated[
        Path | None, typer.Option(help="pytorch-fid's Inception weights file, for a standard FID column.")
    ] = None,
    rois: Annotated[
        Path | None,
        typer.Option(help="CSV of circular ROIs (sop_uid, view, row, col, radius_px, region[, name]); see the README."),
    ] = None,
    no_truth: Annotated[
        bool, typer.Option(help="Score against the standard scans only, even if the manifest names truth files.")
    ] = False,
) -> None:
    """Score the raw fast scans, each prediction folder and the standard scans; write the HTML report.

    Without truth (real scans), everything is scored against the standard scan."""
    from lowcount.evaluate.cohort import evaluate_cohort, parse_predictions

    with exit_on():
        predictions = parse_predictions(pred or [], fast)
        result = evaluate_cohort(
            manifest, predictions, out, split, fast, feature_net, threshold, inception_weights, rois, no_truth
        )
    rows = [{"method": name, **numbers} for name, numbers in result.headline.items()]
    typer.echo(render(rows, WITH_TRUTH if result.with_truth else WITHOUT_TRUTH, "plain"))
    typer.echo(f"report: {result.report}")
