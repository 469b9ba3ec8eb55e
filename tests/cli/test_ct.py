from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.io.ct_scans import read_scans

runner = CliRunner()


def test_ct_simulate_writes_a_cohort(tmp_path):
    args = [
        "ct",
        "simulate",
        "--out",
        str(tmp_path),
        "--animals",
        "3",
        "--split",
        "1,1",
        "--slices",
        "12",
        "--ladder",
        "0.5",
        "--workers",
        "1",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = read_scans(tmp_path)
    assert {r["dose"] for r in rows if r["role"] == "ladder"} == {0.5}
    assert "wrote 3 mice" in result.output


def test_ct_simulate_refuses_a_bad_split(tmp_path):
    result = runner.invoke(app, ["ct", "simulate", "--out", str(tmp_path), "--animals", "3", "--split", "2,2"])
    assert result.exit_code == 2
    assert "cannot be split" in result.output
    result = runner.invoke(app, ["ct", "simulate", "--out", str(tmp_path), "--split", "4"])
    assert result.exit_code == 2
    assert "two whole numbers" in result.output
