"""``lowcount bench cross-domain``: does a model trained on one phantom family work on the other?

One recipe is trained on each training family (``procedural``, ``xcat``, ``mixed``; optionally a variant:
the mixed family over a range of speed factors with the count-level channel, lowcount.data.config) and
every model is scored on held-out patients of both test families, the one it saw and the one it did not:

- against the truth (standard + 3x acquisitions, the default phantom of each family): PSNR over the body
  without the bladder, the paired gain over the best classical filter with a 95 % bootstrap interval over
  patients, the median lesion-maximum ratio, lesions lost (the standard scan's in the same table) and
  created hot spots per view (lowcount.evaluate.report). Each filter is tuned against the truth on one
  half of the test patients and applied to the other half (cross-fitted: never scored where it was tuned);
- without truth: the split-scan estimate (lowcount.inference.truth_free) at each split factor, against the
  filters tuned the same way;
- with ``adapt_steps``, the procedural model adapted (lowcount.adapt) on the xcat family's own standard
  scans and scored truth-free on the xcat test patients.

Every stage writes its result under ``work`` and is skipped when run again; trainings resume from their last
checkpoint. ``work/cross_domain.json`` holds every figure and ``work/cross_domain.md`` the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

TRAIN_FAMILIES = ("procedural", "xcat", "mixed")
TEST_FAMILIES = ("procedural", "xcat")
FILTERS = ("gaussian", "median", "wiener", "tv")
# The speed-range variant: the mixed family, k drawn in 1.5-6 per patch, the count level as a channel.
RANGE_VARIANT = ("mixed", ("data.thin_factor_range=[1.5, 6.0]", "data.level_channel=true", "model.args.in_channels=2"))


@dataclass(frozen=True)
class Protocol:
    """What :func:`cross_domain` trains and scores.

    Attributes:
        recipe: the training config (a shipped name or a file); ``steps`` replaces its ``train.steps``.
        train_patients, test_patients: patients per training cohort and per test cohort.
        train_phantom: the phantom config of the training cohorts (a shipped name or a file; None: the
            default phantom); the test cohorts always use the default phantom of their family.
        variants: extra trainings, {name: (training family, config overrides)}.
        tta: also score each model with flip + shift test-time augmentation.
        split_ks: split factors of the truth-free estimate.
        filters: the classical filters (``bm3d`` when its extra is installed).
        adapt_steps: fine-tuning steps of the adaptation stage; 0 skips it.
        seed: cohorts are simulated with seeds from here (each cohort's seed is fixed by its place, so the
            test cohorts are the same whether or not the trainings run).
        train: run the trainings (False: score only ``models``).
        models: further models to score as they are, {name: weights file} (e.g. the shipped defaults).
    """

    recipe: str = "shipped/se_unet"
    steps: int = 1500
    train_patients: int = 40
    test_patients: int = 20
    train_phantom: str | None = "phantom_randomised"
    variants: dict = field(default_factory=lambda: {"mixed_range_level": RANGE_VARIANT})
    tta: bool = True
    split_ks: tuple[float, ...] = (1.5, 3.0, 6.0)
    filters: tuple[str, ...] = FILTERS
    adapt_steps: int = 300
    seed: int = 7100
    train: bool = True
    models: dict = field(default_factory=dict)


def _log(message: str) -> None:
    import time

    print(f"[cross-domain {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _cohort(out: Path, patients: int, seed: int, family: str, phantom: str | None) -> Path:
    """The manifest of ``out``, simulated first when missing (standard + 3x, independent)."""
    from lowcount.config import recipe_path
    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import load_phantom_config

    manifest = out / "manifest.csv"
    if not manifest.is_file():
        _log(f"simulating {patients} {family} patients (seed {seed}) into {out}")
        cfg = load_phantom_config(recipe_path(phantom) if phantom else None, (3.0,), "independent", family)
        simulate_cohort(out, patients, seed, cfg, workers=2, progress=False)
    return manifest


def _train(name: str, data: Path, run: Path, protocol: Protocol, overrides: tuple[str, ...]) -> Path:
    from lowcount.config import recipe_path
    from lowcount.io.atomic import atomic_write_text
    from lowcount.train.run import train

    done = run / "done.json"
    if not done.is_file():
        resume = (run / "last.pt").is_file()
        _log(f"{name}: training {protocol.recipe} for {protocol.steps} steps ({'resuming' if resume else 'new'})")
        steps = (f"train.steps={protocol.steps}", f"train.checkpoint_every={max(protocol.steps // 6, 1)}")
        config = recipe_path(protocol.recipe)
        metrics = train(config, data, run, resume=resume, progress=False, overrides=steps + tuple(overrides))
        atomic_write_text(done, json.dumps({"overrides": list(overrides), "validation": metrics}, default=float))
    return run / "model.safetensors"


def _cross_fitted_filters(studies: list, filters: tuple[str, ...]) -> dict:
    """{label: Method}: each filter tuned against the truth on one half of the patients, applied to the other."""
    from lowcount.classical.enhancer import ClassicalEnhancer
    from lowcount.classical.tuning import tune
    from lowcount.evaluate.method import Method

    keys = sorted(s.key for s in studies)
    halves = [set(keys[: len(keys) // 2]), set(keys[len(keys) // 2 :])]
    out = {}
    for method in filters:
        cards = [tune(method, [s for s in studies if s.key in half], against="truth") for half in halves]
        images = {}
        for study in studies:
            card = cards[1] if study.key in halves[0] else cards[0]  # the other half's choice
            enhancer = ClassicalEnhancer(method, card["params"], card["anscombe"])
            images[study.key] = enhancer.enhance(study.fast_counts, study.speed_factor)
        out[f"{method} (tuned on the other half)"] = Method(images, "fast", {"cards": cards})
    return out


def _score_family(family: str, manifest: Path, models: dict[str, Path], protocol: Protocol, out: Path) -> dict:
    from lowcount import shipped
    from lowcount.evaluate.family_table import truth_rows
    from lowcount.evaluate.method import raw_fast, standard_scans
    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.studies import load_studies
    from lowcount.inference import Enhancer
    from lowcount.inference.methods import enhance_studies
    from lowcount.inference.truth_free import evaluate_truth_free

    result_path = out / f"scores_{family}.json"
    if result_path.is_file():
        return json.loads(result_path.read_text())
    _log(f"scoring {len(models)} models on the {family} test patients")
    studies = load_studies(manifest, "all")
    enhancers = {name: Enhancer.load(weights) for name, weights in models.items()}
    if protocol.tta:
        enhancers |= {f"{name} + tta": Enhancer.load(w, tta=("flip", "shift")) for name, w in models.items()}
    methods = {"fast 3x (raw)": raw_fast(studies)}
    methods |= {name: enhance_studies(studies, enhancer)[0] for name, enhancer in enhancers.items()}
    filtered = _cross_fitted_filters(studies, protocol.filters)
    methods |= filtered | {"standard": standard_scans(studies)}
    report = out / f"report_{family}"
    headline = write_report(studies, methods, report, None, shipped.observer_threshold(), "shipped threshold")
    result = {"truth": truth_rows(report, headline, list(filtered)), "truth_free": {}}
    for k in protocol.split_ks:  # test-time augmentation at k 3 only: it costs four passes
        scored = enhancers if k == 3 else {name: e for name, e in enhancers.items() if not e.tta}
        folder = out / f"truth_free_{family}_k{k:g}"
        rows = evaluate_truth_free(manifest.parent, folder, k, scored, protocol.filters, "all", with_shipped=False)
        result["truth_free"][f"{k:g}"] = {r["method"]: r for r in rows}
    result_path.write_text(json.dumps(result, indent=2, default=float) + "\n")
    return result


def cross_domain(work: str | Path, protocol: Protocol = Protocol()) -> dict:
    """Run (or resume) every stage of the protocol (see the module docstring); returns what
    ``work/cross_domain.json`` holds."""
    from lowcount.io.atomic import atomic_write_text

    work = Path(work)
    if not protocol.train and not protocol.models:
        raise ValueError("nothing to score: give models to score, or let the trainings run")
    if protocol.adapt_steps and not protocol.train:
        raise ValueError("the adaptation stage adapts the model trained on procedural: it needs the trainings")
    seeds = iter(range(protocol.seed, protocol.seed + 100))
    train_data = {}
    for family in TRAIN_FAMILIES:
        folder, seed = work / "cohorts" / f"train_{family}", next(seeds)
        if protocol.train:
            train_data[family] = _cohort(folder, protocol.train_patients, seed, family, protocol.train_phantom)
    tests = {
        family: _cohort(work / "cohorts" / f"test_{family}", protocol.test_patients, next(seeds), family, None)
        for family in TEST_FAMILIES
    }
    trainings = {f"trained on {family}": (family, ()) for family in TRAIN_FAMILIES} | {
        name: tuple(spec) for name, spec in protocol.variants.items()
    }
    models = {name: Path(weights) for name, weights in protocol.models.items()}
    for name, (family, overrides) in trainings.items() if protocol.train else ():
        folder = name.removeprefix("trained on ").replace(" ", "_")
        models[name] = _train(name, train_data[family].parent, work / "runs" / folder, protocol, overrides)
    scores = {family: _score_family(family, tests[family], models, protocol, work) for family in TEST_FAMILIES}
    result = {"protocol": {**vars(protocol), "variants": {k: list(v) for k, v in protocol.variants.items()}}}
    result["protocol"]["models"] = {name: str(weights) for name, weights in protocol.models.items()}
    result["scores"] = scores
    if protocol.adapt_steps:
        result["adapt"] = _adapt_stage(work, models["trained on procedural"], tests["xcat"], protocol, next(seeds))
    atomic_write_text(work / "cross_domain.json", json.dumps(result, indent=2, default=float) + "\n")
    atomic_write_text(work / "cross_domain.md", table(result))
    return result


def _adapt_stage(work: Path, weights: Path, held_out: Path, protocol: Protocol, seed: int) -> dict:
    from lowcount.adapt import adapt

    done = work / "adapt" / "adapt.json"
    if done.is_file():
        return json.loads(done.read_text())
    source = _cohort(work / "cohorts" / "adapt_xcat", protocol.test_patients, seed, "xcat", None)
    _log(f"adapting the procedural model on {protocol.test_patients} xcat standard scans")
    steps = protocol.adapt_steps
    return adapt(
        source.parent, str(weights.parent), work / "adapt", steps=steps, held_out=held_out.parent, progress=False
    )


def table(result: dict) -> str:
    """The cross-domain table in Markdown: one row per model and test family."""
    from lowcount.evaluate.family_table import markdown

    scores = {family: {**s, "truth_free": s["truth_free"].get("3", {})} for family, s in result["scores"].items()}
    lines = markdown(scores, skip=("fast 3x (raw)",)).splitlines()
    if "adapt" in result:
        a = result["adapt"]
        lines.append("")
        lines.append(
            f"Adaptation on xcat standard scans ({a['steps']} steps, {a['loss']}): truth-free gain over "
            f"{a['reference']} on {a['held_out_patients']} held-out xcat patients {a['before_gain_db']:+.2f} dB "
            f"before, {a['after_gain_db']:+.2f} dB after."
        )
    return "\n".join(lines) + "\n"
