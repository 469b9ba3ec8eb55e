"""Indexing a folder of whole-body DICOM files: acquisitions, speed factors and splits from the headers alone."""

import shutil

import pydicom
import pytest
from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.io.index import acquisition_name, index_folder
from lowcount.io.manifest import read_manifest, write_manifest


@pytest.fixture()
def site_folder(small_cohort, tmp_path):
    """The small cohort's DICOM files alone (no truth), in a nested folder with a stray non-DICOM file."""
    folder = tmp_path / "export" / "nested"
    folder.mkdir(parents=True)
    for row in read_manifest(small_cohort):
        shutil.copy(row["dicom_path"], folder)
    (tmp_path / "export" / "README.txt").write_text("not DICOM")
    return tmp_path / "export"


def test_acquisition_names():
    assert acquisition_name(1.02) == "standard"
    assert acquisition_name(3.0004) == "fast3x"
    assert acquisition_name(2.49) == "fast2.5x"


def test_index_recovers_the_simulated_acquisitions(small_cohort, site_folder, tmp_path):
    simulated = {(r["patient_id"], r["sop_uid"]): r for r in read_manifest(small_cohort)}
    manifest = tmp_path / "site" / "manifest.csv"
    manifest.parent.mkdir()
    result = index_folder(site_folder, manifest, split="auto", seed=1)
    assert result.patients == 3 and not result.skipped
    write_manifest(manifest, result.rows)
    rows = read_manifest(manifest)
    assert len(rows) == len(simulated)
    for row in rows:
        original = simulated[(row["patient_id"], row["sop_uid"])]
        assert row["acquisition"] == original["acquisition"]
        assert row["speed_factor"] == pytest.approx(original["speed_factor"], rel=1e-3)
        assert row["counts_anterior"] == original["counts_anterior"]
        assert row["truth_path"] == ""
        assert pydicom.dcmread(row["dicom_path"]).SOPInstanceUID == row["sop_uid"]
    splits = {row["patient_id"]: row["split"] for row in rows}
    assert sorted(splits.values()) == ["test", "train", "val"]


def test_index_reports_scans_without_timing_and_empty_folders(small_cohort, site_folder, tmp_path):
    fast = next(r for r in read_manifest(small_cohort) if r["acquisition"] == "fast2x")
    path = next(site_folder.rglob(f"{fast['sop_uid']}.dcm"))
    ds = pydicom.dcmread(path)
    del ds.ScanVelocity
    del ds.ActualFrameDuration
    ds.save_as(path)
    result = index_folder(site_folder, tmp_path / "manifest.csv")
    assert result.patients == 3 and len(result.rows) == 8
    assert fast["sop_uid"] not in {row["sop_uid"] for row in result.rows}
    assert len(result.skipped) == 1 and "Scan Velocity (0018,1300) is empty" in result.skipped[0]
    assert fast["patient_id"] not in " ".join(result.skipped)  # no patient identifier in what is logged
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no usable whole-body NM acquisition"):
        index_folder(tmp_path / "empty", tmp_path / "manifest.csv")


def test_index_command_writes_a_manifest_that_evaluate_reads(site_folder, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(site_folder), "--out", str(tmp_path / "site.csv")])
    assert result.exit_code == 0, result.output
    assert "9 acquisitions of 3 patients (fast2x, fast3x, standard)" in result.output
    result = runner.invoke(app, ["evaluate", "--manifest", str(tmp_path / "site.csv"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "PSNR vs standard" in result.output and "truth" not in result.output
    page = (tmp_path / "r" / "index.html").read_text()
    assert "These scans have no truth" in page and "Against the noiseless truth" not in page
