"""`lowcount demo --quick --train`: the whole workflow with tiny sizes, on the shipped files."""

import json

import pytest
from typer.testing import CliRunner

from lowcount import shipped
from lowcount.cli import app

pytestmark = pytest.mark.slow  # simulates, trains two models for 10 steps and writes the full report


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--quick", "--train", "--out", str(out)])
    return out, result


def test_quick_demo_writes_the_report_with_every_method(demo):
    out, result = demo
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report" / "report.json").read_text())
    names = set(report["headline"])
    assert {"fast 3x (raw)", "standard", *shipped.MODELS} <= names
    assert {"se_unet (trained now)", "se_lite_cyclegan (trained now)"} <= names
    assert sum(name.startswith(("gaussian", "median", "wiener", "tv")) for name in names) == 4
    assert (out / "report" / "index.html").stat().st_size > 5000
    assert str(out / "report" / "index.html") in result.output.replace("\n", "")
    assert report["metadata"]["patients"] == 3


def test_quick_demo_reports_both_families_with_and_without_truth(demo):
    out, result = demo
    xcat = json.loads((out / "report_xcat" / "report.json").read_text())
    assert xcat["metadata"]["demo"]["family"] == "xcat" and xcat["metadata"]["patients"] == 2
    patients = (out / "cohort_xcat" / "patients.csv").read_text().splitlines()[1:]
    assert {line.split(",")[1] for line in patients} == {"xcat"}
    summary = (out / "summary.md").read_text()
    rows = [line.split(" | ") for line in summary.splitlines() if line.startswith("| se_unet | ")]
    assert [row[1] for row in rows] == ["procedural", "xcat"]  # the model, on each family
    for row in rows:  # a truth-based and a truth-free gain with their intervals, both read from the runs
        assert all("(" in cell and ".." in cell for cell in row[3:5]), row
    for family in ("procedural", "xcat"):
        free = json.loads((out / f"truth_free_{family}" / "truth_free.json").read_text())
        methods = {row["method"] for row in free["summary"]}
        assert {*shipped.MODELS, "se_unet (trained now)"} <= methods
        assert sum(name.startswith(("gaussian", "median", "wiener", "tv")) for name in methods) == 4
    assert "| se_unet | xcat |" in result.output  # the command prints the summary


def test_shipped_models_bring_the_3x_scans_closer_to_the_truth(demo):
    out, result = demo
    headline = json.loads((out / "report" / "report.json").read_text())["headline"]
    raw = headline["fast 3x (raw)"]["psnr_vs_truth_db"]
    for name in shipped.MODELS:
        assert headline[name]["psnr_vs_truth_db"] > raw + 3.0, name


def test_enhance_uses_the_shipped_default_model(demo, tmp_path):
    out, _ = demo
    from lowcount.io.manifest import read_manifest

    source = next(
        r["dicom_path"] for r in read_manifest(out / "cohort" / "manifest.csv") if r["acquisition"] == "fast3x"
    )
    result = CliRunner().invoke(app, ["enhance", str(source), "--out", str(tmp_path), "--no-preview"])
    assert result.exit_code == 0, result.output
    assert shipped.DEFAULT_MODEL in result.output and len(list(tmp_path.glob("*.dcm"))) == 1
