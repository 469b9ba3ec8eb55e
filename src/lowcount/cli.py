"""The ``lowcount`` command line. Each command imports what it needs inside its body."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Deep-learning enhancement of fast and low-count nuclear-medicine scans.",
)


def _speeds(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"--speeds takes comma-separated numbers such as 2,3; got {text!r}") from exc
    return values


def _phantom_config(config: Path | None, speeds: str | None, fast_mode: str | None):
    from dataclasses import replace

    from lowcount.config import ConfigError, load_section
    from lowcount.phantom.protocol import PhantomConfig

    try:
        cfg = load_section(config, "phantom", PhantomConfig) if config else PhantomConfig()
        if speeds is not None:
            cfg = replace(cfg, speed_factors=_speeds(speeds))
        if fast_mode is not None:
            cfg = replace(cfg, fast_mode=fast_mode)
    except (ConfigError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    return cfg


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the cohort into.")],
    patients: Annotated[int, typer.Option(min=1, help="Number of patients.")] = 10,
    seed: Annotated[int, typer.Option(help="Master seed: the same seed gives the same cohort, bit for bit.")] = 0,
    speeds: Annotated[str | None, typer.Option(help="Fast-scan speed factors, e.g. 2,3.")] = None,
    fast_mode: Annotated[str | None, typer.Option(help="independent (realistic) or thinned (binomial).")] = None,
    config: Annotated[Path | None, typer.Option(help="YAML file with a 'phantom:' section.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes (patients are independent).")] = 2,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Simulate a cohort of synthetic patients: DICOM NM files, ground truth and a manifest."""
    from lowcount.phantom.cohort import simulate_cohort

    cfg = _phantom_config(config, speeds, fast_mode)
    start = time.perf_counter()
    manifest = simulate_cohort(out, patients, seed, cfg, workers=workers, progress=progress)
    elapsed = time.perf_counter() - start
    typer.echo(f"wrote {patients} patients x {1 + len(cfg.speed_factors)} acquisitions in {elapsed:.1f} s: {manifest}")


@app.command()
def index(
    folder: Annotated[
        Path, typer.Argument(help="Folder holding the exported whole-body NM files (searched recursively).")
    ],
    out: Annotated[Path, typer.Option(help="Manifest to write (e.g. site/manifest.csv); paths become relative to it.")],
    split: Annotated[
        str, typer.Option(help="test (every patient, for evaluation) or auto (train/val/test 8:1:1).")
    ] = "test",
    seed: Annotated[int, typer.Option(help="Seed of the auto split.")] = 0,
) -> None:
    """Index a site's own whole-body DICOM files into a manifest (standard = the slowest scan per patient)."""
    from lowcount.io.index import index_folder
    from lowcount.io.manifest import write_manifest

    out = out / "manifest.csv" if out.is_dir() else out
    try:
        result = index_folder(folder, out, split, seed)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    write_manifest(out, result.rows)
    for problem in result.skipped:
        typer.echo(f"skipped: {problem}", err=True)
    names = sorted({row["acquisition"] for row in result.rows})
    typer.echo(f"indexed {len(result.rows)} acquisitions of {result.patients} patients ({', '.join(names)}): {out}")


