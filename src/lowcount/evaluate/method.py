"""One method of an evaluation: its images of every study, what they were made from, and what made them.

A report (lowcount.evaluate.report) compares methods: the raw fast scan times k, classical filters,
trained models, the standard scan itself and the standard scan after a filter. Each is a :class:`Method`;
``lowcount evaluate``, ``lowcount demo`` and ``lowcount bench quality`` all build them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KINDS = ("fast", "standard")


@dataclass(frozen=True)
class Method:
    """Attributes:
    images: {study key: (views, rows, cols) counts at the standard scan's level}.
    kind: ``fast`` for images made from the fast scan (scored against the standard scan and the fast
        acquisition's truth), ``standard`` for the standard scan or images made from it (scored against its
        own truth; needs a phantom cohort).
    card: what made the images (a model's sidecar, a filter's parameter card; empty for raw scans), shown in
        the report's metadata.
    twin_images: the same method's images of each study's lesion-absent twin (lowcount.evaluate.twins), for
        the channelized Hotelling observer; empty when the method cannot be rerun (a prediction folder).
    """

    images: dict[str, np.ndarray]
    kind: str = "fast"
    card: dict = field(default_factory=dict)
    twin_images: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


def raw_fast(studies: list, twins: list | None = None) -> Method:
    """The fast scans themselves, times their speed factor (the input every method starts from); with
    ``twins`` (lowcount.evaluate.twins) the twins' fast scans the same way."""
    twin_images = {t.key: t.speed_factor * t.fast_counts for t in twins or ()}
    return Method({s.key: s.speed_factor * s.fast_counts for s in studies}, "fast", twin_images=twin_images)


def standard_scans(studies: list, twins: list | None = None) -> Method:
    """The standard scans, as acquired (and the twins' standard scans)."""
    twin_images = {t.key: t.standard_counts.astype(np.float32) for t in twins or ()}
    return Method({s.key: s.standard_counts.astype(np.float32) for s in studies}, "standard", twin_images=twin_images)
