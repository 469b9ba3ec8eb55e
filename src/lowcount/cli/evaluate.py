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
TRUTH_FREE = [
    Column("method", "method"),
    Column("psnr_db", "estimated PSNR (dB)", ".2f"),
    Column("gain_db", "gain over the best filter (dB)", "+.2f"),
    Column("gain_low", "95% low", "+.2f"),
    Column("gain_high", "95% high", "+.2f"),
    Column("true_psnr_db", "true PSNR (dB)", ".2f"),
]
SEGMENTATION = [
    Column("segmentation_precision", "segm. precision", ".3f"),
    Column("segmentation_iou", "segm. IoU", ".3f"),
    Column("segmentation_recall", "segm. recall", ".3f"),
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
    truth_free: Annotated[
        bool, typer.Option(help="Split each standard scan into a 1/K input and a target; score without truth.")
    ] = False,
    split_k: Annotated[float, typer.Option(help="K of --truth-free: the input is 1/K of each scan.")] = 3.0,
    model: Annotated[
        list[str] | None, typer.Option(help="NAME=RUN: a trained model to score too (--truth-free); repeat.")
    ] = None,
    filters: Annotated[str, typer.Option(help="Classical filters to tune and score (--truth-free).")] = (
        "gaussian,median,wiener,tv"
    ),
    segmenter: Annotated[
        Path | None, typer.Option(help="A trained lesion segmenter (RUN) to score each method by segmentation.")
    ] = None,
) -> None:
    """Score the raw fast scans, each prediction folder and the standard scans; write the HTML report.

    Without truth (real scans), everything is scored against the standard scan. With --truth-free, the
    standard scans alone (a cohort, or any folder of NM scans) are split and every method scored against
    the unknown truth (truth_free.html)."""
    from lowcount.evaluate.cohort import evaluate_cohort, parse_predictions

    if truth_free:
        from lowcount.inference.truth_free import evaluate_truth_free

        with exit_on():
            models = {name: Path(run) for name, run in (parse_predictions(model or []).items())}
            families = tuple(f.strip() for f in filters.split(",") if f.strip())
            summary = evaluate_truth_free(manifest, out, split_k, models, families, split, 0, no_truth)
        typer.echo(render(summary, TRUTH_FREE, "plain"))
        typer.echo(f"report: {out / 'truth_free.html'}")
        return
    with exit_on():
        predictions = parse_predictions(pred or [], fast)
        result = evaluate_cohort(
            manifest,
            predictions,
            out,
            split,
            fast,
            feature_net,
            threshold,
            inception_weights,
            rois,
            no_truth,
            segmenter,
        )
    rows = [{"method": name, **numbers} for name, numbers in result.headline.items()]
    typer.echo(render(rows, _columns(result.with_truth, segmenter is not None), "plain"))
    typer.echo(f"report: {result.report}")


def _columns(with_truth: bool, segmented: bool) -> list[Column]:
    return (WITH_TRUTH if with_truth else WITHOUT_TRUTH) + (SEGMENTATION if segmented else [])
