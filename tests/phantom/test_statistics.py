import json

import numpy as np
import pytest

from lowcount.phantom.statistics import NAMES, summary, view_statistics


def _view():
    """A 600 x 100 px uniform body of 10 counts per pixel with a 20 x 20 px spot of 100."""
    view = np.zeros((1024, 256))
    view[200:800, 80:180] = 10.0
    view[400:420, 120:140] = 100.0
    return view


def test_statistics_of_a_known_view():
    from scipy.stats import norm

    stats = view_statistics(_view())
    # The smoothed edge (sigma 3 px) falls to the threshold, 8 % of the plain body's level (its 99.5th
    # percentile: the spot is 0.15 % of the image), 3 * z(0.92) = 4.2 px outside the body.
    grow = 3.0 * norm.ppf(0.92)
    assert stats["body_fraction"] == pytest.approx((600 + 2 * grow) * (100 + 2 * grow) / (1024 * 256), rel=0.01)
    assert stats["body_height_rows"] == pytest.approx(600 + 2 * grow, abs=1)
    top = int(round(0.01 * 1024 * 256))  # 2621 pixels: the 400 hot ones and 2221 of the body
    total = 600 * 100 * 10.0 + 400 * 90.0
    assert stats["top1_share"] == pytest.approx((400 * 100.0 + (top - 400) * 10.0) / total)
    body_pixels = (600 + 2 * grow) * (100 + 2 * grow)
    assert stats["max_over_mean"] == pytest.approx(100.0 / (total / body_pixels), rel=0.02)
    assert stats["p99_over_median"] == pytest.approx(1.0)  # 0.67 % of the body is hot: p99 is the plain body


def test_summary_ranks_the_real_scan_in_the_cohort():
    rows = [dict.fromkeys(NAMES, float(v)) for v in range(10)]
    out = summary(rows)
    assert out["p99_over_median"]["median"] == pytest.approx(4.5)
    assert out["p99_over_median"]["real_rank"] == pytest.approx(0.5)  # 4.1: above 0..4
    assert out["body_fraction"]["real_rank"] == pytest.approx(0.1)  # 0.40: above 0 only


@pytest.mark.parametrize("view", [np.zeros((64, 64)), np.full((8,), 3.0), np.full((64, 64), np.nan)])
def test_empty_or_ill_views_raise(view):
    with pytest.raises(ValueError, match="view"):
        view_statistics(view)


def test_cohort_json_holds_the_statistics_per_family(small_cohort):
    meta = json.loads((small_cohort.parent / "cohort.json").read_text())
    stats = meta["anterior_view_statistics"]
    assert set(stats) == {"all", "procedural"}
    assert set(stats["all"]) == set(NAMES)
    assert stats["all"]["body_fraction"]["min"] <= stats["all"]["body_fraction"]["max"] < 1.0
