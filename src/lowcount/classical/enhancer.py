"""A classical filter with fixed parameters, used wherever a trained model's Enhancer is.

Its parameters come from a card (``lowcount tune``: lowcount.classical.tuning) or are given directly;
``enhance(counts, k)`` returns k x the filtered fast-scan counts, the standard scan's level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lowcount.classical.filters import check_params, denoise


@dataclass(frozen=True)
class ClassicalEnhancer:
    """A classical filter with fixed parameters, used where a trained model's Enhancer is.

    ``enhance(counts, k)`` returns k x the filtered fast-scan counts (the standard scan's level).
    """

    method: str
    params: dict = field(default_factory=dict)
    anscombe: bool = False
    card: dict = field(default_factory=dict)
    device: str = "cpu"
    precision: str = "fp64"
    speed_factor: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", check_params(self.method, dict(self.params)))

    @property
    def meta(self) -> dict:
        from lowcount import __version__

        return {"model": self.method, "lowcount_version": __version__, "params": self.params, "anscombe": self.anscombe}

    @property
    def label(self) -> str:
        values = ", ".join(f"{k} {v:g}" for k, v in self.params.items())
        return f"{self.method} ({values}{', Anscombe' if self.anscombe else ''})"

    @classmethod
    def load(cls, card: str | Path) -> ClassicalEnhancer:
        """From a card written by :func:`save_card`; errors name the file and the field."""
        path = Path(card)
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a readable parameter card ({exc}); make one with `lowcount tune`") from exc
        for key in ("method", "params", "anscombe"):
            if key not in data:
                raise ValueError(f"{path}: field {key!r} is missing; make the card with `lowcount tune`")
        return cls(data["method"], data["params"], bool(data["anscombe"]), card=data)

    def enhance(self, counts: np.ndarray, speed_factor: float | None = None, tiled: bool | None = None) -> np.ndarray:
        counts = np.asarray(counts, np.float32)
        if counts.ndim not in (2, 3):
            raise ValueError(f"counts must be (rows, cols) or (views, rows, cols), got shape {counts.shape}")
        k = speed_factor or 1.0
        views = counts.reshape(-1, *counts.shape[-2:])
        out = np.stack([denoise(v, self.method, self.anscombe, **self.params) * k for v in views])
        return out.astype(np.float32).reshape(counts.shape)
