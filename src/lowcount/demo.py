"""``lowcount demo``: the whole workflow on a fresh phantom cohort, ending in an HTML report.

1. simulate a held-out cohort (fixed seed; standard + independent 3x fast scans);
2. enhance every fast scan with the shipped models (supervised SE-UNet, SE-LiteCycleGAN) and the
   classical baselines with their shipped, validation-tuned settings (lowcount.shipped);
3. score everything against the standard scans and the noiseless truth (lowcount.evaluate.report) with
   the shipped domain feature network (LPIPS, FID) and the shipped observer threshold;
4. with ``train=True``, first train both models from scratch on a fresh training cohort (configs/demo/)
   and add them to the report.

Nothing here is tuned on the demo cohort: every setting comes from the shipping cohort (another seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


@dataclass(frozen=True)
class DemoPlan:
    patients: int = 20
    seed: int = 2026
    train_patients: int = 24
    train_seed: int = 2025
    train_steps: int | None = None  # None: the demo configs' own budgets


QUICK = DemoPlan(patients=3, train_patients=8, train_steps=10)


def _say(message: str) -> None:
    print(message, flush=True)


def _simulate(out: Path, patients: int, seed: int) -> Path:
    from dataclasses import replace

    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import PhantomConfig

    manifest = out / "manifest.csv"
    if manifest.is_file():
        return manifest
    return simulate_cohort(out, patients, seed, replace(PhantomConfig(), speed_factors=(3.0,)), workers=2,
                           progress=False)  # fmt: skip


def _train_now(out: Path, plan: DemoPlan) -> dict[str, Path]:
    """Train SE-UNet and SE-LiteCycleGAN from scratch on a fresh cohort; {label: weights}."""
    from lowcount.train.run import train

    manifest = _simulate(out / "train_cohort", plan.train_patients, plan.train_seed)
    trained = {}
    for name in ("se_unet", "se_lite_cyclegan"):
        run = out / "runs" / name
        overrides = (
            (f"train.steps={plan.train_steps}", f"train.validate_every={plan.train_steps}") if plan.train_steps else ()
        )
        start = time.perf_counter()
        train(CONFIG_DIR / "demo" / f"{name}.yaml", manifest.parent, run, resume=(run / "last.pt").is_file(),
              progress=False, overrides=overrides)  # fmt: skip
        _say(f"  trained {name} in {time.perf_counter() - start:.0f} s -> {run}")
        trained[f"{name} (trained now)"] = run / "model.safetensors"
    return trained


def enhance_methods(studies: list, models: dict[str, Path], precision: str = "auto") -> tuple[dict, dict]:
    """The raw fast scans, each model's and each shipped classical filter's images, and the standard scans.

    Returns ({name: (images by study key, kind)}, {model name: seconds per study}).
    """
    import numpy as np

    from lowcount import shipped
    from lowcount.classical.tuning import ClassicalEnhancer
    from lowcount.inference import Enhancer

    methods: dict[str, tuple[dict, str]] = {
        "fast 3x (raw)": ({s.key: s.speed_factor * s.fast_counts for s in studies}, "fast")
    }
    seconds = {}
    for label, weights in models.items():
        enhancer = Enhancer.load(weights, precision=precision)
        t0 = time.perf_counter()
        methods[label] = ({s.key: enhancer.enhance(s.fast_counts, s.speed_factor) for s in studies}, "fast")
        seconds[label] = (time.perf_counter() - t0) / len(studies)
        _say(f"  {label}: {seconds[label]:.2f} s per study ({enhancer.precision})")
    for method in shipped.CLASSICAL:
        enhancer = ClassicalEnhancer.load(shipped.classical_card(method))
        methods[enhancer.label] = ({s.key: enhancer.enhance(s.fast_counts, s.speed_factor) for s in studies}, "fast")
    methods["standard"] = ({s.key: s.standard_counts.astype(np.float32) for s in studies}, "standard")
    best = ClassicalEnhancer.load(shipped.best_standard_filter())
    methods[f"standard + {best.label}"] = ({s.key: best.enhance(s.standard_counts, 1.0) for s in studies}, "standard")
    return methods, seconds


def run_demo(out: str | Path, plan: DemoPlan = DemoPlan(), train: bool = False) -> dict:
    """Run the demo into ``out``; returns the report's headline numbers."""
    from lowcount import shipped
    from lowcount.evaluate.features import load_feature_network
    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.studies import load_studies

    out = Path(out)
    start = time.perf_counter()
    manifest = _simulate(out / "cohort", plan.patients, plan.seed)
    studies = load_studies(manifest, "all")
    _say(f"simulated {len(studies)} held-out patients (seed {plan.seed}) in {time.perf_counter() - start:.0f} s")

    models = {name: shipped.model_weights(name) for name in shipped.MODELS}
    if train:
        models.update(_train_now(out, plan))
    methods, _ = enhance_methods(studies, models)
    network = load_feature_network("domain", shipped.model_weights(shipped.FEATURE_NET))
    metadata = {
        "demo": {"patients": plan.patients, "seed": plan.seed, "trained_now": train},
        "shipped": {name: shipped.card(name) for name in (*shipped.MODELS, shipped.FEATURE_NET)},
    }
    _say("scoring every method against the standard scans and the truth...")
    headline = write_report(
        studies, methods, out / "report", network, shipped.observer_threshold(),
        "shipped: at most 0.1 false spots per view on the shipping cohort's validation standard scans", metadata,
    )  # fmt: skip
    _say(f"done in {time.perf_counter() - start:.0f} s")
    return headline