@app.command()
def info(files: Annotated[list[Path], typer.Argument(help="NM file(s) of one acquisition.")]) -> None:
    """Read a whole-body NM acquisition and report how lowcount sees it (no patient identifiers)."""
    from lowcount.io.dicom import DicomInputError, read_wholebody

    try:
        scan = read_wholebody(files)
    except DicomInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"study {scan.study_uid}  series {scan.series_uid}")
    typer.echo(f"SOP Instance UID {', '.join(scan.sop_uids)}")
    typer.echo(
        f"matrix {scan.anterior.shape[0]} x {scan.anterior.shape[1]}, pixel spacing {scan.pixel_spacing_mm} mm, "
        f"scan velocity {scan.scan_velocity_cm_min} cm/min, frame duration {scan.frame_duration_ms} ms"
    )
    for view in ("anterior", "posterior"):
        counts = getattr(scan, view).sum()
        typer.echo(f"{view:9s} {counts:12,.0f} counts   view decided by: {scan.view_rules[view]}")
    if scan.view_guessed:
        typer.echo("WARNING: at least one view was guessed by position; check it before use.")
    for note in scan.notes:
        typer.echo(f"note: {note}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo cohort, enhanced images and the report.")] = Path(
        "demo-output"
    ),
    train: Annotated[
        bool, typer.Option(help="Also train both models from scratch first (about 15 CPU minutes).")
    ] = False,
    quick: Annotated[bool, typer.Option(help="Tiny sizes: 3 patients (and 10 training steps with --train).")] = False,
) -> None:
    """The main job: simulate held-out patients, enhance their 3x scans with the shipped models and the
    classical baselines, score everything against the standard scans and the truth, write the HTML report."""
    from lowcount.demo import QUICK, DemoPlan, run_demo

    try:
        headline = run_demo(out, QUICK if quick else DemoPlan(), train)
    except (ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc

    def cell(value, digits: int) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    typer.echo(f"\n{'method':>44}  PSNR vs truth  vs standard  lesion max/truth  AUC    lost  false spots/view")
    for name, h in headline.items():
        typer.echo(
            f"{name:>44}  {h['psnr_vs_truth_db']:10.2f} dB  {cell(h['psnr_vs_standard_db'], 2):>11}"
            f"  {cell(h['lesion_max_ratio_median'], 3):>16}  {cell(h['auc'], 3):>5}  {h['lesions_lost']:4d}"
            f"  {h['false_spots_per_view']:8.2f}"
        )
    typer.echo(f"\nreport: {out / 'report' / 'index.html'}")


@app.command("train")
def train_command(
    config: Annotated[Path, typer.Argument(help="Training YAML (sections model, data, train, gan).")],
    data: Annotated[Path, typer.Option(help="Cohort folder holding manifest.csv (or the manifest itself).")],
    out: Annotated[Path, typer.Option(help="Run folder (logs, checkpoints, weights).")],
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last.pt.")] = False,
    fold: Annotated[int | None, typer.Option(help="Cross-validation fold (validation = this fold).")] = None,
    all_folds: Annotated[bool, typer.Option(help="Train every fold into OUT/fold<K>.")] = False,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N (default: cuda when available).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a config value: section.key=value (YAML), e.g. train.steps=500."),
    ] = None,
) -> None:
    """Train a model (supervised, GAN or CycleGAN); works the same under `torchrun --nproc-per-node N`."""
    from lowcount.config import ConfigError
    from lowcount.train.run import train
    from lowcount.train.selection import count_safety_warning

    def report(metrics: dict[str, float], run: Path, prefix: str = "") -> None:
        if metrics:
            typer.echo(prefix + ", ".join(f"{key} {value:.4f}" for key, value in metrics.items()))
        sidecar = run / "model.json"
        if sidecar.is_file() and (chosen := json.loads(sidecar.read_text()).get("validation")):
            typer.echo(f"{prefix}{sidecar.with_suffix('.safetensors')}: step {chosen['step']} ({chosen['checkpoint']})")
        if warning := count_safety_warning(metrics):
            typer.echo(warning, err=True)

    try:
        if all_folds:
            from lowcount.io.manifest import read_manifest

            folds = sorted({r["fold"] for r in read_manifest(data)})
            for k in folds:
                metrics = train(config, data, out / f"fold{k}", resume, k, device, progress, tuple(set_ or ()))
                report(metrics, out / f"fold{k}", f"fold {k}: ")
            return
        metrics = train(config, data, out, resume, fold, device, progress, tuple(set_ or ()))
    except (ConfigError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    report(metrics, out)


def _param_values(items: list[str] | None) -> dict:
    import yaml

    params = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param {item!r}: write name=value, e.g. --param sigma_px=1.5")
        params[name.strip()] = yaml.safe_load(value)
    return params


@app.command()
def enhance(
    inputs: Annotated[list[Path], typer.Argument(help="DICOM NM files, or PNG/TIFF/NPY count images.")],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    model: Annotated[
        Path | None,
        typer.Option(help="Run folder, .safetensors file, or a shipped model: se_unet (default), se_lite_cyclegan."),
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="A classical filter instead of a model: gaussian, median, wiener, tv or bm3d.")
    ] = None,
    params: Annotated[Path | None, typer.Option(help="Parameter card from `lowcount tune` (with --method).")] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="A filter parameter, name=value (with --method), e.g. sigma_px=1.5.")
    ] = None,
    anscombe: Annotated[bool, typer.Option(help="Filter in the Anscombe domain (with --method).")] = False,
    speed_factor: Annotated[
        float | None,
        typer.Option(
            help="k of the input (default: the model's; 1 for --method, which keeps the input's count level)."
        ),
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N.")] = None,
    precision: Annotated[str, typer.Option(help="auto, fp32 or bf16.")] = "auto",
    tile: Annotated[int | None, typer.Option(help="Force tiled inference with square tiles of this size.")] = None,
    preview: Annotated[bool, typer.Option(help="Write a side-by-side PNG per input.")] = True,
) -> None:
    """Enhance fast scans with a trained model or a classical filter: DICOM in, derived DICOM (new series) out."""
    from lowcount.inference import enhance_files
    from lowcount.io.dicom import DicomInputError

    try:
        if model is not None and method is not None:
            raise ValueError("give either --model (a trained network) or --method (a classical filter), not both")
        if method is None:
            from lowcount import shipped

            if model is None:
                model = shipped.model_weights(shipped.DEFAULT_MODEL)
            elif str(model) in shipped.MODELS and not model.exists():
                model = shipped.model_weights(str(model))
        if method is not None:
            from lowcount.classical.tuning import ClassicalEnhancer

            if params is not None:
                card = ClassicalEnhancer.load(params)
                if card.method != method:
                    raise ValueError(f"{params}: the card is for {card.method!r}, not --method {method}")
                enhancer = ClassicalEnhancer(method, {**card.params, **_param_values(param)}, card.anscombe, card.card)
            else:
                enhancer = ClassicalEnhancer(method, _param_values(param), anscombe)
        else:
            from lowcount.inference import Enhancer
            from lowcount.train.selection import count_safety_warning

            tiling = {"tile": (tile, tile), "max_pixels": 0} if tile else {}
            enhancer = Enhancer.load(model, device, precision, **tiling)
            validation = enhancer.meta.get("validation") or {}
            if warning := count_safety_warning(validation.get("metrics", {}), f"{model}"):
                typer.echo(warning, err=True)
        written = enhance_files(enhancer, inputs, out, speed_factor, preview)
    except (DicomInputError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(
        f"wrote {len(written)} file(s) to {out} ({enhancer.meta.get('model')}, {enhancer.precision}, {enhancer.device})"
    )


@app.command()
def tune(
    method: Annotated[str, typer.Argument(help="gaussian, median, wiener, tv or bm3d.")],
    data: Annotated[Path, typer.Option(help="Cohort folder holding manifest.csv (or the manifest itself).")],
    out: Annotated[Path, typer.Option(help="Parameter card (JSON) to write.")],
    against: Annotated[
        str, typer.Option(help="Reference: standard (the scan) or truth (phantom cohorts).")
    ] = "standard",
    fast: Annotated[str, typer.Option(help="Fast acquisition to filter (manifest column acquisition).")] = "fast3x",
    fold: Annotated[
        int | None, typer.Option(help="Tune on this cross-validation fold instead of the val split.")
    ] = None,
) -> None:
    """Choose a classical filter's parameters on the validation split (grid search, best mean PSNR)."""
    from lowcount.classical.tuning import save_card
    from lowcount.classical.tuning import tune as tune_filter
    from lowcount.evaluate.studies import load_studies
    from lowcount.io.manifest import manifest_path

    try:
        studies = load_studies(data, "val", fast, fold)
        card = tune_filter(method, studies, against)
        card["data"] = {"manifest": str(manifest_path(data)), "fast": fast, "fold": fold, "patients": len(studies)}
        save_card(card, out)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    values = ", ".join(f"{k} {v:g}" for k, v in card["params"].items())
    typer.echo(
        f"{method}: {values}{', Anscombe' if card['anscombe'] else ''}; PSNR vs {against} {card['psnr_db']:.2f} dB "
        f"on {card['views']} validation views; wrote {out}"
    )


@app.command()
def evaluate(
    manifest: Annotated[
        Path,
        typer.Option(help="The cohort's manifest.csv or folder (lowcount simulate, or lowcount index for real scans)."),
    ],
    out: Annotated[Path, typer.Option(help="Report folder (index.html, tables/, figures/).")],
    pred: Annotated[
        list[str] | None,
        typer.Option(help="NAME=DIR (or DIR, named after it) of enhanced images of the split's fast scans; repeat."),
    ] = None,
    split: Annotated[str, typer.Option(help="Split to evaluate (train/val/test).")] = "test",
    fast: Annotated[str, typer.Option(help="Fast acquisition the predictions were made from.")] = "fast3x",
    feature_net: Annotated[
        Path | None, typer.Option(help="Domain feature network (feature_autoencoder weights) for LPIPS and FID.")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Observer threshold (default: 0.1 false spots per view on the val split's standard scans)."),
    ] = None,
    inception_weights: Annotated[
        Path | None, typer.Option(help="pytorch-fid's Inception weights file, for a standard FID column.")
    ] = None,
    rois: Annotated[
        Path | None,
        typer.Option(help="CSV of circular ROIs (sop_uid, view, row, col, radius_px, region[, name]); see the README."),
    ] = None,
) -> None:
    """Score the raw fast scans, each prediction folder and the standard scans; write the HTML report.

    Without truth (real scans), everything is scored against the standard scan."""
    from lowcount.evaluate.predictions import load_predictions
    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.scoring import standard_threshold
    from lowcount.evaluate.studies import load_studies
    from lowcount.io.manifest import ManifestError

    try:
        studies = load_studies(manifest, split, fast)
        with_truth = all(s.has_truth for s in studies)
        methods = {f"{fast} (raw)": ({s.key: s.speed_factor * s.fast_counts for s in studies}, "fast")}
        for item in pred or ():
            name, sep, folder = item.partition("=")
            name, folder = (name, folder) if sep else (Path(item).name, item)
            if name in methods or name == "standard":
                raise ValueError(f"--pred {item}: the name {name!r} is taken; use NAME=DIR")
            methods[name] = (load_predictions(folder, studies), "fast")
        note = "given on the command line"
        if with_truth:
            methods["standard"] = ({s.key: s.standard_counts for s in studies}, "standard")
            if threshold is None:
                threshold = standard_threshold(load_studies(manifest, "val", fast))
                note = "at most 0.1 false spots per view on the validation split's standard scans"
        network = None
        if feature_net is not None:
            from lowcount.evaluate.features import load_feature_network

            network = load_feature_network("domain", feature_net)
        inception = None
        if inception_weights is not None:
            from lowcount.evaluate.features import load_feature_network

            inception = load_feature_network("inception", inception_weights)
        roi_sets = None
        if rois is not None:
            from lowcount.evaluate.rois import load_rois

            roi_sets = load_rois(rois, studies)
        meta = {"manifest": str(manifest), "split": split, "fast": fast}
        headline = write_report(
            studies, methods, out, network, threshold, note, meta, inception=inception, rois=roi_sets
        )
    except (ManifestError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    for name, numbers in headline.items():
        if with_truth:
            typer.echo(
                f"{name:>24}: PSNR vs truth {numbers['psnr_vs_truth_db']:.2f} dB, lesion max/truth "
                f"{numbers['lesion_max_ratio_median']:.3f}, AUC {numbers['auc']:.3f}, "
                f"lesions lost {numbers['lesions_lost']}"
            )
        else:
            roi = numbers.get("roi_lesion_max_ratio_median")
            typer.echo(
                f"{name:>24}: PSNR vs standard {numbers['psnr_vs_standard_db']:.2f} dB, SSIM vs standard "
                f"{numbers['ssim_vs_standard']:.4f}" + (f", lesion ROI max/standard {roi:.3f}" if roi else "")
            )
    typer.echo(f"report: {out / 'index.html'}")


@app.command("ship-models")
def ship_models(
    work: Annotated[Path, typer.Option(help="Work folder: the shipping cohort and the training runs.")] = Path(
        "runs/ship"
    ),
    patients: Annotated[int, typer.Option(min=10, help="Patients of the shipping cohort.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the shipping cohort (no test or demo uses it).")] = 5000,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Rebuild only this stage (feature_net, se_unet, se_lite_cyclegan, classical, observer); repeat."
        ),
    ] = None,
) -> None:
    """Rebuild the shipped models, filter settings and observer threshold (hours of CPU; resumable)."""
    from lowcount.shipped.build import build

    try:
        build(work, patients, seed, only=tuple(only or ()))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


@app.command("export-onnx")
def export_onnx_command(
    model: Annotated[Path, typer.Argument(help="Run folder or .safetensors file.")],
    out: Annotated[Path, typer.Option(help="ONNX file to write.")],
) -> None:
    """Export a trained network to ONNX and check ONNX Runtime against PyTorch."""
    from lowcount.models.export import export_onnx

    try:
        path = export_onnx(model, out)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"wrote {path} (ONNX Runtime matches PyTorch)")


