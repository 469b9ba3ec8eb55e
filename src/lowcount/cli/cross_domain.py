"""``lowcount bench cross-domain``: train on each phantom family, score on both (docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on, numbers


def cross_domain_command(
    work: Annotated[Path, typer.Option(help="Folder for cohorts, runs, reports and cross_domain.json / .md.")],
    recipe: Annotated[str, typer.Option(help="Training config: a shipped name or a file.")] = "shipped/se_unet",
    steps: Annotated[int, typer.Option(min=1, help="Training steps of every model.")] = 1500,
    train_patients: Annotated[int, typer.Option(min=3, help="Patients per training cohort.")] = 40,
    test_patients: Annotated[int, typer.Option(min=2, help="Held-out patients per test family.")] = 20,
    train_phantom: Annotated[
        str, typer.Option(help="Phantom config of the training cohorts ('default' for the plain phantom).")
    ] = "phantom_randomised",
    filters: Annotated[str, typer.Option(help="Classical filters to beat (bm3d needs its extra).")] = (
        "gaussian,median,wiener,tv"
    ),
    split_ks: Annotated[str, typer.Option(help="Split factors of the truth-free estimate.")] = "1.5,3,6",
    range_variant: Annotated[
        bool, typer.Option(help="Also train the mixed family over k 1.5-6 with the count-level channel.")
    ] = True,
    tta: Annotated[bool, typer.Option(help="Also score every model with flip + shift test-time augmentation.")] = True,
    adapt_steps: Annotated[
        int, typer.Option(min=0, help="Adapt the procedural model on xcat standard scans (0: skip).")
    ] = 300,
    train: Annotated[
        bool, typer.Option(help="Train the recipe on each family (--no-train: score --model only).")
    ] = True,
    model: Annotated[
        list[str] | None,
        typer.Option(help="NAME=WEIGHTS: also score this model as it is (repeat); e.g. the shipped one."),
    ] = None,
) -> None:
    """Train one recipe on the procedural, xcat and mixed phantom families and score every model on held-out
    patients of both families, against the truth and without it; resumable, every stage kept in WORK."""
    from lowcount.cross_domain import RANGE_VARIANT, Protocol, cross_domain

    protocol = Protocol(
        recipe=recipe,
        steps=steps,
        train_patients=train_patients,
        test_patients=test_patients,
        train_phantom=None if train_phantom == "default" else train_phantom,
        variants={"mixed_range_level": RANGE_VARIANT} if range_variant else {},
        tta=tta,
        split_ks=numbers(split_ks, "--split-ks"),
        filters=tuple(f.strip() for f in filters.split(",") if f.strip()),
        adapt_steps=adapt_steps,
        train=train,
        models=dict(_named(spec) for spec in model or ()),
    )
    with exit_on():
        cross_domain(work, protocol)
    typer.echo((work / "cross_domain.md").read_text())


def _named(spec: str) -> tuple[str, Path]:
    name, sep, path = spec.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise typer.BadParameter(f"--model takes NAME=WEIGHTS, got {spec!r}")
    return name.strip(), Path(path.strip())
