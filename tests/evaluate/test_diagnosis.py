import numpy as np
import pytest

from lowcount.evaluate.diagnosis import (
    ObserverConfig,
    auc,
    contrast_map,
    decisions,
    lesion_free_background,
    read_view,
    roc_curve,
)


def _scene():
    """A 160 x 96 'bone' band on soft tissue at standard counts, with one focal lesion (label 1)."""
    r, c = np.mgrid[0:160, 0:96]
    background = 40.0 + 160.0 * (np.abs(c - 48) < 12) * (1 + 0.3 * np.sin(r / 20))
    lesion = 250.0 * np.exp(-((r - 80) ** 2 + (c - 48) ** 2) / (2 * 2.0**2))
    labels = (lesion > 25.0).astype(np.uint16)
    return background, background + lesion, labels


def test_painting_out_a_lesion_recovers_the_anatomy_around_it():
    background, truth, labels = _scene()
    estimate = lesion_free_background(truth, labels)
    hole = labels > 0
    error = np.abs(estimate[hole] / background[hole] - 1)
    assert error.mean() < 0.02 and error.max() < 0.03  # the lesion itself is up to +125 %
    far = np.ones(truth.shape, bool)
    far[60:100, 28:68] = False
    np.testing.assert_array_equal(estimate[far], truth[far])
    assert (lesion_free_background(background, np.zeros_like(labels)) == background).all()


def test_contrast_is_in_units_of_standard_scan_noise():
    """On Poisson draws of a flat background, the contrast map has mean ~0 and standard deviation ~1."""
    flat = np.full((256, 256), 100.0)
    noisy = np.random.default_rng(0).poisson(flat).astype(np.float64)
    values = contrast_map(noisy, flat)[20:-20, 20:-20]
    assert abs(values.mean()) < 0.1 and abs(values.std() - 1.0) < 0.1


def test_the_truth_has_only_its_lesion_and_a_painted_spot_is_a_false_positive():
    _, truth, labels = _scene()
    allowed = np.ones(truth.shape, bool)
    clean = read_view(truth, truth, labels, allowed)
    assert clean.lesion_scores[1] > 20 and clean.false_positive_scores.size == 0
    spot = truth.copy()
    r, c = np.mgrid[0:160, 0:96]
    spot += 120.0 * np.exp(-((r - 30) ** 2 + (c - 48) ** 2) / (2 * 1.5**2))
    reading = read_view(spot, truth, labels, allowed)
    assert reading.false_positive_scores.size == 1 and reading.false_positive_scores[0] > 5
    assert reading.lesion_scores[1] == pytest.approx(clean.lesion_scores[1], rel=1e-6)
    hidden = read_view(spot, truth, labels, allowed & (r > 50))  # outside the allowed region: ignored
    assert hidden.false_positive_scores.size == 0


def test_noise_makes_false_positives_and_more_counts_make_fewer():
    background, truth, labels = _scene()
    rng = np.random.default_rng(1)
    allowed = np.ones(truth.shape, bool)
    counts = {k: [len(read_view(k * rng.poisson(truth / k), truth, labels, allowed, ObserverConfig(min_contrast=3.0))
                      .false_positive_scores) for _ in range(3)] for k in (1.0, 4.0)}  # fmt: skip
    assert np.mean(counts[4.0]) > 3 * max(np.mean(counts[1.0]), 1.0)


def test_auc_equals_the_mann_whitney_statistic():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(2)
    positive = rng.random(60) < 0.4
    scores = np.round(rng.normal(positive * 1.0, 1.0), 1)  # rounded: ties on purpose
    u = mannwhitneyu(scores[positive], scores[~positive]).statistic
    assert auc(scores, positive) == pytest.approx(u / (positive.sum() * (~positive).sum()))
    fpr, tpr, thresholds = roc_curve(scores, positive)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(thresholds) < 0)


def test_decisions_at_a_threshold():
    scores = np.array([0.1, 0.2, 0.35, 0.4, 0.6, 0.8, 0.9])
    positive = np.array([0, 0, 1, 0, 1, 1, 1], bool)
    d = decisions(scores, positive, 0.6)  # 3 of 4 positives at or above 0.6, no negative
    assert (d["sensitivity"], d["specificity"], d["accuracy"]) == (0.75, 1.0, 6 / 7)


def test_roc_needs_both_classes():
    with pytest.raises(ValueError, match="both positive and negative"):
        roc_curve(np.ones(3), np.ones(3, bool))
