"""The report end to end on a tiny phantom cohort, with its raw-input numbers recomputed independently."""

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lowcount.classical.enhancer import ClassicalEnhancer
from lowcount.cli import app
from lowcount.evaluate.method import Method
from lowcount.evaluate.scoring import MethodScores
from lowcount.evaluate.studies import load_studies
from lowcount.evaluate.tables import bland_altman, diagnosis_table


@pytest.fixture(scope="module")
def report(small_cohort, tmp_path_factory):
    from lowcount.evaluate.report import write_report

    studies = load_studies(small_cohort, "test")
    gaussian = ClassicalEnhancer("gaussian", {"sigma_px": 1.25})
    methods = {
        "fast3x (raw)": Method({s.key: s.speed_factor * s.fast_counts for s in studies}, "fast"),
        "gaussian": Method({s.key: gaussian.enhance(s.fast_counts, s.speed_factor) for s in studies}, "fast"),
        "standard": Method({s.key: s.standard_counts for s in studies}, "standard"),
    }
    out = tmp_path_factory.mktemp("report")
    headline = write_report(studies, methods, out, threshold=5.0, threshold_note="test")
    return out, studies, headline


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _independent_mask(reference, bladder):
    from scipy.ndimage import gaussian_filter

    smooth = gaussian_filter(reference.astype(np.float64), 2.0)
    return (smooth >= 0.1 * np.percentile(smooth, 90)) & ~bladder


def test_raw_input_numbers_match_scikit_image(report):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    out, studies, _ = report
    views = [r for r in _rows(out / "tables" / "views.csv") if r["method"] == "fast3x (raw)"]
    assert len(views) == 2 * len(studies)
    for study in studies:
        for v, name in enumerate(("anterior", "posterior")):
            row = next(r for r in views if r["patient"] == study.key and r["view"] == name)
            raw = study.speed_factor * study.fast_counts[v].astype(np.float64)
            for prefix, reference, bladder in (
                ("standard", study.standard_counts[v].astype(np.float64), study.standard_bladder[v]),
                ("truth", study.fast_truth[v].astype(np.float64), study.fast_bladder[v]),
            ):
                mask = _independent_mask(reference, bladder)
                data_range = reference[mask].max()
                expected = peak_signal_noise_ratio(reference[mask], raw[mask], data_range=data_range)
                assert float(row[f"{prefix}_psnr"]) == pytest.approx(expected, abs=1e-4)
                _, smap = structural_similarity(
                    reference, raw, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                    data_range=data_range, full=True,
                )  # fmt: skip
                inner = (slice(5, -5), slice(5, -5))
                assert float(row[f"{prefix}_ssim"]) == pytest.approx(smap[inner][mask[inner]].mean(), abs=1e-4)
                rmse = np.sqrt(np.mean((raw[mask] - reference[mask]) ** 2))
                assert float(row[f"{prefix}_rmse"]) == pytest.approx(rmse, rel=1e-6)


def test_report_holds_every_table_and_figure(report):
    out, studies, headline = report
    page = (out / "index.html").read_text()
    for heading in ("Against the standard scan", "Against the noiseless truth", "Count fidelity", "Diagnostic"):
        assert heading in page
    for figure in ("bland_altman", "correlation", "roc", "cases"):
        path = out / "figures" / f"{figure}.png"
        assert path.stat().st_size > 5000 and f"figures/{figure}.png" in page
    quality = _rows(out / "tables" / "quality_vs_truth.csv")
    assert [r["group"] for r in quality] == ["fast3x (raw)", "gaussian", "standard"]
    assert "fid_inception" not in quality[0] and "FID (Inception)" not in page  # only with Inception weights
    assert "standard" not in [r["group"] for r in _rows(out / "tables" / "quality_vs_standard.csv")]
    assert {r["metric"] for r in _rows(out / "tables" / "anova_vs_truth.csv")} == {"ssim", "psnr", "rmse"}
    # a tuned Gaussian on the 3x scan is closer to the truth than the raw 3x scan (the easy win the papers miss)
    assert headline["gaussian"]["psnr_vs_truth_db"] > headline["fast3x (raw)"]["psnr_vs_truth_db"] + 3
    # patients appear by hashed key only, never by id
    assert "PH11-" not in page and "PH11-" not in (out / "tables" / "views.csv").read_text()


