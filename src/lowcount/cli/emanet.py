"""``lowcount bench noise-levels`` and ``noise-ladder``: the EMANet paper's Tables 6 and 7 on the phantom
(docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on, numbers


def noise_levels_command(
    data: Annotated[Path, typer.Option(help="Cohort folder (or manifest) whose held-out patients are scored.")],
    model: Annotated[
        Path | None, typer.Option(help="A trained noise_level_estimator (run folder or weights) to score too.")
    ] = None,
    role: Annotated[str, typer.Option(help="Which patients: test, val or train.")] = "test",
    levels: Annotated[str, typer.Option(help="True noise levels to add.")] = "5,10,15,20,25,30,35,40",
    base: Annotated[str, typer.Option(help="Noise onto: auto, truth or standard.")] = "auto",
    out: Annotated[Path | None, typer.Option(help="Also write the rows as JSON here.")] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N.")] = None,
) -> None:
    """Table 6: mean estimate and RMSE per true noise level for HBNE, DWTNE and the network."""
    import json

    from lowcount.cli.table import Column, render
    from lowcount.inference.noise_level_table import noise_level_table
    from lowcount.io.atomic import atomic_write_text

    with exit_on():
        chosen = tuple(int(v) for v in numbers(levels, "--levels"))
        rows = noise_level_table(data, model, role, base, chosen, device=device)
    methods = [name for name in ("hbne", "dwtne", "network") if f"{name}_mean" in rows[0]]
    columns = [Column("family", "family"), Column("level", "level"), Column("views", "views")]
    columns += [Column("label", "true level", ".2f")]
    for name in methods:
        columns += [Column(f"{name}_mean", f"{name} estimate", ".2f"), Column(f"{name}_rmse", f"{name} RMSE", ".2f")]
    typer.echo(render(rows, columns))
    if out is not None:
        atomic_write_text(out, json.dumps(rows, indent=2))


def noise_ladder_command(
    data: Annotated[Path, typer.Option(help="Phantom cohort folder (or manifest): test views scored, val tunes.")],
    model: Annotated[
        list[str] | None, typer.Option(help="NAME=RUN: a trained model to score at every level (repeat).")
    ] = None,
    levels: Annotated[str, typer.Option(help="EMANet noise levels of the inputs.")] = "5,10,15,20,25,30,35,40",
    bm3d: Annotated[bool, typer.Option(help="Also Anscombe + BM3D (needs the bm3d extra).")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the rows as JSON here.")] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N.")] = None,
) -> None:
    """Table 7: PSNR / SSIM / RMSE (0-255 grey scale) of each method at each noise level, against the truth."""
    import json

    from lowcount.classical.enhancer import ClassicalEnhancer
    from lowcount.cli.table import Column, render
    from lowcount.evaluate.cohort import parse_predictions
    from lowcount.inference import Enhancer
    from lowcount.inference.level_ladder import level_ladder
    from lowcount.io.atomic import atomic_write_text

    with exit_on():
        chosen = tuple(int(v) for v in numbers(levels, "--levels"))
        methods = {name: Enhancer.load(run, device) for name, run in parse_predictions(model or []).items()}
        if bm3d:
            methods["bm3d (Anscombe)"] = ClassicalEnhancer("bm3d", {}, anscombe=True)
        rows = level_ladder(data, methods, chosen)
    columns = [Column("level", "level"), Column("method", "method"), Column("views", "views")]
    columns += [Column("psnr", "PSNR (dB)", ".2f"), Column("ssim", "SSIM", ".4f"), Column("rmse", "RMSE", ".2f")]
    typer.echo(render(rows, columns))
    if out is not None:
        atomic_write_text(out, json.dumps(rows, indent=2))


def ablation_command(
    table: Annotated[
        str, typer.Option(help="modules (Table 4), loss (Table 5), lambda (Fig. 10) or transfer (Table 3).")
    ],
    data: Annotated[Path, typer.Option(help="Phantom cohort to train on; its test patients are scored.")],
    work: Annotated[Path, typer.Option(help="Folder of the runs and <table>.json.")],
    steps: Annotated[int, typer.Option(min=1, help="Training steps of every variant.")] = 600,
    pretrain_data: Annotated[
        Path | None, typer.Option(help="transfer: the cohort to pre-train on (e.g. the other phantom family).")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="section.key=value for every variant.")] = None,
) -> None:
    """Train the variants of one of EMANet's ablations and score them on the same held-out patients."""
    from lowcount.ablation import run_table
    from lowcount.cli.table import Column, render

    with exit_on():
        rows = run_table(table, data, work, steps, tuple(set_ or ()), pretrain_data)
    columns = [Column("variant", "variant"), Column("steps", "steps")]
    columns += [Column("truth_psnr", "PSNR vs truth (dB)", ".2f"), Column("truth_ssim", "SSIM vs truth", ".4f")]
    columns += [Column("psnr", "PSNR vs standard (dB)", ".2f"), Column("lesion_max_ratio", "lesion max/truth", ".3f")]
    typer.echo(render(rows, columns))
