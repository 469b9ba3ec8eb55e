"""``lowcount demo``: the main job, from a fresh phantom cohort to the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on
from lowcount.cli.table import Column, render

HEADLINE = [
    Column("method", "method"),
    Column("psnr_vs_truth_db", "PSNR vs truth (dB)", ".2f"),
    Column("psnr_vs_standard_db", "vs standard (dB)", ".2f"),
    Column("lesion_max_ratio_median", "lesion max/truth", ".3f"),
    Column("auc", "AUC", ".3f"),
    Column("lesions_lost", "lost", "d"),
    Column("false_spots_per_view", "false spots/view", ".2f"),
]


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo cohort, enhanced images and the report.")] = Path(
        "demo-output"
    ),
    train: Annotated[
        bool, typer.Option(help="Also train both models from scratch first (about 15 CPU minutes).")
    ] = False,
    quick: Annotated[
        bool, typer.Option(help="Tiny sizes: 3 + 2 patients (and 10 training steps with --train).")
    ] = False,
) -> None:
    """The main job: simulate held-out patients of both phantom families, enhance their 3x scans with the
    shipped models and the classical baselines, score everything against the standard scans and the truth
    and without the truth, write the HTML reports and the summary across families."""
    from lowcount.demo import QUICK, DemoPlan, run_demo

    with exit_on():
        headline = run_demo(out, QUICK if quick else DemoPlan(), train)
    rows = [{"method": name, **numbers} for name, numbers in headline.items()]
    typer.echo("\nprocedural patients:\n" + render(rows, HEADLINE, "plain"))
    typer.echo("\n" + (out / "summary.md").read_text())
    typer.echo(f"reports: {out / 'report' / 'index.html'}, {out / 'report_xcat' / 'index.html'}")
