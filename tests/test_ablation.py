"""``lowcount bench ablation``: the variants of a table train at one budget and are scored on the test patients;
a second call reuses the exported runs."""

import json

from typer.testing import CliRunner

from lowcount.ablation import variants
from lowcount.cli import app

TINY = ["--set", "model.args.channels=[4, 8]", "--set", "train.batch_size=2", "--set", "data.patch=[32, 32]"]


def test_the_module_ablation_switches_each_module_off_once_and_all_together():
    table = variants("modules", "w.safetensors")
    assert table["all modules"] == ()
    singles = [v for name, v in table.items() if name.startswith("without")]
    assert sorted(o for v in singles for o in v) == sorted(table["none (U-Net backbone)"])
    assert all(len(v) == 1 for v in singles) and len(singles) == 4


def test_the_loss_table_trains_scores_and_reuses_its_runs(small_cohort, tmp_path):
    args = [
        "bench",
        "ablation",
        "--table",
        "loss",
        "--data",
        str(small_cohort),
        "--work",
        str(tmp_path),
        "--steps",
        "1",
    ]
    result = CliRunner().invoke(app, [*args, *TINY])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "loss.json").read_text())
    assert [r["variant"] for r in rows] == ["MSE", "perceptual", "0.8 MSE + 0.2 perceptual"]
    assert all(r["truth_psnr"] is not None and r["steps"] == 1 for r in rows)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "loss").glob("*/model.safetensors")}
    again = CliRunner().invoke(app, [*args, *TINY])
    assert again.exit_code == 0, again.output
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing trained again
    assert json.loads((tmp_path / "loss.json").read_text()) == rows
