"""The micro-CT comparison and its QA / dose-factor reports on a tiny cohort."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.config import recipe_path
from lowcount.train.run import train


@pytest.fixture(scope="module")
def compared(ct_cohort, tmp_path_factory):
    work = tmp_path_factory.mktemp("ct_compare")
    overrides = (
        "model.args.channels=[4,8,16,32]",
        "volume.patch=[32,32]",
        "train.batch_size=2",
        "volume.patches_per_volume=2",
        "train.steps=1",
    )
    train(recipe_path("microct_unet2d"), ct_cohort, work / "run", progress=False, overrides=overrides)
    args = [
        "ct",
        "compare",
        "--data",
        str(ct_cohort),
        "--out",
        str(work / "cmp"),
        "--model",
        f"unet2d={work / 'run'}",
        "--tv-slab",
        "6",
        "--tv-iterations",
        "20",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return work / "cmp"


def test_every_method_is_scored_on_every_test_mouse(compared):
    rows = json.loads((compared / "mice.json").read_text())
    methods = {r["method"] for r in rows}
    assert methods == {"raw low dose", "gaussian", "median", "wiener", "tv reconstruction", "unet2d", "raw high dose"}
    by_method = {r["method"]: r for r in rows}
    # the high-dose scan has a quarter of the noise variance: closer to the truth than the raw low-dose scan
    assert by_method["raw high dose"]["truth_rmse_hu"] < by_method["raw low dose"]["truth_rmse_hu"]
    card = json.loads((compared / "methods.json").read_text())
    assert set(card["params"]) == {"gaussian", "median", "wiener", "tv"}
    for rel in card["qa_volumes"].values():
        assert (compared / rel).is_file()


def test_qa_and_dose_factor_reports(ct_cohort, compared):
    runner = CliRunner()
    qa = runner.invoke(app, ["ct", "qa", "--data", str(ct_cohort), "--compare", str(compared)])
    assert qa.exit_code == 0, qa.output
    figures = json.loads((compared / "qa.json").read_text())
    noise = [figures["ladder"][d]["noise_hu"] for d in ("0.25", "1")]
    assert noise[0] == pytest.approx(2 * noise[1], rel=0.2)  # four times the dose, half the noise
    assert figures["methods"]["tv reconstruction"]["noise_hu"] < figures["methods"]["raw low dose"]["noise_hu"]
    factor = runner.invoke(app, ["ct", "dose-factor", "--data", str(ct_cohort), "--compare", str(compared)])
    assert factor.exit_code == 0, factor.output
    factors = json.loads((compared / "dose_factor.json").read_text())["factors"]
    # the raw low-dose scan is the ladder's own 0.25 draw's twin: its factor by noise is about 1
    assert factors["raw low dose"]["qa_noise"]["factor"] == pytest.approx(1.0, rel=0.25)
    assert np.isfinite(factors["unet2d"]["mice_rmse"]["factor"])


def test_reports_name_what_is_missing(ct_cohort, tmp_path):
    result = CliRunner().invoke(app, ["ct", "qa", "--data", str(ct_cohort), "--compare", str(tmp_path)])
    assert result.exit_code == 2 and "ct compare" in result.output


def test_reader_set_is_blinded_randomised_and_keyed(ct_cohort, compared, tmp_path):
    from PIL import Image

    out = tmp_path / "set"
    args = [
        "ct",
        "reader-set",
        "--compare",
        str(compared),
        "--data",
        str(ct_cohort),
        "--out",
        str(out),
        "--slices",
        "2",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shown = json.loads((out / "reading_set.json").read_text())
    key = json.loads((tmp_path / "set.key.json").read_text())
    assert not (out / "set.key.json").exists() and len(shown["trials"]) == 2
    methods = set(json.loads((compared / "methods.json").read_text())["mice_volumes"]) | {"raw high dose"}
    orders = []
    for trial in shown["trials"]:
        behind = key["trials"][trial["trial"]]["images"]
        assert set(behind) == set(trial["images"]) and set(behind.values()) == methods
        orders.append([behind[i] for i in trial["images"]])
        for image in trial["images"]:
            assert not any(m.split()[0] in image for m in methods)  # names say nothing of the method
            assert Image.open(out / image).size == Image.open(out / trial["images"][0]).size
    assert orders[0] != orders[1]  # the order is drawn per trial (these two differ for this seed)
    again = CliRunner().invoke(app, [*args[:-4], "--out", str(tmp_path / "again"), "--slices", "2"])
    assert again.exit_code == 0
    assert json.loads((tmp_path / "again.key.json").read_text()) == key  # the same seed, the same set
