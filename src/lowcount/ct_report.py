"""``lowcount ct qa`` and ``lowcount ct dose-factor``: the QA-phantom figures of raw scans over the dose
ladder and of every method of a ``lowcount ct compare`` run, and the dose-reduction factor of each method.

The dose-reduction factor (lowcount.evaluate.ct_quality.dose_reduction_factor) is read three ways: from the
QA phantom's noise (SD in the uniform section), from its soft-tissue insert's CNR (the lowest contrast),
and from the test mice's RMSE against the truth inside the body (the ladder scans of the test animals;
the methods' RMSE from ``mice.json``). Noise alone flatters a method that blurs; the mice's RMSE counts
blur as error, so the three can disagree, and all three are reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lowcount.ct.shapes import Grid
from lowcount.data.volume_pairs import BODY_HU
from lowcount.evaluate.ct_quality import dose_reduction_factor, qa_figures
from lowcount.evaluate.ct_scores import ct_scores
from lowcount.io.atomic import atomic_write_text
from lowcount.io.ct_scans import read_scans, scans_path
from lowcount.io.nifti import read_nifti

QA_COLUMNS = (
    "noise_hu",
    "soft_tissue_cnr",
    "bone_250_cnr",
    "soft_tissue_error_hu",
    "bone_1250_error_hu",
    "mtf50_per_mm",
)


def _cohort(data) -> tuple[Path, list[dict], Grid, float]:
    path = scans_path(data)
    cfg = json.loads((path.parent / "cohort.json").read_text())["config"]
    grid = Grid(tuple(cfg["shape"]), cfg["voxel_mm"], cfg["supersample"])
    return path.parent, read_scans(path), grid, float(cfg["low_dose"])


def _methods(compare: Path) -> dict[str, Path]:
    """{method: its QA-phantom volume} of a ``lowcount ct compare`` folder."""
    card_path = compare / "methods.json"
    if not card_path.is_file():
        raise FileNotFoundError(f"{card_path}: missing; run `lowcount ct compare --out {compare}` first")
    volumes = json.loads(card_path.read_text()).get("qa_volumes") or {}
    if not volumes:
        raise ValueError(f"{card_path}: the comparison ran on a cohort without the QA phantom")
    return {name: compare / rel for name, rel in volumes.items()}


def qa_report(data: str | Path, compare: str | Path) -> dict:
    """{``ladder``: {dose: figures}, ``methods``: {name: figures}}; also ``compare/qa.json`` and ``qa.md``."""
    folder, rows, grid, _ = _cohort(data)
    compare = Path(compare)
    ladder = {
        r["dose"]: qa_figures(read_nifti(folder / r["path"])[0], grid)
        for r in rows
        if r["kind"] == "qa" and r["role"] == "ladder"
    }
    if not ladder:
        raise ValueError(f"{folder}: the cohort has no QA-phantom ladder scans (lowcount ct simulate --ladder)")
    methods = {}
    for name, file in _methods(compare).items():
        if not file.is_file():
            raise FileNotFoundError(f"{file}: missing; run `lowcount ct compare --out {compare}` again")
        methods[name] = qa_figures(read_nifti(file)[0], grid)
    truth_row = next(r for r in rows if r["kind"] == "qa" and r["role"] == "truth")
    result = {
        "ladder": {f"{d:g}": f for d, f in sorted(ladder.items())},
        "methods": methods,
        "truth": qa_figures(read_nifti(folder / truth_row["path"])[0], grid),
    }
    lines = ["| scan | " + " | ".join(QA_COLUMNS) + " |", "|---|" + "---|" * len(QA_COLUMNS)]
    named = [(f"raw, dose {d}", f) for d, f in result["ladder"].items()] + list(methods.items())
    named.append(("noiseless truth", result["truth"]))
    for name, figures in named:
        lines.append(f"| {name} | " + " | ".join(f"{figures[c]:.3g}" for c in QA_COLUMNS) + " |")
    atomic_write_text(compare / "qa.json", json.dumps(result, indent=2))
    atomic_write_text(compare / "qa.md", "\n".join(lines) + "\n")
    return result


def _mice_ladder_rmse(folder: Path, rows: list[dict]) -> dict[float, float]:
    """Mean RMSE (HU) against the truth inside the body of the test mice's ladder scans, per dose."""
    per_dose: dict[float, list[float]] = {}
    truths = {}
    for r in rows:
        if r["kind"] != "mouse" or r["role"] != "ladder":
            continue
        if r["animal_id"] not in truths:
            truth = read_nifti(folder / r["truth_path"])[0]
            truths[r["animal_id"]] = (truth, truth > BODY_HU)
        truth, body = truths[r["animal_id"]]
        per_dose.setdefault(r["dose"], []).append(ct_scores(read_nifti(folder / r["path"])[0], truth, body)["rmse_hu"])
    return {d: float(np.mean(v)) for d, v in sorted(per_dose.items())}


def dose_factor_report(data: str | Path, compare: str | Path) -> dict:
    """Each method's dose-reduction factor by QA noise, QA soft-tissue CNR and mice RMSE; also written to
    ``compare/dose_factor.json`` and ``dose_factor.md``."""
    folder, rows, _, low_dose = _cohort(data)
    compare = Path(compare)
    qa = json.loads((compare / "qa.json").read_text()) if (compare / "qa.json").is_file() else qa_report(data, compare)
    doses = [float(d) for d in qa["ladder"]]
    noise = [qa["ladder"][d]["noise_hu"] for d in qa["ladder"]]
    cnr = [qa["ladder"][d]["soft_tissue_cnr"] for d in qa["ladder"]]
    mice = _mice_ladder_rmse(folder, rows)
    mice_rows = json.loads((compare / "mice.json").read_text())
    result = {}
    for name, figures in qa["methods"].items():
        rmse = [r["truth_rmse_hu"] for r in mice_rows if r["method"] == name]
        result[name] = {
            "qa_noise": dose_reduction_factor(doses, noise, figures["noise_hu"], low_dose),
            "qa_soft_tissue_cnr": dose_reduction_factor(doses, cnr, figures["soft_tissue_cnr"], low_dose),
            "mice_rmse": dose_reduction_factor(list(mice), list(mice.values()), float(np.mean(rmse)), low_dose)
            if rmse and len(mice) > 1
            else None,
        }
    lines = ["| method | by QA noise | by QA soft-tissue CNR | by mice RMSE vs truth |", "|---|---|---|---|"]
    for name, r in result.items():
        cells = [f"{r[k]['factor']:.2f}" if r[k] else "-" for k in ("qa_noise", "qa_soft_tissue_cnr", "mice_rmse")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    fits = {
        "noise_exponent": dose_reduction_factor(doses, noise, noise[0], low_dose)["exponent"],
        "mice_rmse_by_dose": {f"{d:g}": v for d, v in mice.items()},
    }
    atomic_write_text(compare / "dose_factor.json", json.dumps({"factors": result, "fits": fits}, indent=2))
    atomic_write_text(compare / "dose_factor.md", "\n".join(lines) + "\n")
    return result
