"""Speed measurements behind `lowcount bench` (figures for docs/benchmarks.md; tests never time code).

``bench_model`` times, for the network at the size its shipped config gives, the enhancement of one
study (both views, 2 x 1024 x 256) in fp32 and bf16 autocast, and training steps per second (fp32 and bf16
autocast) at the config's patch and batch size. Times are medians of ``repeats`` runs after one warm-up run.
For adversarial configs it also times one full step of the training method (generators, discriminators,
perceptual network: everything ``lowcount train`` does per step) in fp32.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def bench_simulate(
    patients: int = 100,
    seed: int = 1,
    workers: int = 2,
    speed_factors: tuple[float, ...] = (2.0, 3.0),
    fast_mode: str = "independent",
    keep: Path | None = None,
    family: str = "procedural",
) -> dict:
    """Wall time of ``lowcount simulate`` end to end (simulation, DICOM and truth files, manifest) and the
    cohort's size on disk; the cohort goes to ``keep`` or to a temporary folder."""
    import os
    import platform
    import tempfile

    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import load_phantom_config

    cfg = load_phantom_config(None, speed_factors, fast_mode, family)
    with tempfile.TemporaryDirectory(prefix="lowcount-bench-") as tmp:
        out = keep or Path(tmp)
        start = time.perf_counter()
        simulate_cohort(out, patients, seed, cfg, workers=workers, progress=False)
        elapsed = time.perf_counter() - start
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
    return {
        "patients": patients,
        "acquisitions": patients * (1 + len(cfg.speed_factors)),
        "workers": workers,
        "fast_mode": cfg.fast_mode,
        "family": cfg.family,
        "wall_s": elapsed,
        "s_per_patient": elapsed / patients,
        "disk_mb": size_mb,
        "cpu": f"{os.cpu_count()} x {platform.processor() or platform.machine()}",
    }


def _median_seconds(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_model(config: str | Path, repeats: int = 3, train_steps: int = 5) -> dict:
    """Timings of the network of ``config``, a training YAML or a shipped config's name (see the module
    docstring)."""
    import torch

    from lowcount.config import recipe_path
    from lowcount.device import autocast
    from lowcount.models import build_model
    from lowcount.train.config import load_run_config
    from lowcount.train.run import model_args

    cfg = load_run_config(recipe_path(config))
    torch.manual_seed(0)
    net = build_model(cfg.model.name, **model_args(cfg)).eval()
    channels = getattr(net, "in_channels", 1)  # 2 with the count-level (or noise-level) map
    study = torch.rand(2, channels, 1024, 256)
    row = {"model": str(config), "parameters_M": sum(p.numel() for p in net.parameters()) / 1e6}

    def enhance_study(precision: str) -> None:
        with torch.no_grad(), autocast("cpu", "bf16" if precision == "bf16" else "none"):
            for view in study:
                net(view[None])

    for precision in ("fp32", "bf16"):
        row[f"study_s_{precision}"] = _median_seconds(lambda p=precision: enhance_study(p), repeats)
    with torch.no_grad():
        fp32 = net(study[:1])
        with autocast("cpu", "bf16"):
            bf16 = net(study[:1]).float()
    row["bf16_rel_error"] = float((bf16 - fp32).abs().mean() / fp32.abs().mean())
    net.train()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-4)
    patch = cfg.data.patch or (192, 192)
    batch = torch.rand(cfg.train.batch_size, channels, *patch)

    def step(precision: str) -> None:
        optimiser.zero_grad()
        with autocast("cpu", "bf16" if precision == "bf16" else "none"):
            out = net(batch)
        (out.float() - batch[:, :1]).abs().mean().backward()
        optimiser.step()

    row.update({"train_batch": cfg.train.batch_size, "train_patch": f"{patch[0]}x{patch[1]}"})
    for precision in ("fp32", "bf16"):
        seconds = _median_seconds(lambda p=precision: [step(p) for _ in range(train_steps)], 1) / train_steps
        row[f"train_steps_per_s_{precision}"] = 1.0 / seconds
    if cfg.train.method != "supervised":
        row["method_step_s"] = _method_step_seconds(cfg, train_steps)
    return row


def _method_step_seconds(cfg, steps: int) -> float:
    """Seconds per full step of an adversarial method on random patches; a domain perceptual network whose
    weights file is not there yet is timed with the shipped feature network (same architecture)."""
    import torch

    from lowcount import shipped
    from lowcount.models import build_model
    from lowcount.train.distributed import Dist
    from lowcount.train.run import build_method, model_args

    torch.manual_seed(0)
    net = build_model(cfg.model.name, **model_args(cfg))
    perceptual = None
    settings = getattr(cfg.method, "perceptual", None)
    if settings is not None and settings.network is not None and cfg.method.perceptual_weight > 0:
        from lowcount.losses.perceptual import PerceptualLoss

        weights = settings.weights
        if settings.network == "domain" and not (weights and Path(weights).is_file()):
            weights = shipped.model_weights(shipped.FEATURE_NET)
        perceptual = PerceptualLoss(settings.network, settings.layers, weights, settings.criterion)
    method = build_method(cfg, net, Dist(device="cpu"), perceptual)
    patch = cfg.data.patch or (192, 192)
    shape = (cfg.train.batch_size, 1, *patch)
    if cfg.train.method == "cyclegan":
        batch = {"fast": torch.rand(shape) + 0.5, "standard": torch.rand(shape) + 0.5}
        levels = torch.full((shape[0],), 20.0)  # standard-level counts per unit, as a bone scan's mean
        batch |= {"fast_counts_per_unit": levels, "standard_counts_per_unit": levels}
        batch["speed_factor"] = torch.full((shape[0],), 3.0)
        batch |= {"split_input": torch.rand(shape) + 0.5, "split_target": torch.rand(shape) + 0.5}
    else:
        batch = {"input": torch.rand(shape) + 0.5, "target": torch.rand(shape) + 0.5, "weight": torch.ones(shape)}
    return _median_seconds(lambda: [method.step(batch) for _ in range(steps)], 1) / steps


