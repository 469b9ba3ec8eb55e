"""``lowcount adapt``: self-supervised fine-tuning on a site's own standard (or fast) scans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on


def adapt_command(
    model: Annotated[str, typer.Option(help="A shipped model (se_unet) or a run folder to start from.")],
    out: Annotated[Path, typer.Option(help="Folder for the adapted run, adapt.json and the before/after report.")],
    standard: Annotated[
        Path | None, typer.Option(help="Folder of standard scans (DICOM) or a cohort: split them into pairs.")
    ] = None,
    fast: Annotated[
        Path | None, typer.Option(help="Folder of fast scans (DICOM) or a cohort: split them again instead.")
    ] = None,
    acquisition: Annotated[str, typer.Option(help="With --fast: which fast acquisition (fast3x...).")] = "fast3x",
    steps: Annotated[int, typer.Option(min=1, help="Fine-tuning steps.")] = 300,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 5e-5,
    input_fraction: Annotated[float, typer.Option(help="With --fast: the input's share of each scan's counts.")] = 0.9,
    loss: Annotated[str, typer.Option(help="Training loss: mse (default), l1, charbonnier, or 'recipe'.")] = "mse",
    held_out: Annotated[
        Path | None, typer.Option(help="Score on every patient of this folder or cohort (default: the test split).")
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N (default: cuda when available).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Fine-tune a model on split pairs of a site's scans (no truth, no pairs needed) and report the
    truth-free gain over the best tuned filter before and after, on patients it did not train on."""
    from lowcount.adapt import adapt

    if (standard is None) == (fast is None):
        raise typer.BadParameter("give exactly one of --standard DIR and --fast DIR")
    with exit_on(FloatingPointError):
        result = adapt(
            standard or fast,
            model,
            out,
            fast=acquisition if fast is not None else None,
            steps=steps,
            lr=lr,
            input_fraction=input_fraction,
            held_out=held_out,
            loss=None if loss == "recipe" else loss,
            device=device,
            progress=progress,
        )
    for name in ("before", "after"):
        low, high = result[f"{name}_gain_interval_db"]
        typer.echo(
            f"{name}: {result[f'{name}_psnr_db']:.2f} dB, {result[f'{name}_gain_db']:+.2f} dB "
            f"({low:+.2f}..{high:+.2f}) over {result['reference']} on {result['held_out_patients']} held-out patients"
        )
    typer.echo(f"{out / 'adapt.json'}")
