"""Table 7's noise ladder: the inputs carry the stated EMANet level, and a tuned filter is scored on them."""

import numpy as np
import pytest

from lowcount.inference.level_ladder import clean_views, level_ladder


def test_the_noisy_rows_have_the_error_of_their_level_and_the_tuned_gaussian_lowers_it(small_cohort):
    rows = level_ladder(small_cohort, {}, levels=(10, 30))
    views = clean_views(small_cohort, "test")
    for level in (10, 30):
        noisy = next(r for r in rows if r["level"] == level and r["method"] == "noisy")
        # Poisson noise of level L has variance g L^2 / 128 at grey value g (lowcount.data.noise_level)
        expected = np.mean([np.sqrt(np.mean(view) * level**2 / 128.0) for view in views])
        assert noisy["rmse"] == pytest.approx(expected, rel=0.03)
        gaussian = next(r for r in rows if r["level"] == level and r["method"].startswith("gaussian"))
        assert gaussian["rmse"] < noisy["rmse"] and gaussian["psnr"] > noisy["psnr"]


def test_bench_noise_levels_prints_every_estimator_near_the_true_level(small_cohort, tmp_path):
    import json

    from typer.testing import CliRunner

    from lowcount.cli import app

    out = tmp_path / "table6.json"
    args = ["bench", "noise-levels", "--data", str(small_cohort), "--levels", "10,20", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "dwtne RMSE" in result.output and "hbne estimate" in result.output
    rows = json.loads(out.read_text())
    assert [row["level"] for row in rows] == [10, 20] and rows[0]["family"] != "unknown"
    for row in rows:
        for method in ("dwtne", "hbne"):
            assert row[f"{method}_mean"] == pytest.approx(row["label"], rel=0.1)