bench_app = typer.Typer(no_args_is_help=True, help="Measure speed (figures go to docs/benchmarks.md).")
app.add_typer(bench_app, name="bench")


@bench_app.command("simulate")
def bench_simulate(
    patients: Annotated[int, typer.Option(min=1, help="Cohort size to time.")] = 100,
    seed: Annotated[int, typer.Option()] = 1,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    speeds: Annotated[str, typer.Option(help="Fast-scan speed factors.")] = "2,3",
    fast_mode: Annotated[str, typer.Option(help="independent or thinned.")] = "independent",
    keep: Annotated[
        Path | None, typer.Option(help="Keep the cohort in this folder (default: a temporary one).")
    ] = None,
) -> None:
    """Time `lowcount simulate` end to end (simulation, DICOM and truth files, manifest) and print a table row."""
    import os
    import platform
    import tempfile

    from lowcount.phantom.cohort import simulate_cohort

    cfg = _phantom_config(None, speeds, fast_mode)
    with tempfile.TemporaryDirectory(prefix="lowcount-bench-") as tmp:
        out = keep or Path(tmp)
        start = time.perf_counter()
        simulate_cohort(out, patients, seed, cfg, workers=workers, progress=False)
        elapsed = time.perf_counter() - start
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
    acquisitions = patients * (1 + len(cfg.speed_factors))
    typer.echo("| patients | acquisitions | workers | fast mode | wall time (s) | s per patient | disk (MB) | CPU |")
    typer.echo("|---|---|---|---|---|---|---|---|")
    cpu = f"{os.cpu_count()} x {platform.processor() or platform.machine()}"
    typer.echo(
        f"| {patients} | {acquisitions} | {workers} | {cfg.fast_mode} | {elapsed:.1f} | "
        f"{elapsed / patients:.2f} | {size_mb:.0f} | {cpu} |"
    )


