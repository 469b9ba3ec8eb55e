from pathlib import Path

import numpy as np
import pydicom
import pytest
from typer.testing import CliRunner

from lowcount.classical.filters import denoise
from lowcount.cli import app
from lowcount.evaluate.studies import load_studies
from lowcount.io.dicom import read_wholebody
from lowcount.io.manifest import read_manifest
from lowcount.io.pseudonym import cohort_secret, pseudonym
from lowcount.io.truth import load_truth


def _rows(manifest, split):
    return {r["acquisition"]: r for r in read_manifest(manifest) if r["split"] == split}


def test_studies_hold_the_split_s_scans_with_the_fast_truth_at_the_standard_level(small_cohort):
    (study,) = load_studies(small_cohort, "val", "fast3x")
    rows = _rows(small_cohort, "val")
    secret, _ = cohort_secret(small_cohort)
    assert study.key == pseudonym(rows["standard"]["patient_id"], secret) and "PH" not in study.key
    np.testing.assert_array_equal(study.fast_counts, read_wholebody(rows["fast3x"]["dicom_path"]).views())
    expected, labels = load_truth(rows["fast3x"]["truth_path"])
    np.testing.assert_allclose(study.fast_truth, 3.0 * expected, rtol=1e-6)
    np.testing.assert_array_equal(study.fast_labels, labels)
    assert study.speed_factor == 3.0 and study.has_truth
    # the bladder mask sits in the pelvis, hottest region of the truth there
    assert study.standard_bladder.any() and study.standard_bladder.sum() < 0.05 * study.standard_bladder.size


def test_missing_acquisition_or_split_is_a_clear_error(small_cohort):
    with pytest.raises(ValueError, match="fast4x"):
        load_studies(small_cohort, "val", "fast4x")
    with pytest.raises(ValueError, match="role must be one of"):
        load_studies(small_cohort, "holdout")


def test_cli_tunes_a_filter_and_enhances_a_scan_with_its_card(small_cohort, tmp_path):
    data = str(Path(small_cohort).parent)
    card = tmp_path / "gaussian.json"
    result = CliRunner().invoke(app, ["tune", "gaussian", "--data", data, "--out", str(card), "--against", "truth"])
    assert result.exit_code == 0, result.output
    assert "PSNR vs truth" in result.output and card.is_file()

    source = Path(_rows(small_cohort, "test")["fast3x"]["dicom_path"])
    args = ["enhance", str(source), "--method", "gaussian", "--params", str(card), "--speed-factor", "3"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--no-preview"])
    assert result.exit_code == 0, result.output
    (written,) = sorted((tmp_path / "out").glob("*.dcm"))
    assert pydicom.dcmread(written).ImageType[0] == "DERIVED"
    import json

    tuned = json.loads(card.read_text())
    expected = 3.0 * denoise(read_wholebody(source).anterior, "gaussian", tuned["anscombe"], **tuned["params"])
    np.testing.assert_allclose(read_wholebody(written).anterior, np.rint(expected), atol=1.0)


def test_cli_enhance_takes_a_model_or_a_method_not_both(small_cohort, tmp_path):
    source = _rows(small_cohort, "test")["fast3x"]["dicom_path"]
    both = CliRunner().invoke(app, ["enhance", source, "--model", "se_unet", "--method", "tv", "--out", str(tmp_path)])
    assert both.exit_code == 2 and "not both" in both.output
    wrong_card = tmp_path / "card.json"
    wrong_card.write_text('{"method": "median", "params": {}, "anscombe": false}')
    mismatch = CliRunner().invoke(
        app, ["enhance", source, "--method", "gaussian", "--params", str(wrong_card), "--out", str(tmp_path)]
    )
    assert mismatch.exit_code == 2 and "not --method gaussian" in mismatch.output
