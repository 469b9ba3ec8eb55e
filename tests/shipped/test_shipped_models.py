"""The shipped generators on a phantom patient none of them has seen: nothing invented where there is nothing.

The patient (seed 407) is drawn by the same sampler as the lesion-free benchmark (seeds 404-406 in
docs/benchmarks.md), outside every cohort the shipped models were trained, tuned or reported on; so are
seeds 408-411, chosen before they were run.
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


@pytest.mark.parametrize("name", MODELS)
def test_every_hot_spot_left_on_lesion_free_phantoms_is_one_the_input_already_had(name):
    rows = bench_hot_spots(model_weights(name), [408, 409, 410, 411])  # counts.created_hot_spots per view
    assert sum(row["raw_fast"] for row in rows) > sum(row["enhanced"] for row in rows)
    assert [row["created"] for row in rows] == [0] * 8, name
