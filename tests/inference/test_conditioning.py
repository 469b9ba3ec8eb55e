"""Test-time augmentation and the count-level channel of the enhancer."""

import numpy as np
import pytest
import torch
from torch import nn

from lowcount.inference import Enhancer
from lowcount.models import build_model


def _enhancer(net, tta=(), level_channel=False):
    meta = {"data": {"normalisation": "mean", "level_channel": level_channel}, "speed_factor": 3.0}
    return Enhancer(net.eval(), meta, "cpu", "fp32", tta=tta)


def _unet(in_channels=1):
    torch.manual_seed(0)
    return build_model("se_unet", channels=(4, 8, 16), in_channels=in_channels)


class _Pointwise(nn.Module):
    """A 1 x 1 convolution with a stride, so shifts and mirrors commute with it exactly."""

    stride = 4

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)

    def forward(self, x):
        return torch.relu(self.conv(x)) + x


class _Level(nn.Module):
    """Returns its second input channel: what the enhancer gave as the count level."""

    stride = 1

    def forward(self, x):
        return x[:, 1:2]


def test_flip_tta_averages_the_plain_and_the_mirrored_pass():
    x = np.random.default_rng(0).gamma(2.0, 0.5, (64, 32)).astype(np.float32)
    net = _unet()
    plain, flipped = _enhancer(net), _enhancer(net, ("flip",))
    expected = 0.5 * (plain.predict(x) + plain.predict(x[:, ::-1].copy())[:, ::-1])
    np.testing.assert_allclose(flipped.predict(x), expected, rtol=1e-5, atol=1e-6)
    assert np.abs(flipped.predict(x) - plain.predict(x)).max() > 1e-4  # the network is not mirror-symmetric


def test_shift_tta_keeps_the_image_in_place():
    x = np.random.default_rng(1).gamma(2.0, 0.5, (32, 16)).astype(np.float32)
    net = _Pointwise()
    plain, both = _enhancer(net), _enhancer(net, ("flip", "shift"))
    np.testing.assert_allclose(both.predict(x), plain.predict(x), rtol=1e-5, atol=1e-6)
    unet = _unet()
    shifted = _enhancer(unet, ("shift",)).predict(x)
    assert shifted.shape == x.shape and np.abs(shifted - _enhancer(unet).predict(x)).max() > 1e-4
    with pytest.raises(ValueError, match="tta"):
        _enhancer(net, ("rotate",))


def test_the_count_level_reaches_a_model_that_takes_it():
    counts = np.random.default_rng(2).poisson(7.0, (2, 64, 32)).astype(np.float32)
    out = _enhancer(_Level(), level_channel=True).enhance(counts, speed_factor=3.0)
    # level = 1 / sqrt(mean input counts); back at the standard level: x 3 x mean -> 3 sqrt(mean).
    for view, enhanced in zip(counts, out, strict=True):
        np.testing.assert_allclose(enhanced, 3.0 * np.sqrt(view.mean()), rtol=1e-4)
    with pytest.raises(ValueError, match="count level"):
        _enhancer(_Level(), level_channel=True).predict(counts[0])


def test_a_two_channel_unet_adds_its_residual_to_the_scan():
    net = _unet(in_channels=2)
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.zero_()
    x = torch.rand(2, 2, 32, 32)
    torch.testing.assert_close(net(x), x[:, :1])
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\)"):
        net(torch.rand(1, 1, 32, 32))