def bench_hot_spots(weights: str | Path, seeds: list[int], speed_factor: float = 3.0) -> list[dict]:
    """Focal maxima above a standard scan's noise envelope on lesion-free phantom patients, per view.

    Counts for the standard scan (against its truth), the raw fast scan x k and the enhanced fast scan
    (both against k x the fast scan's own truth, since a later scan has its own motion), and the enhanced
    scan's hot spots that the raw fast scan x k does not explain (``created``); see
    lowcount.evaluate.counts.hot_spots_per_view.
    """
    from lowcount.evaluate.counts import hot_spots_per_view
    from lowcount.inference import Enhancer
    from lowcount.phantom.patient import lesion_free_scans

    enhancer = Enhancer.load(weights, precision="fp32")
    studies = [(seed, *lesion_free_scans(seed, speed_factor)) for seed in seeds]
    return hot_spots_per_view(enhancer, studies, speed_factor)


def bench_quality(out: str | Path, patients: int = 10, seed: int = 4242, train_steps: int = 3) -> dict:
    """Speed and quality of the shipped models and baselines on a fixed held-out phantom set; writes bench.json.

    The set (``patients`` patients of seed ``seed``, standard + 3x) is simulated once into ``out/cohort``.
    Inference is timed per study in fp32 and bf16 (mean over the set); training steps per second come from
    :func:`bench_model` on the shipped configs; quality is the report's headline (PSNR/SSIM vs standard and
    vs truth, lesion maximum bias and ratio, observer AUC) for the raw input, every method and the standard
    scan; the full report is written to ``out/report``.
    """
    import json
    import os
    import platform
    import resource

    import torch

    from lowcount import shipped
    from lowcount.evaluate.features import load_feature_network
    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.studies import load_studies
    from lowcount.evaluate.twins import lesion_absent_twins
    from lowcount.inference.methods import shipped_comparison
    from lowcount.io.atomic import atomic_write_text
    from lowcount.phantom.cohort import cached_cohort

    out = Path(out)
    studies = load_studies(cached_cohort(out / "cohort", patients, seed), "all")
    models = {name: shipped.model_weights(name) for name in shipped.MODELS}
    timing = {}
    for precision in ("fp32", "bf16"):
        _, seconds = shipped_comparison(studies[:3], models, precision)
        for name, value in seconds.items():
            timing.setdefault(name, {})[f"study_s_{precision}"] = value
    for name in shipped.MODELS:
        row = bench_model(f"shipped/{name}", repeats=1, train_steps=train_steps)
        timing[name].update({k: row[k] for k in row if k.startswith(("train_", "method_", "parameters"))})
    methods, _ = shipped_comparison(studies, models, twins=lesion_absent_twins(studies, seed))
    network = load_feature_network("domain", shipped.model_weights(shipped.FEATURE_NET))
    headline = write_report(studies, methods, out / "report", network, shipped.observer_threshold(),
                            "shipped threshold", {"bench": {"patients": patients, "seed": seed}})  # fmt: skip
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "threads": torch.get_num_threads(),
            "arch": platform.machine(),
            "torch": torch.__version__,
        },  # fmt: skip
        "set": {"patients": len(studies), "seed": seed},
        "speed": timing,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "quality": headline,
    }
    atomic_write_text(out / "bench.json", json.dumps(result, indent=2, default=float) + "\n")
    return result


def bench_real(
    scans: str | Path,
    out: str | Path,
    split_k: float = 3.0,
    families: tuple[str, ...] = ("gaussian", "median", "wiener", "tv"),
) -> dict:
    """The truth-free comparison of every shipped model and classical filter on a folder (or cohort) of real
    standard scans (lowcount.inference.truth_free); writes ``out/bench.json`` beside the truth-free report."""
    import json
    import os
    import platform

    from lowcount.inference.truth_free import evaluate_truth_free
    from lowcount.io.atomic import atomic_write_text

    out = Path(out)
    summary = evaluate_truth_free(scans, out, split_k, families=families, split="all")
    result = {"machine": {"cpus": os.cpu_count(), "arch": platform.machine()}, "split_k": split_k, "summary": summary}
    atomic_write_text(out / "bench.json", json.dumps(result, indent=2, default=float) + "\n")
    return result
