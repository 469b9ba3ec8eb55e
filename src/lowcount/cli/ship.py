"""``lowcount ship-models``: rebuild the files that ship inside the package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on


def ship_models(
    work: Annotated[Path, typer.Option(help="Work folder: the shipping cohort and the training runs.")] = Path(
        "runs/ship"
    ),
    patients: Annotated[int, typer.Option(min=10, help="Patients of the shipping cohort.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the shipping cohort (no test or demo uses it).")] = 5000,
    family: Annotated[
        str, typer.Option(help="Phantom family of the shipping cohort: procedural, xcat or mixed (half each).")
    ] = "mixed",
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Rebuild only this stage (feature_net, se_unet, se_unet_k3, se_lite_cyclegan, classical, "
            "observer); repeat."
        ),
    ] = None,
) -> None:
    """Rebuild the shipped models, filter settings and observer threshold (hours of CPU; resumable)."""
    from lowcount.ship import build

    with exit_on():
        build(work, patients, seed, only=tuple(only or ()), family=family)
