"""The two-stage EMANet: its smoothed peak is the one the training labels use, and the count level it gives
the backbone is the one raw counts give, and scales as a count level must."""

import numpy as np
import pytest
import torch

from lowcount.models.emanet_two_stage import TwoStageEMANet, smoothed_peak

TINY = {"estimator": {"channels": (4, 8), "levels": 50}, "backbone": {"channels": (4, 8)}}


def test_the_smoothed_peak_is_the_one_of_the_training_labels():
    from lowcount.data.noise_level import smoothed_peak as labels_peak

    rng = np.random.default_rng(0)
    image = rng.poisson(np.full((40, 48), 20.0)).astype(np.float32)
    image[18:22, 20:26] += 200.0  # the peak away from the border
    ours = smoothed_peak(torch.from_numpy(image)[None, None])
    assert ours.shape == (1,) and float(ours) == pytest.approx(labels_peak(image), rel=1e-5)


def test_the_count_level_scales_with_the_root_of_the_units_whatever_the_weights():
    torch.manual_seed(0)
    model = TwoStageEMANet(**TINY).eval()
    x = torch.rand(2, 1, 32, 32) * 4
    with torch.no_grad():
        torch.testing.assert_close(model.count_level(3 * x), np.sqrt(3) * model.count_level(x), rtol=1e-4, atol=0)


def test_a_true_level_becomes_the_count_level_of_raw_counts(monkeypatch):
    from lowcount.data.noise_level import counts_level
    from lowcount.data.noise_level import smoothed_peak as labels_peak
    from lowcount.data.normalise import count_level, count_scale

    yy, xx = np.mgrid[:64, :32]
    expected = 2 + 90 * np.exp(-((yy - 30) ** 2 + (xx - 15) ** 2) / 200.0)  # the peak inside (module docstring)
    counts = np.random.default_rng(1).poisson(expected).astype(np.float32)
    k = 3.0
    scale = count_scale(counts, k, "mean", None)
    x = torch.from_numpy(scale.to_x(counts))[None, None]
    model = TwoStageEMANet(**TINY).eval()
    level = counts_level(labels_peak(counts))  # what a perfect estimator reports for these counts
    monkeypatch.setattr(model.estimator, "level", lambda logits: torch.full((len(logits),), level))
    with torch.no_grad():
        assert float(model.count_level(x)) == pytest.approx(count_level(scale), rel=1e-4)


def test_the_parts_take_their_own_channels_only():
    with pytest.raises(ValueError, match="leave in_channels out"):
        TwoStageEMANet(estimator={"in_channels": 2})
    model = TwoStageEMANet(**TINY)
    assert model.in_channels == 1 and model.stride == 2
    with pytest.raises(ValueError, match=r"\(B, 1"):
        model(torch.rand(1, 2, 16, 16))
