"""``lowcount evaluate --truth-free`` on a phantom cohort (where the truth is known) and on a folder of scans."""

import csv
import json

import numpy as np
from scipy.ndimage import gaussian_filter
from typer.testing import CliRunner

from lowcount.cli import app


def test_truth_free_scores_track_the_true_ones_and_the_best_filter_is_the_reference(small_cohort, tmp_path):
    args = ["evaluate", "--truth-free", "--manifest", str(small_cohort), "--split", "all", "--filters", "gaussian"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "r" / "truth_free.json").read_text())["summary"]
    by_method = {row["method"]: row for row in summary}
    assert {"input x k (raw)", "se_unet", "se_lite_cyclegan", "gaussian (tuned on the other half)"} <= set(by_method)
    best = by_method["gaussian (tuned on the other half)"]
    assert best["gain_db"] == 0 and summary[0]["reference"] == best["method"]
    for row in summary:  # three patients: the estimate is unbiased, not exact
        assert abs(row["psnr_db"] - row["true_psnr_db"]) < 1.0, row
        assert row["psnr_low"] <= row["psnr_db"] <= row["psnr_high"]
    assert by_method["se_unet"]["gain_db"] > 0 > by_method["input x k (raw)"]["gain_db"]
    patients = list(csv.DictReader(open(tmp_path / "r" / "tables" / "truth_free_patients.csv")))
    assert len(patients) == 3 * len(summary) and not any("PH" in row["patient"] for row in patients)
    assert "truth-free" in (tmp_path / "r" / "truth_free.html").read_text()


def test_a_folder_of_scans_is_scored_and_a_processed_one_is_left_out_by_name(small_cohort, tmp_path):
    from lowcount.io.dicom import NMHeader, read_wholebody, write_wholebody
    from lowcount.io.manifest import read_manifest

    folder = tmp_path / "site"
    rows = [r for r in read_manifest(small_cohort) if r["acquisition"] == "standard"]
    for row in rows:
        (folder / f"{row['sop_uid']}.dcm").parent.mkdir(exist_ok=True)
        (folder / f"{row['sop_uid']}.dcm").write_bytes(open(row["dicom_path"], "rb").read())
    smooth = read_wholebody(rows[0]["dicom_path"]).views()
    header = NMHeader("X^Y", "SMOOTH-1", "1.2.3.4", "1.2.3.5", "1.2.3.6", (2.26, 2.26), 15.0, 600_000.0)
    processed = write_wholebody(folder, *np.rint(gaussian_filter(smooth, (0, 1, 1))), header)
    args = ["evaluate", "--truth-free", "--manifest", str(folder), "--filters", "gaussian"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "r" / "truth_free.json").read_text())["metadata"]
    assert meta["patients"] == 3 and len(meta["refused"]) == 1 and str(processed) in meta["refused"][0]
    summary = json.loads((tmp_path / "r" / "truth_free.json").read_text())["summary"]
    assert not any("true_psnr_db" in row for row in summary)  # a folder of scans has no truth


def test_filters_with_fixed_settings_are_scored_and_the_better_one_is_the_reference(small_cohort, tmp_path):
    from lowcount.classical.enhancer import ClassicalEnhancer
    from lowcount.inference.truth_free import evaluate_truth_free

    fixed = {f"gaussian {s}": ClassicalEnhancer("gaussian", {"sigma_px": s}, False) for s in (0.5, 2.0)}
    summary = evaluate_truth_free(small_cohort, tmp_path, 3.0, {}, (), "all", with_shipped=False, fixed_filters=fixed)
    by_method = {row["method"]: row for row in summary}
    assert set(by_method) == {"input x k (raw)", *fixed}  # no tuned filter, no shipped model
    better = max(fixed, key=lambda name: by_method[name]["psnr_db"])
    worse = next(name for name in fixed if name != better)
    assert summary[0]["reference"] == better and by_method[better]["gain_db"] == 0
    assert by_method[worse]["gain_db"] < 0
