import subprocess
import sys

from typer.testing import CliRunner

from lowcount.cli import app

runner = CliRunner()


def test_simulate_writes_a_cohort_with_the_requested_speeds(tmp_path):
    result = runner.invoke(
        app,
        [
            "simulate",
            "--out",
            str(tmp_path),
            "--patients",
            "1",
            "--seed",
            "3",
            "--speeds",
            "2.5",
            "--fast-mode",
            "thinned",
            "--workers",
            "1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = (tmp_path / "manifest.csv").read_text()
    assert "fast2.5x" in manifest and "thinned" in manifest and "fast3x" not in manifest


def test_simulate_rejects_bad_speeds(tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--speeds", "two"])
    assert result.exit_code != 0
    assert "--speeds" in result.output


def test_info_reports_views_without_patient_identifiers(reference_nm):
    result = runner.invoke(app, ["info", str(reference_nm)])
    assert result.exit_code == 0, result.output
    assert "399321004" in result.output
    import pydicom

    assert f"SOP Instance UID {pydicom.dcmread(reference_nm).SOPInstanceUID}" in result.output  # what ROI files name
    assert "PHANTOM01" not in result.output and "TEST^PHANTOM" not in result.output


def test_info_on_a_bad_file_exits_with_a_clear_message(tmp_path):
    bad = tmp_path / "x.dcm"
    bad.write_text("nope")
    result = runner.invoke(app, ["info", str(bad)])
    assert result.exit_code == 2
    assert "not a DICOM file" in result.output


def test_import_lowcount_stays_light():
    code = (
        "import sys, lowcount, lowcount.phantom.cohort, lowcount.io.dicom, lowcount.cli; "
        "heavy = {'torch', 'pydicom', 'matplotlib', 'scipy'} & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_configs_lists_every_shipped_config_and_shows_one(tmp_path):
    from lowcount.config import recipe_names, recipe_path

    listing = runner.invoke(app, ["configs"])
    assert listing.exit_code == 0, listing.output
    for name in recipe_names():
        assert f"| {name} |" in listing.output
    assert "| shipped/se_lite_cyclegan | cyclegan |" in listing.output
    shown = runner.invoke(app, ["configs", "show", "se_unet"])
    assert shown.exit_code == 0 and shown.output == recipe_path("se_unet").read_text()
    own = tmp_path / "mine.yaml"
    own.write_text("model: {name: unet}\n")
    assert runner.invoke(app, ["configs", "show", str(own)]).exit_code == 2  # only shipped configs are shown
    missing = runner.invoke(app, ["configs", "show", "se_unte"])
    assert missing.exit_code == 2 and "shipped: " in missing.output


def test_train_takes_a_shipped_config_by_name_and_names_a_bad_one(tmp_path):
    result = runner.invoke(app, ["train", "no_such_recipe", "--data", str(tmp_path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "no_such_recipe" in result.output and "se_unet" in result.output
