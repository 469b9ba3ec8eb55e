"""``lowcount bench``: speed and quality figures for docs/benchmarks.md (tests never time code)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import exit_on, numbers
from lowcount.cli.table import Column, render

app = typer.Typer(no_args_is_help=True, help="Measure speed and quality (figures go to docs/benchmarks.md).")

SIMULATE = [
    Column("patients", "patients"),
    Column("acquisitions", "acquisitions"),
    Column("workers", "workers"),
    Column("fast_mode", "fast mode"),
    Column("family", "family"),
    Column("wall_s", "wall time (s)", ".1f"),
    Column("s_per_patient", "s per patient", ".2f"),
    Column("disk_mb", "disk (MB)", ".0f"),
    Column("cpu", "CPU"),
]
MODELS = [
    Column("model", "model"),
    Column("parameters_M", "parameters (M)", ".2f"),
    Column("study_s_fp32", "study fp32 (s)", ".2f"),
    Column("study_s_bf16", "study bf16 (s)", ".2f"),
    Column("bf16_rel_error", "bf16 mean rel. error", ".1e"),
    Column("train_shape", "train batch x patch"),
    Column("train_steps_per_s_fp32", "train steps/s fp32", ".3f"),
    Column("train_steps_per_s_bf16", "train steps/s bf16", ".3f"),
    Column("method_step_s", "full method step fp32 (s)", ".2f"),
]
QUALITY = [
    Column("method", "method"),
    Column("study_s_fp32", "study fp32 (s)", ".2f"),
    Column("study_s_bf16", "study bf16 (s)", ".2f"),
    Column("psnr_vs_standard_db", "PSNR vs standard", ".2f"),
    Column("ssim_vs_standard", "SSIM vs standard", ".4f"),
    Column("psnr_vs_truth_db", "PSNR vs truth", ".2f"),
    Column("ssim_vs_truth", "SSIM vs truth", ".4f"),
    Column("lesion_max_bias_pct", "lesion max bias %", ".1f"),
    Column("lesion_max_ratio_median", "lesion max / truth", ".3f"),
    Column("auc", "AUC", ".3f"),
]
HOT_SPOTS = [
    Column("seed", "seed"),
    Column("view", "view"),
    Column("standard", "standard"),
    Column("raw_fast", "raw fast x k"),
    Column("enhanced", "enhanced"),
    Column("created", "created"),
]


@app.command("simulate")
def bench_simulate(
    patients: Annotated[int, typer.Option(min=1, help="Cohort size to time.")] = 100,
    seed: Annotated[int, typer.Option()] = 1,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    speeds: Annotated[str, typer.Option(help="Fast-scan speed factors.")] = "2,3",
    fast_mode: Annotated[str, typer.Option(help="independent or thinned.")] = "independent",
    keep: Annotated[
        Path | None, typer.Option(help="Keep the cohort in this folder (default: a temporary one).")
    ] = None,
    family: Annotated[str, typer.Option(help="Phantom family: procedural, xcat or mixed.")] = "procedural",
) -> None:
    """Time `lowcount simulate` end to end (simulation, DICOM and truth files, manifest) and print a table row."""
    from lowcount.bench import bench_simulate as measure

    with exit_on():
        row = measure(patients, seed, workers, numbers(speeds, "--speeds"), fast_mode, keep, family)
    typer.echo(render([row], SIMULATE))


@app.command("models")
def bench_models(
    models: Annotated[str, typer.Option(help="Comma-separated shipped config names (`lowcount configs`).")] = (
        "se_unet,unet,edsr,rcan,swinir,rrdbnet,dncnn,redcnn"
    ),
    repeats: Annotated[int, typer.Option(min=1)] = 3,
    train_steps: Annotated[int, typer.Option(min=1)] = 5,
) -> None:
    """Inference time per study (2 x 1024 x 256, fp32 and bf16) and training steps per second."""
    import os

    import torch

    from lowcount.bench import bench_model

    typer.echo(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs")
    with exit_on():
        rows = [bench_model(name, repeats, train_steps) for name in [m.strip() for m in models.split(",") if m.strip()]]
    for row in rows:
        row["train_shape"] = f"{row['train_batch']} x {row['train_patch']}"
    typer.echo(render(rows, MODELS))


@app.command("quality")
def bench_quality(
    out: Annotated[Path, typer.Option(help="Folder for the set, bench.json and the report.")] = Path("bench-quality"),
    patients: Annotated[int, typer.Option(min=2, help="Patients of the fixed held-out set.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the fixed held-out set.")] = 4242,
) -> None:
    """Speed and quality of the shipped models and the classical baselines on a fixed held-out phantom set."""
    from lowcount.bench import bench_quality as measure

    with exit_on():
        result = measure(out, patients, seed)
    rows = [{"method": name, **result["speed"].get(name, {}), **q} for name, q in result["quality"].items()]
    typer.echo(render(rows, QUALITY))
    typer.echo(f"peak memory {result['peak_rss_mb']:.0f} MB; {out / 'bench.json'}")


@app.command("real")
def bench_real(
    scans: Annotated[Path, typer.Option(help="Folder of real whole-body NM scans (or a cohort): standard scans.")],
    out: Annotated[Path, typer.Option(help="Folder for bench.json and the truth-free report.")] = Path("bench-real"),
    split_k: Annotated[float, typer.Option(help="The input is 1/K of each scan.")] = 3.0,
    filters: Annotated[str, typer.Option(help="Classical filters to tune and score.")] = "gaussian,median,wiener,tv",
) -> None:
    """Every shipped model and classical filter on real scans, scored without truth by splitting each scan."""
    from lowcount.bench import bench_real as measure
    from lowcount.cli.evaluate import TRUTH_FREE

    with exit_on():
        result = measure(scans, out, split_k, tuple(f.strip() for f in filters.split(",") if f.strip()))
    typer.echo(render(result["summary"], TRUTH_FREE))
    typer.echo(f"{out / 'bench.json'}; report {out / 'truth_free.html'}")


@app.command("hot-spots")
def bench_hot_spots(
    model: Annotated[Path, typer.Option(help="Run folder or .safetensors file.")],
    seeds: Annotated[str, typer.Option(help="Comma-separated seeds of lesion-free phantom patients.")] = "404,405,406",
    speed_factor: Annotated[float, typer.Option(help="k of the simulated fast scan.")] = 3.0,
) -> None:
    """Hot spots above a standard scan's noise envelope on lesion-free phantoms: standard, raw fast, enhanced,
    and the enhanced scan's hot spots that the raw fast scan does not explain (created)."""
    from lowcount.bench import bench_hot_spots as measure

    with exit_on():
        rows = measure(model, [int(s) for s in seeds.split(",") if s.strip()], speed_factor)
    counts = ("standard", "raw_fast", "enhanced", "created")
    shown = [{**r, "view": "ANT" if r["view"] == 0 else "POST"} for r in rows]
    total = {"seed": "all", "view": "", **{key: sum(r[key] for r in rows) for key in counts}}
    typer.echo(render([*shown, total], HOT_SPOTS))
