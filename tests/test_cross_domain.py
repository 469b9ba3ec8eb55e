"""The cross-domain protocol end to end, at a toy size: every model scored on both families, resumable."""

import json

import pytest

from lowcount.cross_domain import TEST_FAMILIES, TRAIN_FAMILIES, Protocol, cross_domain, table

TINY = """
model: {name: se_unet, args: {channels: [4, 8]}}
data: {pairs: split, thin_factor: 3.0, patch: [32, 32], patches_per_image: 1}
train: {steps: 1, batch_size: 2, validate_every: 1, checkpoint_every: 1}
supervised: {loss: [{name: mse, weight: 1.0}]}
"""


@pytest.fixture(scope="module")
def protocol_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("cross_domain")
    recipe = work / "tiny.yaml"
    recipe.write_text(TINY)
    protocol = Protocol(
        recipe=str(recipe),
        steps=1,
        train_patients=3,
        test_patients=2,
        train_phantom=None,
        variants={},
        tta=False,
        split_ks=(3.0,),
        filters=("gaussian",),
        adapt_steps=0,
    )
    return work, protocol, cross_domain(work, protocol)


def test_every_model_is_scored_on_both_families_against_a_cross_fitted_filter(protocol_run):
    _, _, result = protocol_run
    models = [f"trained on {family}" for family in TRAIN_FAMILIES]
    for family in TEST_FAMILIES:
        truth = result["scores"][family]["truth"]
        free = result["scores"][family]["truth_free"]["3"]
        best = "gaussian (tuned on the other half)"
        assert truth[best]["gain_db"] == 0 and truth[best]["reference"] == best
        for name in models:
            row = truth[name]
            # The gain is paired: the model's PSNR minus the filter's, patient by patient.
            assert row["gain_db"] == pytest.approx(row["psnr_vs_truth_db"] - truth[best]["psnr_vs_truth_db"], abs=1e-6)
            assert row["gain_low"] <= row["gain_db"] <= row["gain_high"]
            assert free[name]["patients"] == 2 and free[name]["reference"] == best
    lines = table(result).splitlines()
    assert sum(line.startswith("| trained on") for line in lines) == len(models) * len(TEST_FAMILIES)
    assert not any("(raw)" in line for line in lines)


def test_a_second_run_reuses_every_stage(protocol_run):
    work, protocol, first = protocol_run
    runs = {p: p.stat().st_mtime_ns for p in (work / "runs").glob("*/model.safetensors")}
    assert len(runs) == len(TRAIN_FAMILIES)
    again = cross_domain(work, protocol)
    assert {p: p.stat().st_mtime_ns for p in runs} == runs
    assert json.loads(json.dumps(again["scores"], default=float)) == json.loads(
        json.dumps(first["scores"], default=float)
    )


def test_given_models_alone_are_scored_on_the_same_test_patients(protocol_run, tmp_path):
    from dataclasses import replace

    work, protocol, first = protocol_run
    weights = work / "runs" / "mixed" / "model.safetensors"
    only = replace(protocol, train=False, models={"given": weights})
    result = cross_domain(tmp_path, only)
    assert not (tmp_path / "cohorts" / "train_procedural").exists() and not (tmp_path / "runs").exists()
    for family in TEST_FAMILIES:  # the test cohorts do not depend on whether the trainings ran
        seeds = [
            json.loads((w / "cohorts" / f"test_{family}" / "cohort.json").read_text())["seed"] for w in (work, tmp_path)
        ]
        assert seeds[0] == seeds[1]
        truth = result["scores"][family]["truth"]
        assert "given" in truth and not any(name.startswith("trained on") for name in truth)
        before = first["scores"][family]["truth"]["trained on mixed"]["psnr_vs_truth_db"]
        assert truth["given"]["psnr_vs_truth_db"] == pytest.approx(
            before, abs=1e-6
        )  # the same model, the same patients
    with pytest.raises(ValueError, match="nothing to score"):
        cross_domain(tmp_path, replace(only, models={}))
    with pytest.raises(ValueError, match="needs the trainings"):
        cross_domain(tmp_path, replace(only, adapt_steps=10))
