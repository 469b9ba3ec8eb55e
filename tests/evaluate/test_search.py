"""The search observer's free-response analysis: AFROC area, a cross-fitted operating point, intervals."""

import numpy as np
import pytest

from lowcount.evaluate.scoring import MethodScores
from lowcount.evaluate.search import afroc_area, operating_threshold, search_rows


def test_afroc_area_is_the_probability_a_finding_outranks_a_views_worst_false_spot():
    ratings = np.array([5.0, 3.0, -np.inf, 3.0])
    highest_false = np.array([4.0, -np.inf, 3.0])
    pairs = [(r > f) + 0.5 * (r == f) for r in ratings for f in highest_false]
    assert afroc_area(ratings, highest_false) == pytest.approx(np.mean(pairs))
    assert afroc_area(np.array([9.0, 8.0]), np.array([1.0, -np.inf])) == 1.0


def test_operating_threshold_maximises_localised_findings_minus_views_with_a_false_spot():
    ratings = np.array([6.0, 5.0, 4.0, 2.5])
    highest_false = np.array([3.0, 2.0, -np.inf, 4.5])
    t = operating_threshold(ratings, highest_false)
    gain = np.mean(ratings >= t) - np.mean(highest_false >= t)
    for other in np.linspace(0, 7, 71):
        assert gain >= np.mean(ratings >= other) - np.mean(highest_false >= other) - 1e-12


def _scores(name: str, patients: int, finding_rating, false_spots, seed: int = 0) -> MethodScores:
    """Synthetic marks: 3 findings and 2 views per patient; ``finding_rating(rng)`` and ``false_spots(rng)``
    (ratings of one view's false spots) draw the observer's marks."""
    rng = np.random.default_rng(seed)
    scores = MethodScores(name)
    for p in range(patients):
        key = f"p{p:02d}"
        scores.lesions += [{"patient": key, "observer_score": finding_rating(rng)} for _ in range(3)]
        scores.views += [{"patient": key, "false_spot_scores": list(false_spots(rng))} for _ in range(2)]
    return scores


def test_a_method_whose_findings_outrank_its_false_spots_scores_near_one_and_a_blind_one_near_chance():
    clear = _scores("clear", 20, lambda r: r.uniform(8, 10), lambda r: r.uniform(2, 4, r.integers(0, 3)))
    blind = _scores("blind", 20, lambda r: r.uniform(2, 6), lambda r: r.uniform(2, 6, 3), seed=1)
    rows = {row["group"]: row for row in search_rows({"clear": clear, "blind": blind}, resamples=300)}
    assert rows["clear"]["afroc_area"] == 1.0 and rows["clear"]["findings_localised"] == 1.0
    assert rows["clear"]["false_spots_per_view"] == 0.0
    blind_row = rows["blind"]
    assert blind_row["afroc_area"] < 0.6 and blind_row["afroc_area_low"] <= blind_row["afroc_area"]
    assert blind_row["afroc_area"] <= blind_row["afroc_area_high"] and blind_row["findings"] == 60


def test_the_operating_point_of_each_half_comes_from_the_other_half():
    """Findings rate 5 and false spots 4 in one half of the patients, the other way round in the other. Chosen
    on the other half, the first half's threshold is 4 (every finding and every false spot counts) and the
    second half's is 5 (no finding, every false spot); thresholds chosen on a half's own patients would
    localise every finding."""
    keys = [f"p{p:02d}" for p in range(20)]
    first = set(sorted(keys)[0::2])
    scores = MethodScores("swapped")
    for key in keys:
        finding, false = (5.0, 4.0) if key in first else (4.0, 5.0)
        scores.lesions += [{"patient": key, "observer_score": finding}]
        scores.views += [{"patient": key, "false_spot_scores": [false]}]
    (row,) = search_rows({"swapped": scores}, resamples=50)
    assert row["findings_localised"] == 0.5 and row["views_with_false_spot"] == 1.0


def test_a_half_without_findings_still_gives_a_threshold_that_marks_no_false_spot():
    """With no finding to localise, the best threshold is the one above every false spot."""
    highest_false = np.array([3.0, -np.inf, 4.5])
    t = operating_threshold(np.zeros(0), highest_false)
    assert not np.any(highest_false >= t)
    scores = MethodScores("lesion-free half")
    for p, rating in enumerate([6.0, None, 5.0, None]):  # p01 and p03 (one half) hold no finding
        key = f"p{p:02d}"
        scores.lesions += [{"patient": key, "observer_score": rating}] if rating else []
        scores.views += [{"patient": key, "false_spot_scores": [2.0]}]
    (row,) = search_rows({"lesion-free half": scores}, resamples=50)
    assert row["findings"] == 2 and np.isfinite(row["findings_localised"])
