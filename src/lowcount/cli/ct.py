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
    dicom: Annotated[
        bool, typer.Option(help="Also write each scan as a DICOM CT series (dicom/<series UID>/).")
    ] = False,
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
            dicom=dicom,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    start = time.perf_counter()
    with exit_on():
        manifest = simulate_ct_cohort(cfg, out, workers=workers)
    typer.echo(f"wrote {animals} mice and the QA phantom in {time.perf_counter() - start:.1f} s: {manifest}")


@app.command("compare")
def compare_command(
    data: Annotated[Path, typer.Option(help="CT cohort folder (lowcount ct simulate).")],
    out: Annotated[Path, typer.Option(help="Folder for methods.json, mice.json/.md and the QA outputs.")],
    model: Annotated[list[str] | None, typer.Option(help="NAME=RUN: a trained CT model (repeat).")] = None,
    tv: Annotated[bool, typer.Option(help="Include iterative TV reconstruction (minutes per animal).")] = True,
    tv_slab: Annotated[int, typer.Option(min=4, help="Slices per validation animal that tune the TV weight.")] = 32,
    tv_iterations: Annotated[int, typer.Option(min=1, help="FISTA steps of the TV reconstruction.")] = 100,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N.")] = None,
) -> None:
    """Tune the filters and TV on the validation mice, then score every method on the test mice."""
    from lowcount.ct_compare import compare_ct
    from lowcount.evaluate.cohort import parse_predictions

    with exit_on():
        compare_ct(data, out, parse_predictions(model or []), tv, tv_slab, tv_iterations, device=device, say=typer.echo)
    typer.echo((out / "mice.md").read_text())


@app.command("qa")
def qa_command(
    data: Annotated[Path, typer.Option(help="CT cohort folder (with the QA phantom's ladder).")],
    compare: Annotated[Path, typer.Option(help="Output folder of `lowcount ct compare`.")],
) -> None:
    """QA-phantom noise, CNR, CT-number error and MTF50 of raw scans over the dose ladder and of each method."""
    from lowcount.ct_report import qa_report

    with exit_on():
        qa_report(data, compare)
    typer.echo((compare / "qa.md").read_text())


@app.command("dose-factor")
def dose_factor_command(
    data: Annotated[Path, typer.Option(help="CT cohort folder (with the dose ladder).")],
    compare: Annotated[Path, typer.Option(help="Output folder of `lowcount ct compare`.")],
) -> None:
    """Each method's dose-reduction factor, by QA noise, QA soft-tissue CNR and mice RMSE against the truth."""
    from lowcount.ct_report import dose_factor_report

    with exit_on():
        dose_factor_report(data, compare)
    typer.echo((compare / "dose_factor.md").read_text())


@app.command("reader-set")
def reader_set_command(
    compare: Annotated[Path, typer.Option(help="Output folder of `lowcount ct compare`.")],
    data: Annotated[Path, typer.Option(help="The CT cohort it compared.")],
    out: Annotated[Path, typer.Option(help="Folder of the blinded set; the key goes to OUT.key.json beside it.")],
    slices: Annotated[int, typer.Option(min=1, help="Trials (axial slices) per test mouse.")] = 3,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the slices, the order and the file names.")] = 0,
) -> None:
    """The randomised, blinded ranking set of the observer study: every method's image of each trial slice."""
    from lowcount.ct_reader_set import key_path, reader_set

    with exit_on():
        key = reader_set(compare, data, out, slices, seed)
    typer.echo(f"wrote {len(key['trials'])} trials to {out}; the unblinding key is {key_path(out)}")
