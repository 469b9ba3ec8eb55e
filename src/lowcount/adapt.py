"""``lowcount adapt``: fine-tune a model on a site's own scans without truth or pairs, and say what it bought.

Every archive holds standard scans. Split binomially, each gives two independent Poisson scans of the same
instant, aligned to the pixel: a 1/k input (exactly a k-times-fast scan) and the other (k-1)/k of its
counts as the target (lowcount.data.config, ``pairs: split``). ``adapt`` continues the model's own recipe
on those pairs, starting from its weights, at a low learning rate, and validates without truth.

From fast scans alone (``--fast``) the fast scan itself is split: the input keeps ``input_fraction`` of its
counts (0.9 by default) and the target the rest. The target is unbiased and independent of the input, so
no Noisier2Noise correction of the mean is needed; the one mismatch is that the network learns at 0.9 of
the count level it will meet, which makes it slightly too smooth, never biased.

Before and after, the model is scored by the truth-free estimate (lowcount.inference.truth_free) on the
scans of patients it did not train on (the ``test`` split), against the classical filters tuned on the other
half of those patients; ``OUT/adapt.json`` holds both and ``OUT/before_after/`` the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ADAPT_STEPS = 300
ADAPT_LR = 5e-5


def _recipe(model: str) -> tuple[dict, Path]:
    """The model's training config (its run's ``config.yaml``, or the shipped recipe) and its weights file."""
    from lowcount import shipped
    from lowcount.config import read_yaml, recipe_path

    if model in shipped.MODELS:
        return read_yaml(recipe_path(f"shipped/{model}")), shipped.model_weights(model)
    run = Path(model)
    config, weights = run / "config.yaml", run / "model.safetensors"
    if not (config.is_file() and weights.is_file()):
        raise FileNotFoundError(
            f"{run}: not a run folder (needs config.yaml and model.safetensors) nor a shipped model "
            f"({', '.join(shipped.MODELS)})"
        )
    recipe = read_yaml(config)
    recipe.pop("fold", None)
    return recipe, weights


def _manifest(source: Path, out: Path) -> Path:
    """The manifest of ``source``: its own (a cohort), or one indexed from its DICOM files (train/val/test)."""
    from lowcount.io.index import index_folder
    from lowcount.io.manifest import manifest_path, write_manifest

    manifest = manifest_path(source)
    if manifest.is_file():
        return manifest
    target = out / "index" / "manifest.csv"
    result = index_folder(source, target, split="auto")
    if not result.rows:
        raise ValueError(f"{source}: no whole-body acquisition to adapt on ({'; '.join(result.skipped[:3])})")
    write_manifest(target, result.rows)
    return target


def adapt_config(
    recipe: dict, weights: Path, acquisition: str, k: float, steps: int, lr: float, loss: str | None = "mse"
) -> dict:
    """The recipe turned into a fine-tuning run: split pairs of ``acquisition`` with a 1/k input, trained with
    ``loss`` (None keeps the recipe's). Squared error is the default: its minimiser is the mean of the
    independent target, so the target's Poisson noise averages out; an L1 loss converges to the target's
    median, which a target of a few counts per pixel pulls below the mean."""
    config = json.loads(json.dumps(recipe))  # a deep copy of plain YAML data
    if config.get("train", {}).get("method", "supervised") != "supervised":
        raise ValueError("adapt fine-tunes supervised models (se_unet and other split-pair recipes), not GANs")
    config["model"]["init_from"] = str(weights)
    data = config.setdefault("data", {})
    data |= {"target": acquisition, "pairs": "split", "thin_factor": k, "consistency": "speed", "register": False}
    train = config.setdefault("train", {})
    train |= {"steps": steps, "lr": lr, "scheduler": "constant", "checkpoint_every": max(steps // 4, 1)}
    train["validate_every"] = max(steps // 2, 1)
    train.pop("export", None)
    if loss is not None:
        config["supervised"] = {**config.get("supervised", {}), "loss": [{"name": loss, "weight": 1.0}]}
    return config


def adapt(
    source: str | Path,
    model: str,
    out: str | Path,
    fast: str | None = None,
    steps: int = ADAPT_STEPS,
    lr: float = ADAPT_LR,
    input_fraction: float = 0.9,
    loss: str | None = "mse",
    score_k: float = 3.0,
    held_out: str | Path | None = None,
    device: str | None = None,
    progress: bool = True,
) -> dict:
    """Fine-tune ``model`` on ``source``'s standard scans (or its ``fast`` acquisition) and score it before
    and after on held-out patients: ``source``'s test split, or every patient of ``held_out`` (another
    folder or cohort) when given; returns what ``OUT/adapt.json`` holds."""
    from lowcount.inference.truth_free import evaluate_truth_free
    from lowcount.io.atomic import atomic_write_text
    from lowcount.train.config import load_run_config
    from lowcount.train.run import train

    if not 0.5 <= input_fraction < 1.0:
        raise ValueError(f"input_fraction must be within [0.5, 1), got {input_fraction}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    source, out = Path(source), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(source, out)
    recipe, weights = _recipe(model)
    k = 1.0 / input_fraction if fast else recipe.get("data", {}).get("thin_factor", 3.0)
    config = adapt_config(recipe, weights, fast or "standard", float(k), steps, lr, loss)
    config_path = out / "adapt_config.yaml"
    atomic_write_text(config_path, yaml.safe_dump(config, sort_keys=False))
    run = out / "run"
    train(load_run_config(config_path), manifest.parent, run, device=device, progress=progress, no_truth=True)
    models = {"before": weights, "after": run / "model.safetensors"}
    scored, split = (Path(held_out), "all") if held_out is not None else (manifest.parent, "test")
    summary = evaluate_truth_free(
        scored, out / "before_after", score_k, models, split=split, no_truth=True, with_shipped=False
    )
    rows = {row["method"]: row for row in summary}
    result = {
        "source": str(source),
        "scored_on": f"{scored} ({split})",
        "model": model,
        "acquisition": fast or "standard",
        "split_k": k,
        "steps": steps,
        "lr": lr,
        "loss": loss or "the recipe's",
        "reference": rows["before"].get("reference"),
        "held_out_patients": rows["before"]["patients"],
        **{f"{name}_gain_db": rows[name].get("gain_db") for name in models},
        **{f"{name}_gain_interval_db": [rows[name].get("gain_low"), rows[name].get("gain_high")] for name in models},
        **{f"{name}_psnr_db": rows[name]["psnr_db"] for name in models},
    }
    atomic_write_text(out / "adapt.json", json.dumps(result, indent=2) + "\n")
    return result
