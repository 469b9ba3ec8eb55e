"""Build the shipped files: simulate the shipping cohort, train the models, tune the baselines.

``lowcount ship-models --work runs/ship`` runs every stage in order and can be stopped and started again:
the cohort is simulated once, each training resumes from its last checkpoint, and a finished stage is
skipped. Stages:

1. simulate ``patients`` phantom patients of ``family`` (seed ``seed``; standard + 3x fast, independent
   acquisitions; ``mixed`` by default: half drawn skeletons, half the real-anatomy xcat phantom, so the
   models do not learn one anatomy);
2. fit the domain feature network (``configs/feature_autoencoder.yaml``);
3. train the supervised SE-UNet (``configs/shipped/se_unet.yaml``: 1.5x-6x scans, the count level as a
   second input channel), the 3x-only SE-UNet (``configs/shipped/se_unet_k3.yaml``) and SE-LiteCycleGAN
   (``configs/shipped/se_lite_cyclegan.yaml``, whose generator starts from the 3x-only SE-UNet just built);
4. tune each classical filter on the validation split against the truth (the strongest honest baseline:
   tuned where only a phantom can tune it), tune Gaussian and TV filters for the standard scans too (the
   "standard scan after its best classical filter" reference), and fix the lesion observer's threshold on
   the validation split's standard scans;
5. copy weights and sidecars into lowcount/shipped/<name>/ with a card.json each.

Nothing of the test split is used: it stays for reports.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from lowcount.config import recipe_path, recipes_dir
from lowcount.shipped import CLASSICAL, FEATURE_NET, SHIPPED_DIR, STANDARD_FILTERS

TRAININGS = {  # stage -> its config: a shipped config's name (lowcount configs) or a file
    FEATURE_NET: "feature_autoencoder",
    "se_unet": "shipped/se_unet",
    "se_unet_k3": "shipped/se_unet_k3",  # the starting point of the SE-LiteCycleGAN generator
    "se_lite_cyclegan": "shipped/se_lite_cyclegan",
}


def _log(message: str) -> None:
    print(f"[ship-models {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _finite(value):
    """The value with every non-finite float replaced by None (cards must be strict JSON)."""
    import math

    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _train_stage(name: str, config: Path, data: Path, run: Path, shipped: dict[str, Path]) -> dict:
    """Train (or resume) one stage; ``shipped``: stages already built, by name -> their weights file, so a
    config that starts from a shipped model (``model.init_from: se_unet_k3``) starts from this build's."""
    import yaml

    from lowcount.train.run import train

    card_path = run / "stage.json"
    if card_path.is_file():
        _log(f"{name}: done before ({card_path})")
        return json.loads(card_path.read_text())
    resume = (run / "last.pt").is_file()
    _log(f"{name}: training with {config} ({'resuming' if resume else 'from scratch'})")
    started = time.perf_counter()
    init_from = (yaml.safe_load(config.read_text()).get("model") or {}).get("init_from")
    overrides = (f"model.init_from={shipped[init_from]}",) if init_from in shipped else ()
    metrics = train(config, data, run, resume=resume, progress=False, overrides=overrides)
    shipped_configs = recipes_dir()
    shown = f"configs/{config.relative_to(shipped_configs)}" if config.is_relative_to(shipped_configs) else config
    import csv

    with open(run / "log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    validations = [r for r in rows if r.get("val_psnr")]
    if not metrics and validations:  # a finished run resumed: the loop did not run, the log has the numbers
        metrics = {k[len("val_") :]: float(v) for k, v in validations[-1].items() if k.startswith("val_") and v}
    stage = {"config": str(shown), "validation": metrics}
    rates = [r for r in rows if r.get("steps_per_s")]
    if rates:
        stage["steps"] = int(rates[-1]["step"])
        stage["steps_per_s"] = float(rates[-1]["steps_per_s"])
        stage["training_time_s_estimate"] = stage["steps"] / stage["steps_per_s"]
    stage["wall_s_this_call"] = time.perf_counter() - started
    card_path.write_text(json.dumps(stage, indent=2, default=float))
    return stage


STAGES = (*TRAININGS, "classical", "observer")


def build(
    work: str | Path,
    patients: int = 100,
    seed: int = 5000,
    out: Path = SHIPPED_DIR,
    trainings: dict | None = None,
    only: tuple[str, ...] = (),
    family: str = "mixed",
) -> None:
    """Run every stage (see the module docstring), or only the named ones (``only``: training names,
    ``classical``, ``observer``; the other shipped files stay as they are). ``trainings`` replaces
    ``TRAININGS`` (tests use tiny ones)."""
    from dataclasses import replace

    from lowcount.evaluate.scoring import standard_threshold
    from lowcount.evaluate.studies import load_studies
    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import PhantomConfig

    trainings = trainings or TRAININGS
    unknown = set(only) - {*trainings, "classical", "observer"}
    if unknown:
        raise ValueError(f"unknown stage(s) {sorted(unknown)}; choose from {[*trainings, 'classical', 'observer']}")
    work = Path(work)
    data = work / "cohort"
    if not (data / "manifest.csv").is_file():
        _log(f"simulating {patients} {family} patients (seed {seed}) into {data}")
        simulate_cohort(data, patients, seed, replace(PhantomConfig(), speed_factors=(3.0,), family=family), workers=2)
    _check_cohort(data, patients, seed, family)
    cohort = {
        "patients": patients,
        "seed": seed,
        "family": family,
        "acquisitions": ["standard", "fast3x (independent)"],
    }
    cohort["splits"] = "train/val/test 8:1:1 by patient; test never used here"
    stages = {}
    for name, config in trainings.items():
        if only and name not in only:
            continue
        built = {stage: out / stage / "model.safetensors" for stage in trainings if stage != name}
        stages[name] = _train_stage(name, recipe_path(config), data, work / name, built)
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        for suffix in (".safetensors", ".json"):
            shutil.copyfile(work / name / f"model{suffix}", target / f"model{suffix}")
        card = _finite({"name": name, "data": cohort, **stages[name]})
        (target / "card.json").write_text(json.dumps(card, indent=2, default=float) + "\n")
        _log(f"{name}: shipped to {target}")

    if only and not {"classical", "observer"} & set(only):
        _log(f"shipped files are in {out}")
        return
    val = load_studies(data / "manifest.csv", "val")
    if not only or "classical" in only:
        _tune_classical(val, cohort, out)
    if not only or "observer" in only:
        threshold = standard_threshold(val)
        (out / "observer.json").write_text(
            json.dumps(
                {
                    "threshold": threshold,
                    "chosen_on": "validation standard scans: at most 0.1 false spots per view",
                    "data": cohort,
                },
                indent=2,
            )
            + "\n"  # fmt: skip
        )
        _log(f"observer threshold {threshold:.2f}")
    _log(f"shipped files are in {out}")


def _check_cohort(data: Path, patients: int, seed: int, family: str) -> None:
    """Refuse a work folder whose cohort was simulated with other settings: the cards would misdescribe it."""
    made = json.loads((data / "cohort.json").read_text())
    found = (made["patients"], made["seed"], made["config"].get("family", "procedural"))
    if found != (patients, seed, family):
        raise ValueError(
            f"{data}: the cohort there has {found[0]} {found[2]} patients of seed {found[1]}, not {patients} {family} "
            f"patients of seed {seed}; use another --work folder or the same settings"
        )


def _tune_classical(val: list, cohort: dict, out: Path) -> None:
    from lowcount.classical.tuning import save_card, tune

    (out / "classical").mkdir(parents=True, exist_ok=True)
    for method in CLASSICAL:
        result = tune(method, val, against="truth")
        result["data"] = {**cohort, "split": "val", "views": result["views"]}
        save_card(result, out / "classical" / f"{method}.json")
        _log(f"{method}: {result['params']} anscombe={result['anscombe']} PSNR vs truth {result['psnr_db']:.2f} dB")
    for method in STANDARD_FILTERS:  # the standard scan after its best classical filter, a reference row
        result = tune(method, val, against="truth", scan="standard")
        result["data"] = {**cohort, "split": "val", "views": result["views"]}
        save_card(result, out / "classical" / f"standard_{method}.json")
        _log(f"standard + {method}: {result['params']} PSNR vs truth {result['psnr_db']:.2f} dB")
