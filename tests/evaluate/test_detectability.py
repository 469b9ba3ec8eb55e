"""The CHO detectability task: trials at known findings, noise learnt on other patients, intervals."""

from types import SimpleNamespace

import numpy as np
import pytest

from lowcount.evaluate import hotelling
from lowcount.evaluate.detectability import (
    DetectabilityConfig,
    detectability_rows,
    finding_boxes,
    finding_places,
    roi_set,
)
from lowcount.evaluate.method import Method

ROWS, COLS, FINDINGS = 160, 96, 4
CFG = DetectabilityConfig(resamples=300)


def _patients(n: int, amplitude, seed: int = 0, findings=lambda index: FINDINGS):
    """n synthetic patients (2 views each): a smooth background, ``findings(index)`` disk lesions per view
    at random places away from the edge (the first at the edge, which must be left out); images with and
    without lesions, Poisson noise; truth = background + lesions. ``amplitude(index)`` gives a patient's
    lesion contrast in counts."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    studies, present, absent, absent_again = [], {}, {}, {}
    rows, cols = np.mgrid[0:ROWS, 0:COLS]
    for index in range(n):
        background = 40 + 30 * gaussian_filter(rng.random((2, ROWS, COLS)), (0, 8, 8))
        labels = np.zeros((2, ROWS, COLS), np.uint16)
        for v in range(2):
            for k in range(findings(index)):
                r, c = (rng.integers(20, ROWS - 20), rng.integers(20, COLS - 20)) if k else (3, 3)
                labels[v][(rows - r) ** 2 + (cols - c) ** 2 <= 9] = k + 1
        truth = background + np.where(labels > 0, amplitude(index), 0.0)
        key = f"p{index:02d}"
        studies.append(
            SimpleNamespace(key=key, fast_labels=labels, standard_labels=labels, fast_truth=truth, standard_truth=truth)
        )
        present[key] = rng.poisson(truth).astype(np.float64)
        absent[key] = rng.poisson(background).astype(np.float64)
        absent_again[key] = rng.poisson(background).astype(np.float64)
    return studies, present, absent, absent_again


def test_rois_are_centred_on_each_finding_and_skip_the_edge():
    studies, present, absent, _ = _patients(2, lambda i: 30.0)
    places = finding_places(studies, "fast", CFG.roi_px, CFG.margin_px)
    rois = roi_set(studies, present, absent, places, CFG.roi_px)
    assert len(rois.present) == 2 * 2 * (FINDINGS - 1)  # the finding at (3, 3) is too near the edge
    centre = CFG.roi_px // 2
    excess = (rois.present - rois.absent)[:, centre - 2 : centre + 3, centre - 2 : centre + 3].mean(axis=(1, 2))
    assert np.all(excess > 10)  # the lesion (30 counts above background) sits in the middle of every ROI


def test_visible_lesions_are_detected_and_a_method_that_removes_them_is_at_chance():
    studies, present, absent, absent_again = _patients(20, lambda i: 3.0)
    methods = {
        "raw": Method(present, "fast", twin_images=absent),
        "lesions removed": Method(absent_again, "fast", twin_images=absent),
        "prediction folder": Method(present, "fast"),
    }
    rows = {row["group"]: row for row in detectability_rows(studies, methods, CFG)}
    raw, removed = rows["raw"], rows["lesions removed"]
    assert raw["auc"] > 0.8 and raw["d_prime"] > 1 and raw["auc_low"] <= raw["auc"] <= raw["auc_high"]
    assert raw["d_prime_kept"] == 1 and raw["d_prime_gain"] == 0 and raw["trials"] == 20 * 2 * (FINDINGS - 1)
    assert removed["auc_low"] < 0.5 < removed["auc_high"] and removed["d_prime_gain_high"] < 0
    assert removed["d_prime_kept_high"] < 0.5
    assert "no lesion-absent twins" in rows["prediction folder"]["note"] and "auc" not in rows["prediction folder"]


def test_the_noise_is_learnt_on_the_other_half_of_the_patients(monkeypatch):
    """Patients of the first half (p00, p02, ...) have 2 findings per view left after the edge, the others
    4: the covariance each half is tested with must come from the other half's trials."""
    keys = sorted(f"p{i:02d}" for i in range(20))
    first = set(keys[0::2])
    studies, present, absent, _ = _patients(20, lambda i: 3.0, findings=lambda i: 3 if f"p{i:02d}" in first else 5)
    learnt_on = []
    original = hotelling.noise_covariance
    monkeypatch.setattr(hotelling, "noise_covariance", lambda noise: learnt_on.append(len(noise)) or original(noise))
    cfg = DetectabilityConfig(resamples=1)
    detectability_rows(studies, {"raw": Method(present, "fast", twin_images=absent)}, cfg)
    first_trials, second_trials = 10 * 2 * 2, 10 * 2 * 4
    assert learnt_on[:4] == [second_trials, first_trials, first_trials, second_trials]  # (learn, spread) x 2


def test_too_few_findings_give_a_note_not_an_error():
    studies, present, absent, _ = _patients(2, lambda i: 12.0)
    for study in studies:  # one finding per view: 2 trials per half, fewer than the 6 channels
        study.fast_labels = np.where(study.fast_labels == 2, 2, 0)
    (row,) = detectability_rows(studies, {"raw": Method(present, "fast", twin_images=absent)}, CFG)
    assert "too few findings" in row["note"] and "auc" not in row


@pytest.mark.parametrize("bad", [0, 32])
def test_roi_size_must_be_odd_and_positive(bad):
    with pytest.raises(ValueError, match="odd"):
        finding_boxes(np.zeros((1, 40, 40), np.uint16), bad)
