"""``lowcount bench noise-levels``: the EMANet paper's tables on the phantom (docs/benchmarks.md)."""

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