def test_bland_altman_of_a_proportional_bias():
    ref = np.array([100.0, 200.0, 400.0, 800.0])
    result = bland_altman(1.1 * ref, ref)
    assert result["bias_pct"] == pytest.approx(100 * 0.1 / 1.05)
    assert result["loa_low_pct"] == pytest.approx(result["bias_pct"])
    assert result["r"] == pytest.approx(1.0)


def test_the_raw_input_creates_no_hot_spot_of_its_own(report):
    out, _, _ = report
    rows = {r["group"]: r for r in _rows(out / "tables" / "diagnosis.csv")}
    raw = rows["fast3x (raw)"]
    # every hot spot of k x the fast scan is its own input's: kept, none created (scored at the input's level)
    assert float(raw["invented_hot_spots_per_view"]) > 0 and float(raw["created_hot_spots_per_view"]) == 0
    assert float(rows["gaussian"]["created_hot_spots_per_view"]) <= float(
        rows["gaussian"]["invented_hot_spots_per_view"]
    )
    assert rows["standard"]["created_hot_spots_per_view"] == "nan"


def test_lesions_lost_and_false_spots_are_counted_at_the_threshold():
    scores = MethodScores("m")
    scores.views = [{"hot_spots": 2, "created_hot_spots": 1}, {"hot_spots": 0, "created_hot_spots": 0}]
    scores.lesions = [
        {"observer_score": 9.0, "truth_observer_score": 12.0},  # visible, detected
        {"observer_score": 3.0, "truth_observer_score": 8.0},  # visible, lost
        {"observer_score": 7.0, "truth_observer_score": 2.0},  # not visible in the truth: neither
    ]
    scores.patients = [{"score": 9.0, "malignant": True}, {"score": 6.0, "malignant": False}]
    scores.false_positive_scores = [4.0, 5.5, 7.0]
    (row,) = diagnosis_table({"m": scores}, threshold=5.0)
    assert (row["lesions_visible_in_truth"], row["lesions_detected"], row["lesions_lost"]) == (2, 1, 1)
    assert row["false_spots_per_view"] == 1.0 and row["invented_hot_spots_per_view"] == 1.0
    assert row["created_hot_spots_per_view"] == 0.5
    scores.views = [{"hot_spots": 1}, {"hot_spots": 0}]  # the standard scan: no input, nothing to explain by
    (row,) = diagnosis_table({"m": scores}, threshold=5.0)
    assert np.isnan(row["created_hot_spots_per_view"])
    assert (row["sensitivity"], row["specificity"], row["auc"]) == (1.0, 0.0, 1.0)


def _everything_is_lesion(path: Path) -> Path:
    import torch

    from lowcount.models import build_model
    from lowcount.models.weights import save_weights

    net = build_model("lesion_unet", channels=(4, 8))
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.fill_(50.0)
    return save_weights(net, path, "lesion_unet", {"channels": [4, 8]})


def test_cli_evaluates_a_prediction_folder(small_cohort, tmp_path):
    rows = [r for r in csv.DictReader(open(small_cohort)) if r["split"] == "test" and r["acquisition"] == "fast3x"]
    source = str(Path(small_cohort).parent / rows[0]["dicom_path"])
    pred = tmp_path / "pred"
    result = CliRunner().invoke(
        app, ["enhance", source, "--method", "median", "--speed-factor", "3", "--out", str(pred), "--no-preview"]
    )
    assert result.exit_code == 0, result.output
    segmenter = _everything_is_lesion(tmp_path / "segmenter")
    args = ["evaluate", "--manifest", str(small_cohort), "--pred", f"median={pred}", "--threshold", "5"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "report"), "--segmenter", str(segmenter)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "PSNR vs truth (dB)" in lines[0] and any(line.split()[0] == "median" for line in lines[1:-1])
    assert "segm. IoU" in lines[0] and (tmp_path / "report" / "index.html").is_file()
    # A segmenter that marks every pixel finds every lesion pixel, and its precision is the lesion fraction.
    studies = load_studies(small_cohort, "test")
    fraction = {
        "fast": np.mean([s.fast_labels > 0 for s in studies]),
        "standard": np.mean([s.standard_labels > 0 for s in studies]),
    }
    segmented = list(csv.DictReader(open(tmp_path / "report" / "tables" / "segmentation.csv")))
    assert {row["method"] for row in segmented} == {"fast3x (raw)", "median", "standard"}
    for row in segmented:
        assert float(row["recall"]) == 1.0
        expected = fraction["standard" if row["method"] == "standard" else "fast"]
        assert float(row["precision"]) == pytest.approx(expected) and float(row["iou"]) == pytest.approx(expected)
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = CliRunner().invoke(app, ["evaluate", "--manifest", str(small_cohort), "--pred", str(empty),
                                       "--threshold", "5", "--out", str(tmp_path / "r2")])  # fmt: skip
    assert missing.exit_code == 2 and "no enhanced image of 1 of 1 fast scans" in missing.output


