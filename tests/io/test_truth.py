import shutil

import pytest

from lowcount.io.manifest import ManifestError, read_manifest
from lowcount.io.truth import cohort_has_truth


def test_missing_truth_files_are_an_error_unless_truth_is_left_out_on_purpose(small_cohort, tmp_path):
    cohort = tmp_path / "cohort"
    shutil.copytree(small_cohort.parent, cohort)
    rows = read_manifest(cohort)
    assert cohort_has_truth(rows, cohort)
    next((cohort / "truth").iterdir()).unlink()
    rows = read_manifest(cohort)
    with pytest.raises(ManifestError, match=r"1 of \d+ acquisitions have no truth file.*--no-truth"):
        cohort_has_truth(rows, cohort)
    assert not cohort_has_truth(rows, cohort, no_truth=True)
    assert not cohort_has_truth([{**r, "truth_path": ""} for r in rows], cohort)  # a site's own scans


def test_evaluate_and_train_stop_on_missing_truth_and_go_on_with_no_truth(small_cohort, tmp_path):
    from typer.testing import CliRunner

    from lowcount.cli import app

    cohort = tmp_path / "cohort"
    shutil.copytree(small_cohort.parent, cohort)
    for path in (cohort / "truth").iterdir():
        path.unlink()
    args = ["evaluate", "--manifest", str(cohort), "--out", str(tmp_path / "report"), "--threshold", "5"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and "--no-truth" in refused.output
    done = CliRunner().invoke(app, [*args, "--no-truth"])
    assert done.exit_code == 0, done.output
    assert "PSNR vs standard" in done.output
