import json

import numpy as np
import pytest

from lowcount.classical.enhancer import ClassicalEnhancer
from lowcount.classical.filters import denoise
from lowcount.classical.tuning import save_card, tune
from lowcount.evaluate.counts import scoring_mask
from lowcount.evaluate.studies import Study


def _study(speed_factor: float, seed: int) -> Study:
    """One synthetic one-view study: a smooth 128 x 64 truth at ~60 standard counts per pixel."""
    r, c = np.mgrid[0:128, 0:64]
    truth = 60.0 * (0.4 + np.exp(-((r - 50) ** 2 + (c - 30) ** 2) / 200.0) + 0.3 * (r > 90))
    rng = np.random.default_rng(seed)
    fast = rng.poisson(truth / speed_factor).astype(np.float32)[None]
    standard = rng.poisson(truth).astype(np.float32)[None]
    none = np.zeros((1, 128, 64), bool)
    return Study(
        "k", "1.2.3", speed_factor, fast, standard, truth[None], none.astype(np.uint16), truth[None], None, none, none
    )


def _masked_psnr(pred, ref, mask):
    return 10 * np.log10(ref[mask].max() ** 2 / np.mean((pred[mask] - ref[mask]) ** 2))


def test_tuning_smooths_noisier_scans_more_and_reports_the_psnr_it_found():
    cards = {k: tune("gaussian", [_study(k, seed=5), _study(k, seed=6)], against="truth") for k in (1.5, 8.0)}
    assert cards[8.0]["params"]["sigma_px"] > cards[1.5]["params"]["sigma_px"]
    card = cards[8.0]
    assert card["psnr_db"] == max(t["psnr_db"] for t in card["trials"])
    # recompute the winner's score independently of lowcount.evaluate.metrics
    scores = []
    for seed in (5, 6):
        s = _study(8.0, seed)
        pred = denoise(s.fast_counts[0], "gaussian", card["anscombe"], **card["params"]) * 8.0
        scores.append(_masked_psnr(pred, s.fast_truth[0], scoring_mask(s.fast_truth[0], s.fast_bladder[0])))
    assert card["psnr_db"] == pytest.approx(np.mean(scores), abs=1e-9)


def test_tuned_filter_beats_the_raw_scan_against_the_standard_too():
    studies = [_study(3.0, seed=7)]
    card = tune("median", studies, against="standard")
    s = studies[0]
    mask = scoring_mask(s.standard_counts[0], s.standard_bladder[0])
    raw = _masked_psnr(3.0 * s.fast_counts[0], s.standard_counts[0], mask)
    assert card["psnr_db"] > raw + 1.0


def test_against_truth_needs_truth_and_against_must_be_known():
    study = _study(3.0, seed=8)
    without = Study(
        study.key,
        study.fast_uid,
        3.0,
        study.fast_counts,
        study.standard_counts,
        None,
        None,
        None,
        None,
        study.fast_bladder,
        study.standard_bladder,
    )
    with pytest.raises(ValueError, match="phantom cohort"):
        tune("gaussian", [without], against="truth")
    with pytest.raises(ValueError, match="against must be one of"):
        tune("gaussian", [study], against="noise")


def test_card_round_trip_and_enhance_scales_to_the_standard_level(tmp_path):
    card = tune("wiener", [_study(3.0, seed=9)], against="truth", grid={"size_px": [3, 7]})
    path = save_card(card, tmp_path / "wiener.json")
    enhancer = ClassicalEnhancer.load(path)
    assert (enhancer.method, enhancer.params, enhancer.anscombe) == ("wiener", card["params"], card["anscombe"])
    counts = _study(3.0, seed=10).fast_counts
    expected = denoise(counts[0], "wiener", card["anscombe"], **card["params"]) * 3.0
    np.testing.assert_allclose(enhancer.enhance(counts, 3.0)[0], expected, rtol=1e-6)


def test_a_broken_card_names_the_file_and_the_field(tmp_path):
    bad = tmp_path / "card.json"
    bad.write_text(json.dumps({"method": "gaussian", "anscombe": False}))
    with pytest.raises(ValueError, match="card.json: field 'params' is missing"):
        ClassicalEnhancer.load(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="card.json: not a readable parameter card"):
        ClassicalEnhancer.load(bad)


def test_the_standard_scan_is_tuned_against_its_truth_and_needs_less_smoothing():
    studies = [_study(3.0, seed=11), _study(3.0, seed=12)]
    fast = tune("gaussian", studies, against="truth")
    standard = tune("gaussian", studies, against="truth", scan="standard")
    assert standard["scan"] == "standard" and fast["scan"] == "fast"
    assert standard["params"]["sigma_px"] < fast["params"]["sigma_px"]
    with pytest.raises(ValueError, match="only be tuned against the truth"):
        tune("gaussian", studies, against="standard", scan="standard")
