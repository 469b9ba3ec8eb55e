"""``lowcount ct``: the micro-CT path (simulated mice and QA phantom)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on, numbers

app = typer.Typer(no_args_is_help=True, help="Micro-CT: simulated mice and QA phantom at chosen doses.")


@app.command("simulate")
def simulate_command(
    out: Annotated[Path, typer.Option(help="Folder to write the cohort into.")],
    animals: Annotated[int, typer.Option(min=3, help="Number of mice (validation and test take --split).")] = 38,
    seed: Annotated[int, typer.Option(min=0, help="Master seed: the same seed gives the same files.")] = 0,
    split: Annotated[str, typer.Option(help="Validation and test animals, e.g. 4,4; the rest train.")] = "4,4",
    slices: Annotated[int, typer.Option(min=10, help="Slices along the animal (D).")] = 256,
    matrix: Annotated[int, typer.Option(min=16, help="Slice size in voxels (H = W).")] = 96,
    voxel_mm: Annotated[float, typer.Option(min=0.01, help="Isotropic voxel size (mm).")] = 0.35,
    low_dose: Annotated[float, typer.Option(min=0.0, help="Low dose, relative to the scanner's full dose.")] = 0.25,
    high_dose: Annotated[float, typer.Option(min=0.0, help="High dose, relative to full dose.")] = 1.0,
    ladder: Annotated[str, typer.Option(help="Doses of the QA phantom's and test mice's ladder scans.")] = (
        "0.125,0.25,0.5,1,2"
    ),
    workers: Annotated[int, typer.Option(min=1, help="Processes (animals are independent).")] = 2,
) -> None:
    """Simulate mice and the QA phantom: low-, high-dose and ladder scans, truth and labels as NIfTI (HU)."""
    import time

    from lowcount.ct.cohort import CTCohortConfig, simulate_ct_cohort

    parts = numbers(split, "--split")
    if len(parts) != 2 or any(v != int(v) for v in parts):
        raise typer.BadParameter(f"--split takes two whole numbers (validation, test), e.g. 4,4; got {split!r}")
    n_val, n_test = int(parts[0]), int(parts[1])
    try:
        cfg = CTCohortConfig(
            animals=animals,
            seed=seed,
            shape=(slices, matrix, matrix),
            voxel_mm=voxel_mm,
            low_dose=low_dose,
            high_dose=high_dose,
            ladder_doses=tuple(numbers(ladder, "--ladder")),
            split=(n_val, n_test),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    start = time.perf_counter()
    with exit_on():
        manifest = simulate_ct_cohort(cfg, out, workers=workers)
    typer.echo(f"wrote {animals} mice and the QA phantom in {time.perf_counter() - start:.1f} s: {manifest}")
