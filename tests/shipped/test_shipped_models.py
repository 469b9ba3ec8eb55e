"""The shipped generators on a phantom patient none of them has seen: nothing invented where there is nothing.

The patient (seed 407) is drawn by the same sampler as the lesion-free benchmark (seeds 404-406 in
docs/benchmarks.md), outside every cohort the shipped models were trained, tuned or reported on.
"""

import pytest

from lowcount.bench import bench_hot_spots
from lowcount.shipped import MODELS, model_weights


@pytest.mark.parametrize("name", MODELS)
def test_no_focal_maximum_above_the_standard_scans_noise_envelope_on_a_lesion_free_phantom(name):
    rows = bench_hot_spots(model_weights(name), [407])  # lowcount.evaluate.counts.invented_hot_spots per view
    assert len(rows) == 2
    for row in rows:
        assert row["standard"] == 0
        assert row["raw_fast"] > 0  # the raw scan crosses the envelope
        assert row["enhanced"] == 0, f"{name}, view {row['view']}"
