"""``lowcount adapt``: fine-tuning on split pairs of a site's scans, scored before and after without truth."""

import json

import numpy as np
import pytest
import yaml

from lowcount.adapt import adapt, adapt_config
from lowcount.io.manifest import read_manifest, select_patients
from lowcount.models.weights import load_weights
from lowcount.shipped import model_weights


def _tensors(path):
    net, _ = load_weights(path)
    return {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}


@pytest.fixture(scope="module")
def adapted(small_cohort, tmp_path_factory):
    out = tmp_path_factory.mktemp("adapt")
    return out, adapt(small_cohort.parent, "se_unet", out, steps=2, progress=False)


def test_adapt_fine_tunes_the_model_on_split_standard_scans(adapted):
    out, result = adapted
    config = yaml.safe_load((out / "adapt_config.yaml").read_text())
    assert config["model"]["init_from"] == str(model_weights("se_unet"))
    assert config["data"]["pairs"] == "split" and config["data"]["target"] == "standard"
    before, after = _tensors(model_weights("se_unet")), _tensors(out / "run" / "model.safetensors")
    assert before.keys() == after.keys()
    assert any(not np.array_equal(before[k], after[k]) for k in before)  # it trained


def test_adapt_scores_before_and_after_on_patients_it_did_not_train_on(adapted, small_cohort):
    out, result = adapted
    assert json.loads((out / "adapt.json").read_text()) == result
    test_patients = select_patients(read_manifest(small_cohort), "test")
    assert result["held_out_patients"] == len(test_patients)
    for name in ("before", "after"):
        assert np.isfinite(result[f"{name}_psnr_db"]) and np.isfinite(result[f"{name}_gain_db"])
    summary = json.loads((out / "before_after" / "truth_free.json").read_text())["summary"]
    assert {"before", "after"} <= {row["method"] for row in summary}


def test_adapting_from_fast_scans_splits_them_again():
    recipe = {"model": {"name": "se_unet"}, "data": {"fast": "fast3x"}, "train": {"steps": 8000}}
    config = adapt_config(recipe, model_weights("se_unet"), "fast3x", 1.0 / 0.9, 50, 1e-5)
    assert config["data"]["target"] == "fast3x" and config["data"]["pairs"] == "split"
    assert config["data"]["thin_factor"] == pytest.approx(1.0 / 0.9)
    assert config["train"]["steps"] == 50 and config["train"]["lr"] == 1e-5
    assert recipe["train"]["steps"] == 8000  # the recipe itself is left alone


def test_adapt_refuses_what_it_cannot_fine_tune(tmp_path, small_cohort):
    with pytest.raises(ValueError, match="supervised"):
        adapt_config({"model": {"name": "unet"}, "train": {"method": "gan"}}, tmp_path / "w", "standard", 3, 5, 1e-5)
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        adapt(small_cohort.parent, str(tmp_path / "nothing"), tmp_path / "out", steps=1, progress=False)
    with pytest.raises(ValueError, match="input_fraction"):
        adapt(small_cohort.parent, "se_unet", tmp_path / "out", fast="fast3x", input_fraction=1.0, progress=False)