@bench_app.command("models")
def bench_models_command(
    models: Annotated[str, typer.Option(help="Comma-separated config names in configs/.")] = (
        "se_unet,unet,edsr,rcan,swinir,rrdbnet,dncnn,redcnn"
    ),
    repeats: Annotated[int, typer.Option(min=1)] = 3,
    train_steps: Annotated[int, typer.Option(min=1)] = 5,
) -> None:
    """Inference time per study (2 x 1024 x 256, fp32 and bf16) and training steps per second."""
    import os
    import platform

    import torch

    from lowcount.bench import bench_model

    typer.echo(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs ({platform.machine()})"
    )
    typer.echo(
        "| model | parameters (M) | study fp32 (s) | study bf16 (s) | bf16 mean rel. error | train batch x patch "
        "| train steps/s fp32 | train steps/s bf16 | full method step fp32 (s) |"
    )
    typer.echo("|---|---|---|---|---|---|---|---|---|")
    for name in [m.strip() for m in models.split(",") if m.strip()]:
        row = bench_model(name, repeats, train_steps)
        method_step = f"{row['method_step_s']:.2f}" if "method_step_s" in row else "-"
        typer.echo(
            f"| {row['model']} | {row['parameters_M']:.2f} | {row['study_s_fp32']:.2f} | {row['study_s_bf16']:.2f} "
            f"| {row['bf16_rel_error']:.1e} | {row['train_batch']} x {row['train_patch']} "
            f"| {row['train_steps_per_s_fp32']:.3f} | {row['train_steps_per_s_bf16']:.3f} | {method_step} |"
        )


