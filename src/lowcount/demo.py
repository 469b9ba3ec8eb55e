"""``lowcount demo``: the whole workflow on a fresh phantom cohort, ending in an HTML report.

1. simulate a held-out cohort (fixed seed; standard + independent 3x fast scans);
2. enhance every fast scan with the shipped models (supervised SE-UNet, SE-LiteCycleGAN) and the
   classical baselines with their shipped, validation-tuned settings (lowcount.shipped);
3. score everything against the standard scans and the noiseless truth (lowcount.evaluate.report) with
   the shipped domain feature network (LPIPS, FID) and the shipped observer threshold;
4. with ``train=True``, first train both models from scratch on a fresh training cohort (the shipped
   configs demo/se_unet and demo/se_lite_cyclegan)
   and add them to the report.

Nothing here is tuned on the demo cohort: every setting comes from the shipping cohort (another seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path


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


def _train_now(out: Path, plan: DemoPlan) -> dict[str, Path]:
    """Train SE-UNet and SE-LiteCycleGAN from scratch on a fresh cohort; {label: weights}."""
    from lowcount.config import recipe_path
    from lowcount.phantom.cohort import cached_cohort
    from lowcount.train.run import train

    manifest = cached_cohort(out / "train_cohort", plan.train_patients, plan.train_seed)
    trained = {}
    for name in ("se_unet", "se_lite_cyclegan"):
        run = out / "runs" / name
        overrides = (
            (f"train.steps={plan.train_steps}", f"train.validate_every={plan.train_steps}") if plan.train_steps else ()
        )
        start = time.perf_counter()
        resume = (run / "last.pt").is_file()
        train(recipe_path(f"demo/{name}"), manifest.parent, run, resume, progress=False, overrides=overrides)
        _say(f"  trained {name} in {time.perf_counter() - start:.0f} s -> {run}")
        trained[f"{name} (trained now)"] = run / "model.safetensors"
    return trained


def run_demo(out: str | Path, plan: DemoPlan = DemoPlan(), train: bool = False) -> dict:
    """Run the demo into ``out``; returns the report's headline numbers."""
    from lowcount import shipped
    from lowcount.evaluate.features import load_feature_network
    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.studies import load_studies
    from lowcount.evaluate.twins import lesion_absent_twins
    from lowcount.inference.methods import shipped_comparison
    from lowcount.phantom.cohort import cached_cohort

    out = Path(out)
    start = time.perf_counter()
    manifest = cached_cohort(out / "cohort", plan.patients, plan.seed)
    studies = load_studies(manifest, "all")
    _say(f"simulated {len(studies)} held-out patients (seed {plan.seed}) in {time.perf_counter() - start:.0f} s")

    models = {name: shipped.model_weights(name) for name in shipped.MODELS}
    if train:
        models.update(_train_now(out, plan))
    methods, _ = shipped_comparison(studies, models, say=_say, twins=lesion_absent_twins(studies, plan.seed))
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
