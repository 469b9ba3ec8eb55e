"""``lowcount simulate``: a cohort of synthetic patients on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on, numbers


def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the cohort into.")],
    patients: Annotated[int, typer.Option(min=1, help="Number of patients.")] = 10,
    seed: Annotated[
        int, typer.Option(min=0, help="Master seed: the same seed gives the same cohort, bit for bit.")
    ] = 0,
    speeds: Annotated[str | None, typer.Option(help="Fast-scan speed factors, e.g. 2,3.")] = None,
    fast_mode: Annotated[str | None, typer.Option(help="independent (realistic) or thinned (binomial).")] = None,
    family: Annotated[
        str | None,
        typer.Option(help="procedural, xcat (real anatomy) or mixed (half each); default mixed, or the config's."),
    ] = None,
    config: Annotated[
        str | None, typer.Option(help="YAML file with a 'phantom:' section, or a shipped one's name (phantom).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes (patients are independent).")] = 2,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Simulate a cohort of synthetic patients: DICOM NM files, ground truth and a manifest."""
    import time

    from lowcount.config import ConfigError, recipe_path
    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import load_phantom_config

    speed_factors = numbers(speeds, "--speeds") if speeds is not None else None
    try:
        family = family or (None if config else "mixed")
        cfg = load_phantom_config(recipe_path(config) if config else None, speed_factors, fast_mode, family)
    except (ConfigError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    start = time.perf_counter()
    with exit_on():
        manifest = simulate_cohort(out, patients, seed, cfg, workers=workers, progress=progress)
    elapsed = time.perf_counter() - start
    typer.echo(f"wrote {patients} patients x {1 + len(cfg.speed_factors)} acquisitions in {elapsed:.1f} s: {manifest}")
