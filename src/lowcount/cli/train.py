"""``lowcount train``: one run, or one per cross-validation fold; works the same under torchrun."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on


def _report(metrics: dict[str, float], run: Path, prefix: str = "") -> None:
    from lowcount.train.run import exported_validation
    from lowcount.train.selection import count_safety_warning

    if metrics:
        typer.echo(prefix + ", ".join(f"{key} {value:.4f}" for key, value in metrics.items()))
    if chosen := exported_validation(run):
        typer.echo(f"{prefix}{run / 'model.safetensors'}: step {chosen['step']} ({chosen['checkpoint']})")
    if warning := count_safety_warning(metrics):
        typer.echo(warning, err=True)


def train_command(
    config: Annotated[
        str, typer.Argument(help="Training YAML, or a shipped config's name (`lowcount configs` lists them).")
    ],
    data: Annotated[Path, typer.Option(help="Cohort folder holding manifest.csv (or the manifest itself).")],
    out: Annotated[Path, typer.Option(help="Run folder (logs, checkpoints, weights).")],
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last.pt.")] = False,
    fold: Annotated[int | None, typer.Option(help="Cross-validation fold (validation = this fold).")] = None,
    all_folds: Annotated[bool, typer.Option(help="Train every fold into OUT/fold<K>.")] = False,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N (default: cuda when available).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    no_truth: Annotated[
        bool, typer.Option(help="Validate against the standard scans only, even if the manifest names truth files.")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a config value: section.key=value (YAML), e.g. train.steps=500."),
    ] = None,
) -> None:
    """Train a model (supervised, GAN or CycleGAN); works the same under `torchrun --nproc-per-node N`."""
    from lowcount.config import recipe_path
    from lowcount.train.run import train, train_folds

    overrides = tuple(set_ or ())
    with exit_on(FloatingPointError):  # a loss that became NaN says so and what to change
        path = recipe_path(config)
        if all_folds:
            for k, metrics in train_folds(path, data, out, resume, device, progress, overrides, no_truth).items():
                _report(metrics, out / f"fold{k}", f"fold {k}: ")
            return
        metrics = train(path, data, out, resume, fold, device, progress, overrides, no_truth)
    _report(metrics, out)
