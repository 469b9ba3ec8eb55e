"""configs/emanet.yaml, the EMANet backbone recipe: one step on a phantom cohort, at tiny widths, exports a
model that ``lowcount enhance`` runs on a fast scan with its count level as the second channel."""

import numpy as np

from lowcount.config import recipe_path
from lowcount.models import build_model
from lowcount.models.weights import save_weights


def test_the_emanet_recipe_trains_a_step_and_its_model_enhances_a_scan(small_cohort, tmp_path):
    from lowcount.inference import Enhancer
    from lowcount.io.dicom import read_wholebody
    from lowcount.io.manifest import read_manifest
    from lowcount.train.run import train

    args = {"channels": (4, 8)}
    feature_net = save_weights(build_model("feature_autoencoder", **args), tmp_path / "fn", "feature_autoencoder", args)
    overrides = (
        "model.args.channels=[4, 8, 16]",
        "train.steps=1",
        "train.batch_size=2",
        "train.validate_every=1",
        "train.checkpoint_every=1",
        "data.patch=[32, 32]",
        f"supervised.loss=[{{name: mse, weight: 0.8}}, {{name: perceptual, weight: 0.2, network: domain, "
        f"weights: {feature_net}}}]",
    )
    metrics = train(recipe_path("emanet"), small_cohort.parent, tmp_path / "run", progress=False, overrides=overrides)
    assert np.isfinite(metrics["psnr"])
    enhancer = Enhancer.load(tmp_path / "run" / "model.safetensors")
    assert enhancer.level_channel and type(enhancer.net).__name__ == "EMANet"
    fast = next(r["dicom_path"] for r in read_manifest(small_cohort) if r["acquisition"] == "fast3x")
    counts = read_wholebody(fast).views()
    out = enhancer.enhance(counts, 3.0)
    assert out.shape == counts.shape and np.isfinite(out).all() and (out >= 0).all()


def test_the_joint_recipe_starts_from_both_stages_and_its_model_denoises_blind(small_cohort, tmp_path):
    """configs/emanet_joint.yaml: the parts load from their own runs; the export takes the image alone."""
    import pytest
    import torch

    from lowcount.inference import Enhancer
    from lowcount.io.dicom import read_wholebody
    from lowcount.io.manifest import read_manifest
    from lowcount.train.run import train

    torch.manual_seed(3)
    parts = {"estimator": {"channels": (4, 8), "levels": 50}, "backbone": {"channels": (4, 8, 16)}}
    estimator = build_model("noise_level_estimator", **parts["estimator"])
    backbone = build_model("emanet", **parts["backbone"])
    saved = {
        "estimator": save_weights(estimator, tmp_path / "e", "noise_level_estimator", parts["estimator"]),
        "backbone": save_weights(backbone, tmp_path / "b", "emanet", parts["backbone"]),
    }
    overrides = (
        "model.args.estimator.channels=[4, 8]",
        "model.args.backbone.channels=[4, 8, 16]",
        f"model.init_parts={{estimator: {saved['estimator']}, backbone: {saved['backbone']}}}",
        "train.steps=1",
        "train.lr=1.0e-12",
        "train.batch_size=2",
        "train.validate_every=1",
        "data.patch=[32, 32]",
        "supervised.loss=[{name: mse, weight: 1.0}]",
    )
    train(recipe_path("emanet_joint"), small_cohort.parent, tmp_path / "joint", progress=False, overrides=overrides)
    enhancer = Enhancer.load(tmp_path / "joint" / "model.safetensors")
    assert type(enhancer.net).__name__ == "TwoStageEMANet" and not enhancer.level_channel
    trained = dict(enhancer.net.estimator.named_parameters())  # batch-norm statistics move in any step
    for name, value in estimator.named_parameters():
        torch.testing.assert_close(trained[name], value, rtol=0, atol=1e-6)
    standard = next(r["dicom_path"] for r in read_manifest(small_cohort) if r["acquisition"] == "standard")
    counts = read_wholebody(standard).views()
    out = enhancer.enhance(counts, 1.0)
    assert out.shape == counts.shape and np.isfinite(out).all() and (out >= 0).all()

    wrong = (*overrides[:2], f"model.init_parts={{backbone: {saved['estimator']}}}", *overrides[3:])
    with pytest.raises(ValueError, match="does not fit the model's backbone"):
        train(recipe_path("emanet_joint"), small_cohort.parent, tmp_path / "wrong", progress=False, overrides=wrong)
