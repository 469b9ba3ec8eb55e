"""``lowcount demo``: the whole workflow on fresh phantom cohorts of both families, ending in HTML reports.

1. simulate two held-out cohorts (fixed seeds; standard + independent 3x fast scans): procedural patients
   (the drawn skeleton) and real-anatomy patients (the mesh50_XCAT phantom, lowcount.phantom.xcat);
2. enhance every fast scan with the shipped models (supervised SE-UNet, SE-LiteCycleGAN) and the
   classical baselines with their shipped, validation-tuned settings (lowcount.shipped);
3. score everything against the standard scans and the noiseless truth (lowcount.evaluate.report) with
   the shipped domain feature network (LPIPS, FID) and the shipped observer threshold: ``report/`` for the
   procedural cohort (with the lesion-absent twins of the channelized Hotelling observer), ``report_xcat/``
   for the real-anatomy one;
4. score the models and filters again without the truth (lowcount.inference.truth_free: each standard
   scan split 1/3 : 2/3), as a site would on its own archive: ``truth_free_<family>/``;
5. write ``summary.md``: per family and method, PSNR against the truth, the gain over the best classical
   filter against the truth and by the truth-free estimate, lesion maxima, lesions lost, created hot spots;
6. with ``train=True``, first train both models from scratch on a fresh training cohort (the shipped
   configs demo/se_unet and demo/se_lite_cyclegan) and add them everywhere.

Nothing here is tuned on the demo cohorts: every setting comes from the shipping cohort (another seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoPlan:
    patients: int = 12  # procedural held-out patients
    seed: int = 2026
    xcat_patients: int = 8  # real-anatomy held-out patients
    xcat_seed: int = 2027
    truth_free_k: float = 3.0
    train_patients: int = 24
    train_seed: int = 2025
    train_steps: int | None = None  # None: the demo configs' own budgets


QUICK = DemoPlan(patients=3, xcat_patients=2, train_patients=8, train_steps=10)


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


def _family_report(
    studies: list, models: dict, out: Path, twins: list | None, metadata: dict, network
) -> tuple[dict, dict]:
    """Enhance and score one cohort (``network``: the feature network of LPIPS and FID); (headline, the family
    table's rows)."""
    from lowcount import shipped
    from lowcount.evaluate.family_table import truth_rows
    from lowcount.evaluate.report import write_report
    from lowcount.inference.methods import shipped_comparison

    methods, _ = shipped_comparison(studies, models, say=_say, twins=twins)
    _say(f"scoring every method against the standard scans and the truth -> {out}")
    headline = write_report(
        studies, methods, out, network, shipped.observer_threshold(),
        "shipped: at most 0.1 false spots per view on the shipping cohort's validation standard scans", metadata,
    )  # fmt: skip
    classical = [name for name, m in methods.items() if m.kind == "fast" and m.card.get("model") in shipped.CLASSICAL]
    return headline, {"truth": truth_rows(out, headline, classical), "classical": classical}


def run_demo(out: str | Path, plan: DemoPlan = DemoPlan(), train: bool = False) -> dict:
    """Run the demo into ``out``; returns the procedural report's headline numbers."""
    from lowcount import shipped
    from lowcount.classical.enhancer import ClassicalEnhancer
    from lowcount.evaluate.family_table import markdown
    from lowcount.evaluate.features import load_feature_network
    from lowcount.evaluate.studies import load_studies
    from lowcount.evaluate.twins import lesion_absent_twins
    from lowcount.inference.truth_free import evaluate_truth_free
    from lowcount.io.atomic import atomic_write_text
    from lowcount.phantom.cohort import cached_cohort

    out = Path(out)
    start = time.perf_counter()
    xcat = cached_cohort(out / "cohort_xcat", plan.xcat_patients, plan.xcat_seed, family="xcat")
    cohorts = {
        "procedural": (cached_cohort(out / "cohort", plan.patients, plan.seed), plan.seed, "report"),
        "xcat": (xcat, plan.xcat_seed, "report_xcat"),
    }
    took = time.perf_counter() - start
    _say(
        f"simulated {plan.patients} procedural and {plan.xcat_patients} real-anatomy held-out patients in {took:.0f} s"
    )

    models = {name: shipped.model_weights(name) for name in shipped.MODELS}
    trained = _train_now(out, plan) if train else {}
    models |= trained
    shipped_cards = {name: shipped.card(name) for name in (*shipped.MODELS, shipped.FEATURE_NET)}
    filters = {e.label: e for e in (ClassicalEnhancer.load(shipped.classical_card(name)) for name in shipped.CLASSICAL)}
    network = load_feature_network("domain", shipped.model_weights(shipped.FEATURE_NET))  # once, for both reports
    scores, headlines = {}, {}
    for family, (manifest, seed, report) in cohorts.items():
        studies = load_studies(manifest, "all")
        twins = lesion_absent_twins(studies, seed) if family == "procedural" else None
        metadata = {"demo": {"family": family, "patients": len(studies), "seed": seed, "trained_now": train}}
        headlines[family], scores[family] = _family_report(
            studies, models, out / report, twins, {**metadata, "shipped": shipped_cards}, network
        )
        _say(f"truth-free scores of the {family} patients (standard scans split 1/{plan.truth_free_k:g})...")
        free = evaluate_truth_free(
            manifest.parent, out / f"truth_free_{family}", plan.truth_free_k, trained, (), "all", fixed_filters=filters
        )
        scores[family]["truth_free"] = {row["method"]: row for row in free}
    label = f"truth-free gain, standard split 1/{plan.truth_free_k:g}"
    summary = markdown(scores, label, skip=("fast 3x (raw)",))
    atomic_write_text(out / "summary.md", SUMMARY_HEAD + summary)
    _say(f"done in {time.perf_counter() - start:.0f} s")
    return headlines["procedural"]


SUMMARY_HEAD = """# lowcount demo: both phantom families

Gains are paired differences to the best classical filter (each with the settings it ships with, tuned
on the shipping cohort's validation patients), mean over patients with a 95 % bootstrap interval: against
the truth on the 3x scans, and by the truth-free estimate on the standard scans split 1/3 : 2/3, as a
site would measure on its own archive. Reports: `report/` (procedural), `report_xcat/` (real anatomy),
`truth_free_<family>/`.

"""