@bench_app.command("quality")
def bench_quality_command(
    out: Annotated[Path, typer.Option(help="Folder for the set, bench.json and the report.")] = Path("bench-quality"),
    patients: Annotated[int, typer.Option(min=2, help="Patients of the fixed held-out set.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the fixed held-out set.")] = 4242,
) -> None:
    """Speed and quality of the shipped models and the classical baselines on a fixed held-out phantom set."""
    from lowcount.bench import bench_quality

    result = bench_quality(out, patients, seed)
    typer.echo(
        "| method | study fp32 (s) | study bf16 (s) | PSNR vs standard | SSIM vs standard | PSNR vs truth "
        "| SSIM vs truth | lesion max bias % | lesion max / truth | AUC |\n|---|---|---|---|---|---|---|---|---|---|"
    )

    def cell(value, digits):
        return "-" if value is None else f"{value:.{digits}f}"

    for name, q in result["quality"].items():
        speed = result["speed"].get(name, {})
        typer.echo(
            f"| {name} | {cell(speed.get('study_s_fp32'), 2)} | {cell(speed.get('study_s_bf16'), 2)} "
            f"| {cell(q['psnr_vs_standard_db'], 2)} | {cell(q['ssim_vs_standard'], 4)} | {q['psnr_vs_truth_db']:.2f} "
            f"| {q['ssim_vs_truth']:.4f} | {cell(q['lesion_max_bias_pct'], 1)} "
            f"| {cell(q['lesion_max_ratio_median'], 3)} | {cell(q['auc'], 3)} |"
        )
    typer.echo(f"peak memory {result['peak_rss_mb']:.0f} MB; {out / 'bench.json'}")


