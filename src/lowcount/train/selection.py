"""Which validated checkpoint a run exports, and what its card says about count safety.

Adversarial generators change character as their critic gains: a pix2pix on split pairs created no hot
spot on its validation views up to step 2000 and 3 in 8 views at step 2500 while its PSNR still rose
(docs/benchmarks.md). So with ``train.export: best`` a run exports the validated checkpoint that ranks first
by ``rank``: fewest created hot spots (lowcount.evaluate.counts.created_hot_spots: per validation image,
measured when the validation images carry the phantom's truth, plus per view on the lesion-free phantom
patients of ``train.lesion_free_seeds``), then highest PSNR against the truth when there is one, else
against the target scan. Count safety comes first because a hot spot that nothing in
the input explains can be read as a lesion; a fraction of a decibel cannot.

The exported weights' sidecar carries the chosen step and its validation figures (key ``validation``), and
``count_safety_warning`` turns a card with created hot spots into the warning ``lowcount train`` and
``lowcount enhance`` print. This module imports no torch.
"""

from __future__ import annotations

import math

EXPORTS = ("last", "best")


def _finite(metrics: dict, key: str) -> float | None:
    value = metrics.get(key)
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


CREATED = ("created_hot_spots", "lesion_free_created_hot_spots")


def created(metrics: dict[str, float | None]) -> float:
    """Created hot spots per image on the validation images plus per view on the lesion-free patients
    (lowcount.train.lesion_free); missing or NaN values count as 0 (without truth none are measured)."""
    return sum(_finite(metrics, key) or 0.0 for key in CREATED)


def rank(metrics: dict[str, float]) -> tuple[float, float]:
    """Sort key of one validation (larger is better): (-``created``, PSNR in dB); PSNR is ``truth_psnr``
    when finite, else ``psnr``, else minus ``level_rmse`` (a noise-level estimator's), else ``iou`` (a
    segmenter's), else -inf."""
    score = _finite(metrics, "truth_psnr")
    if score is None:
        score = _finite(metrics, "psnr")
    if score is None and (rmse := _finite(metrics, "level_rmse")) is not None:
        score = -rmse
    if score is None:
        score = _finite(metrics, "iou")
    return (-created(metrics), score if score is not None else -math.inf)


def card(checkpoint: str, step: int, metrics: dict[str, float]) -> dict:
    """The ``validation`` entry of an exported model's sidecar (NaN becomes null, so the JSON is strict)."""
    figures = {k: (float(v) if math.isfinite(float(v)) else None) for k, v in metrics.items()}
    return {"checkpoint": checkpoint, "step": int(step), "metrics": figures}


def count_safety_warning(metrics: dict[str, float | None], what: str = "the model") -> str | None:
    """A warning when validation found hot spots that ``what`` created (none, or not measured: ``None``)."""
    where = {"created_hot_spots": "image on its validation images", "lesion_free_created_hot_spots": "lesion-free view"}
    found = [f"{value:.3g} per {where[key]}" for key in CREATED if (value := _finite(metrics, key) or 0.0) > 0]
    if not found:
        return None
    return (
        f"warning: {what} made hot spots that are neither in the truth nor in its input ({' and '.join(found)}; "
        "lowcount.evaluate.counts.created_hot_spots); do not read its images before "
        "`lowcount bench hot-spots --model MODEL.safetensors` shows none on lesion-free phantoms"
    )


class BestValidation:
    """The validation that ranks first so far (:func:`rank`), and its step; checkpointed with the run."""

    def __init__(self) -> None:
        self.rank: tuple[float, float] = (-math.inf, -math.inf)
        self.step = 0
        self.metrics: dict[str, float] = {}

    def offer(self, step: int, metrics: dict[str, float]) -> bool:
        """Keep ``metrics`` when they rank above the best so far; returns whether they did."""
        if rank(metrics) > self.rank:
            self.rank, self.step, self.metrics = rank(metrics), step, dict(metrics)
            return True
        return False

    def state_dict(self) -> dict:
        return {"best": list(self.rank), "best_step": self.step, "best_metrics": self.metrics}

    def load_state_dict(self, state: dict) -> None:
        if isinstance(state["best"], list | tuple):  # older checkpoints ranked by PSNR alone: rank afresh
            self.rank, self.step, self.metrics = tuple(state["best"]), int(state["best_step"]), state["best_metrics"]
