"""EMANet stage 1: labels of known noise level, the two-hot cross-entropy, a trained step through
``lowcount train`` with a bit-exact resume, and the rules of its config."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from lowcount.data.noise_level_samples import noisy_at_level
from lowcount.models import build_model
from lowcount.train.config import TrainConfig
from lowcount.train.loop import fit
from lowcount.train.noise_level import NoiseLevelTraining, two_hot

TINY = {"channels": (4, 8), "levels": 50}


def _smooth_base(peak: float) -> np.ndarray:
    yy, xx = np.mgrid[:96, :96] / 96.0
    return (peak * (0.3 + 0.7 * np.exp(-((xx - 0.5) ** 2 + (yy - 0.5) ** 2) / 0.5))).astype(np.float64)


def _level_from_variance(image01: np.ndarray) -> float:
    """sqrt(128 var / mean) on the image's 0-255 scale, the mean taken as the image smoothed by a Gaussian of
    sigma 4 px (the bases are smooth; it keeps 1 / (16 pi) of the noise)."""
    from scipy.ndimage import gaussian_filter

    grey = image01.astype(np.float64) * 255.0
    mean = gaussian_filter(grey, 4.0)
    inner = (slice(12, -12), slice(12, -12))
    return float(np.sqrt(128.0 * np.mean((grey - mean)[inner] ** 2 / mean[inner])))


@pytest.mark.parametrize("level", [5.0, 20.0, 40.0])
def test_the_label_is_the_level_of_the_noise_on_a_noiseless_base(level):
    base = _smooth_base(1000.0)
    rng = np.random.default_rng(1)
    image, label = noisy_at_level(base, level, 0.0, rng)
    assert label == pytest.approx(_level_from_variance(image), rel=0.04)
    assert label == pytest.approx(level, rel=0.05)  # the re-mapping to the noisy peak moves it little


def test_noise_on_a_count_base_adds_in_quadrature_and_never_lowers_the_level():
    base_counts = np.random.default_rng(2).poisson(_smooth_base(300.0)).astype(np.float64)
    from lowcount.data.noise_level import counts_level, smoothed_peak

    own = counts_level(smoothed_peak(base_counts))
    _, below = noisy_at_level(base_counts, own / 2, own, np.random.default_rng(3))
    assert below == pytest.approx(own, rel=0.01)  # nothing added
    image, above = noisy_at_level(base_counts, 3 * own, own, np.random.default_rng(3))
    assert above == pytest.approx(3 * own, rel=0.03)
    assert _level_from_variance(image) == pytest.approx(above, rel=0.05)


def test_two_hot_targets_have_the_level_as_their_expectation():
    levels = torch.tensor([1.0, 7.3, 49.5, 50.0, 63.0, 0.2])
    target = two_hot(levels, 50)
    assert torch.allclose(target.sum(dim=1), torch.ones(6))
    expectation = target @ torch.arange(1, 51, dtype=torch.float32)
    assert torch.allclose(expectation, levels.clamp(1, 50), atol=1e-5)


class _Levels:
    """Flat images with Gaussian noise whose size codes the label."""

    def __init__(self, n=16):
        self.n, self.epoch = n, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        rng = np.random.default_rng([4, self.epoch, index])
        level = float(rng.integers(1, 51))
        image = 0.5 + rng.normal(0, level / 400.0, (1, 16, 16))
        return {"input": image.astype(np.float32), "level": np.float32(level)}


def test_the_estimator_learns_and_resumes_bit_for_bit(tmp_path):
    cfg = TrainConfig(
        method="noise_level", steps=40, batch_size=4, lr=1e-2, betas=(0.9, 0.999), checkpoint_every=20, seed=5
    )

    def method():
        torch.manual_seed(cfg.seed)
        return NoiseLevelTraining(build_model("noise_level_estimator", **TINY), cfg, "cpu")

    learner = method()
    batch = {k: torch.from_numpy(np.stack([_Levels()[i][k] for i in range(8)])) for k in ("input", "level")}
    steps = [learner.step(batch) for _ in range(40)]
    assert steps[-1]["loss"] < 0.5 * steps[0]["loss"] and steps[-1]["level_rmse"] < 0.5 * steps[0]["level_rmse"]
    straight = method()
    fit(straight, _Levels(), cfg, tmp_path / "straight", progress=False)
    first = method()
    fit(first, _Levels(), replace(cfg, steps=20), tmp_path / "split", progress=False)
    second = method()
    fit(second, _Levels(), cfg, tmp_path / "split", resume=True, progress=False)
    for key, value in straight.state_dict()["net"].items():
        assert torch.equal(value, second.state_dict()["net"][key]), key


def test_lowcount_train_fits_the_estimator_recipe_and_exports_its_validation(small_cohort, tmp_path):
    from lowcount.config import recipe_path
    from lowcount.models.weights import load_weights
    from lowcount.train.run import train

    overrides = (
        "model.args.channels=[4, 8]",
        "train.steps=2",
        "train.batch_size=2",
        "train.validate_every=2",
        "data.patch=[32, 32]",
        "noise_level.test_levels=[10, 30]",
    )
    recipe = recipe_path("emanet_noise_estimator")
    metrics = train(recipe, small_cohort.parent, tmp_path / "nle", progress=False, overrides=overrides)
    assert {"level_rmse", "level_bias", "level_rmse_10", "level_rmse_30"} <= set(metrics)
    assert np.isfinite(metrics["level_rmse"])
    net, meta = load_weights(tmp_path / "nle" / "model.safetensors")
    assert meta["method"] == "noise_level" and meta["validation"]["metrics"]["level_rmse"] == metrics["level_rmse"]
    assert net(torch.rand(1, 1, 32, 32)).shape == (1, 50)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (("model.name=se_unet", "model.args={}"), "noise_level_estimator and nothing else"),
        (("model.args.levels=20",), "raise model.args.levels"),
        (("noise_level.base=phantom",), "base must be one of"),
        (("noise_level.levels=[0, 50]",), "1 <= low"),
    ],
)
def test_ill_estimator_configs_raise(overrides, message):
    from lowcount.config import ConfigError, recipe_path
    from lowcount.train.config import load_run_config

    with pytest.raises(ConfigError, match=message):
        load_run_config(recipe_path("emanet_noise_estimator"), overrides)