@bench_app.command("hot-spots")
def bench_hot_spots_command(
    model: Annotated[Path, typer.Option(help="Run folder or .safetensors file.")],
    seeds: Annotated[str, typer.Option(help="Comma-separated seeds of lesion-free phantom patients.")] = "404,405,406",
    speed_factor: Annotated[float, typer.Option(help="k of the simulated fast scan.")] = 3.0,
) -> None:
    """Hot spots above a standard scan's noise envelope on lesion-free phantoms: standard, raw fast, enhanced,
    and the enhanced scan's hot spots that the raw fast scan does not explain (created)."""
    from lowcount.bench import bench_hot_spots

    rows = bench_hot_spots(model, [int(s) for s in seeds.split(",") if s.strip()], speed_factor)
    keys = ("standard", "raw_fast", "enhanced", "created")
    typer.echo("| seed | view | standard | raw fast x k | enhanced | created |\n|---|---|---|---|---|---|")
    for r in rows:
        view = "ANT" if r["view"] == 0 else "POST"
        typer.echo(f"| {r['seed']} | {view} | " + " | ".join(str(r[key]) for key in keys) + " |")
    typer.echo("| all | | " + " | ".join(str(sum(r[key] for r in rows)) for key in keys) + " |")


if __name__ == "__main__":
    app()
