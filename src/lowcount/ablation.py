"""The EMANet paper's ablations on the phantom (Tables 3-5, Fig. 10): variants of configs/emanet.yaml trained
at one budget and scored on the same held-out patients.

- ``modules`` (Table 4): the backbone with every module, without each of RDC, MD, RCAG and CF, and with none;
- ``loss`` (Table 5): MSE alone, the perceptual term alone, and the composite 0.8 MSE + 0.2 perceptual;
- ``lambda`` (Fig. 10): the composite (1 - lambda) MSE + lambda perceptual over a sweep of lambda;
- ``transfer`` (Table 3): trained from scratch on the cohort, against pre-trained on another cohort (the other
  phantom family, say) for the same steps and then fine-tuned on this one (``model.init_from``).

Every variant trains with the same seed and steps; each run lives in ``work/<table>/<variant>`` and a run
already exported is scored again without training. Scores are those of lowcount's validation
(lowcount.evaluate.validation.Validator) on the cohort's *test* patients' fast scans: PSNR and SSIM against
the phantom's truth and against the standard scan, and the lesion maximum over the truth's. The perceptual
term uses the shipped domain feature network unless ``overrides`` point elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

TABLES = ("modules", "loss", "lambda", "transfer")
LAMBDAS = (0.0, 0.1, 0.2, 0.4, 0.6, 0.8)
MODULES = ("rdc", "md", "rcag", "cf")


def _loss(mse: float, perceptual: float, weights: str) -> str:
    terms = []
    if mse > 0:
        terms.append(f"{{name: mse, weight: {mse:g}}}")
    if perceptual > 0:
        terms.append(f"{{name: perceptual, weight: {perceptual:g}, network: domain, weights: {weights}}}")
    return f"supervised.loss=[{', '.join(terms)}]"


def variants(table: str, feature_weights: str) -> dict[str, tuple[str, ...]]:
    """{variant name: config overrides} of one table (``transfer`` is built by :func:`run_table`)."""
    if table == "modules":
        out = {"all modules": ()}
        out.update({f"without {m.upper()}": (f"model.args.{m}=false",) for m in MODULES})
        out["none (U-Net backbone)"] = tuple(f"model.args.{m}=false" for m in MODULES)
        return out
    if table == "loss":
        return {
            "MSE": (_loss(1.0, 0.0, feature_weights),),
            "perceptual": (_loss(0.0, 1.0, feature_weights),),
            "0.8 MSE + 0.2 perceptual": (_loss(0.8, 0.2, feature_weights),),
        }
    if table == "lambda":
        return {f"lambda {lam:g}": (_loss(1.0 - lam, lam, feature_weights),) for lam in LAMBDAS}
    raise ValueError(f"table must be one of {TABLES}, got {table!r}")


def _score(run: Path, manifest: Path) -> dict[str, float]:
    """Validation figures of the run's exported weights on the cohort's test patients."""
    from dataclasses import replace

    import torch

    from lowcount.config import read_yaml
    from lowcount.data.paired import PairedScans
    from lowcount.evaluate.validation import Validator
    from lowcount.io.manifest import read_manifest
    from lowcount.models.weights import load_weights
    from lowcount.train.config import run_config

    sections = read_yaml(run / "config.yaml")
    sections.pop("fold", None)  # the run's bookkeeping, not a config section
    cfg = run_config(sections, str(run / "config.yaml"))
    has_fast = any(r["acquisition"] == cfg.data.fast for r in read_manifest(manifest))
    data = replace(cfg.data, pairs="acquired", thin_factor_range=None) if has_fast else cfg.data
    net, _ = load_weights(run / "model.safetensors")

    class Exported:
        def predict(self, x):
            with torch.no_grad():
                return net.eval()(x).float()

    figures = Validator(PairedScans(manifest, "test", data, with_truth=True))(Exported())
    keys = ("truth_psnr", "truth_ssim", "psnr", "ssim", "lesion_max_ratio", "created_hot_spots")
    return {key: figures.get(key) for key in keys}


def run_table(
    table: str,
    data_dir: str | Path,
    work: str | Path,
    steps: int,
    overrides: tuple[str, ...] = (),
    pretrain_data: str | Path | None = None,
    recipe: str = "emanet",
) -> list[dict]:
    """Train (or reuse) every variant of ``table`` and score it; rows also go to ``work/<table>.json``."""
    from lowcount import shipped
    from lowcount.config import recipe_path
    from lowcount.io.atomic import atomic_write_text
    from lowcount.io.manifest import manifest_path
    from lowcount.train.run import train

    manifest = manifest_path(data_dir)
    out = Path(work) / table
    every = max(1, min(steps, 250))
    base = (f"train.steps={steps}", f"train.checkpoint_every={every}", f"train.validate_every={steps}", *overrides)
    feature_weights = str(shipped.model_weights(shipped.FEATURE_NET))
    config = recipe_path(recipe)
    runs: dict[str, Path] = {}

    def fit(name: str, data: Path, extra: tuple[str, ...]) -> Path:
        run = out / name.replace(" ", "_").replace("(", "").replace(")", "").replace("+", "plus")
        if not (run / "model.safetensors").is_file():
            train(config, data, run, resume=(run / "last.pt").is_file(), progress=False, overrides=(*base, *extra))
        return run

    if table == "transfer":
        if pretrain_data is None:
            raise ValueError("table transfer needs --pretrain-data: the cohort to pre-train on (e.g. the other family)")
        loss = (_loss(0.8, 0.2, feature_weights),)
        runs["from scratch"] = fit("from scratch", manifest, loss)
        pretrained = fit("pre-trained only", manifest_path(pretrain_data), loss)
        runs["pre-trained only"] = pretrained
        start = f"model.init_from={pretrained / 'model.safetensors'}"
        runs["pre-trained, then fine-tuned"] = fit("pre-trained then fine-tuned", manifest, (*loss, start))
    else:
        for name, extra in variants(table, feature_weights).items():
            loss = () if table != "modules" else (_loss(0.8, 0.2, feature_weights),)
            runs[name] = fit(name, manifest, (*loss, *extra))
    rows = [{"table": table, "variant": name, "steps": steps, **_score(run, manifest)} for name, run in runs.items()]
    atomic_write_text(Path(work) / f"{table}.json", json.dumps(rows, indent=2))
    return rows
