import math

import pytest

from lowcount.train.selection import card, count_safety_warning, rank


def test_fewer_created_hot_spots_outrank_any_psnr():
    safe = {"truth_psnr": 40.0, "psnr": 30.0, "created_hot_spots": 0.0}
    sharper = {"truth_psnr": 45.0, "psnr": 35.0, "created_hot_spots": 0.125}
    worse = {"truth_psnr": 50.0, "psnr": 40.0, "created_hot_spots": 0.5}
    assert sorted([worse, safe, sharper], key=rank, reverse=True) == [safe, sharper, worse]


@pytest.mark.parametrize(
    "metrics, expected",
    [
        ({"truth_psnr": 41.0, "psnr": 33.0}, (0.0, 41.0)),  # no created count: nothing known, counts as 0
        ({"truth_psnr": math.nan, "psnr": 33.0, "created_hot_spots": math.nan}, (0.0, 33.0)),  # no truth: target
        ({"psnr": 33.0, "created_hot_spots": 0.25}, (-0.25, 33.0)),
        ({"loss": 1.0}, (0.0, -math.inf)),
    ],
)
def test_rank_uses_the_truth_when_there_is_one(metrics, expected):
    assert rank(metrics) == expected


def test_card_is_strict_json():
    import json

    entry = card("best", 250, {"psnr": 31.5, "truth_psnr": math.nan})
    assert entry == {"checkpoint": "best", "step": 250, "metrics": {"psnr": 31.5, "truth_psnr": None}}
    json.dumps(entry, allow_nan=False)


def test_warning_only_when_the_model_created_hot_spots():
    assert count_safety_warning({"psnr": 30.0}) is None  # no truth, nothing known
    assert count_safety_warning({"created_hot_spots": 0.0, "hot_spots": 2.0}) is None  # kept ones only
    assert count_safety_warning({"created_hot_spots": math.nan}) is None
    assert count_safety_warning({"created_hot_spots": None}) is None  # NaN as the sidecar stores it
    warning = count_safety_warning({"created_hot_spots": 0.25}, "runs/p2p")
    assert "runs/p2p made hot spots" in warning and "0.25 per image" in warning
    assert "lowcount bench hot-spots" in warning
    both = count_safety_warning({"created_hot_spots": 0.0, "lesion_free_created_hot_spots": 0.125})
    assert "0.125 per lesion-free view" in both and "per image" not in both


def test_created_hot_spots_on_lesion_free_patients_count_too():
    validation_only = {"truth_psnr": 45.0, "created_hot_spots": 0.0, "lesion_free_created_hot_spots": 0.25}
    both_clean = {"truth_psnr": 44.0, "created_hot_spots": 0.0, "lesion_free_created_hot_spots": 0.0}
    assert rank(both_clean) > rank(validation_only)
    assert rank({"created_hot_spots": 0.125, "lesion_free_created_hot_spots": 0.25, "psnr": 1.0})[0] == -0.375