def test_standard_threshold_allows_the_stated_false_spot_rate(small_cohort):
    from lowcount.evaluate.scoring import score_method, standard_threshold

    studies = load_studies(small_cohort, "val")
    threshold = standard_threshold(studies, false_spots_per_view=0.1)
    scores = score_method("standard", {s.key: s.standard_counts for s in studies}, studies, "standard")
    false_spots = np.asarray(scores.false_positive_scores)
    assert np.sum(false_spots >= threshold) <= 0.1 * len(scores.views)
    assert np.sum(false_spots >= threshold * 0.999) >= 1  # the lowest such threshold


def test_report_without_truth_scores_against_the_standard_scan_and_rois(report, tmp_path):
    from dataclasses import replace

    from scipy.ndimage import center_of_mass

    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.rois import load_rois

    out, studies, _ = report
    real = [replace(s, fast_truth=None, fast_labels=None, standard_truth=None, standard_labels=None) for s in studies]
    raw = {s.key: s.speed_factor * s.fast_counts for s in real}
    lines = ["sop_uid,view,row,col,radius_px,region"]
    for s in studies:  # a reader's circles on the standard scan's findings, plus one on normal bone
        for label in np.unique(s.standard_labels[0])[1:]:
            r, c = center_of_mass(s.standard_labels[0] == label)
            lines.append(f"{s.standard_uid},anterior,{r:.1f},{c:.1f},3,lesion")
    (tmp_path / "rois.csv").write_text("\n".join(lines) + "\n")
    rois = load_rois(tmp_path / "rois.csv", real)
    with pytest.raises(ValueError, match="without truth the standard scan is the reference"):
        write_report(real, {"standard": Method({s.key: s.standard_counts for s in real}, "standard")}, tmp_path / "x")
    headline = write_report(real, {"fast3x (raw)": Method(raw, "fast")}, tmp_path / "real", rois=rois)
    page = (tmp_path / "real" / "index.html").read_text()
    assert "These scans have no truth" in page and "Counts in the regions of interest" in page
    assert "Against the noiseless truth" not in page and not (tmp_path / "real" / "tables" / "diagnosis.csv").exists()
    # The comparison with the standard scan does not depend on whether the truth is known.
    with_truth = {
        (r["patient"], r["view"]): r for r in _rows(out / "tables" / "views.csv") if r["method"] == "fast3x (raw)"
    }
    for row in _rows(tmp_path / "real" / "tables" / "views.csv"):
        assert float(row["standard_psnr"]) == pytest.approx(
            float(with_truth[row["patient"], row["view"]]["standard_psnr"])
        )
    assert headline["fast3x (raw)"]["psnr_vs_truth_db"] is None
    per_roi = _rows(tmp_path / "real" / "tables" / "rois.csv")
    assert len(per_roi) == len(lines) - 1
    (summary,) = _rows(tmp_path / "real" / "tables" / "roi_counts.csv")
    ratios = [float(r["max_counts"]) / float(r["standard_max_counts"]) for r in per_roi]
    assert float(summary["max_ratio_median"]) == pytest.approx(np.median(ratios))
