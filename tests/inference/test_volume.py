"""Whole-volume CT inference: slice-wise for 2-D models, seamless sliding windows for 3-D ones."""

import numpy as np
import pytest
import torch
from torch import nn

from lowcount.inference.volume import VolumeEnhancer
from lowcount.models.unet import UNet, UNet3D


class Pointwise(nn.Module):
    """A 1x1x1 network: its output at a voxel depends on that voxel alone, so any tiling must agree with it."""

    spatial_dims, stride = 3, 1

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(1, 1, 1)
        with torch.no_grad():
            self.conv.weight.fill_(0.7)
            self.conv.bias.fill_(0.05)

    def forward(self, x):
        return self.conv(x)


def test_sliding_windows_equal_the_whole_volume_for_a_pointwise_network():
    hu = np.random.default_rng(0).normal(0, 300, (20, 24, 28)).astype(np.float32)
    enhancer = VolumeEnhancer(Pointwise(), "cpu", roi=(8, 8, 8), overlap=0.5)
    expected = (0.7 * hu / 1000 + 0.05) * 1000
    np.testing.assert_allclose(enhancer(hu), expected, atol=1e-3)


def test_one_window_equals_whole_volume_inference():
    torch.manual_seed(0)
    net = UNet3D(channels=(4, 8)).eval()
    hu = np.random.default_rng(1).normal(0, 200, (8, 16, 16)).astype(np.float32)
    with torch.no_grad():
        whole = net(torch.from_numpy(hu / 1000)[None, None].float())[0, 0].numpy() * 1000
    np.testing.assert_allclose(VolumeEnhancer(net, "cpu", roi=(8, 16, 16))(hu), whole, atol=1e-3)


def test_a_constant_volume_shows_no_seams():
    torch.manual_seed(0)
    net = UNet3D(channels=(4, 8, 16), padding_mode="replicate").eval()  # the micro-CT recipes' padding
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05)  # biases away from zero, so the constant output is not trivially the input
    out = VolumeEnhancer(net, "cpu", roi=(8, 8, 8), overlap=0.25)(np.full((20, 28, 36), 40.0, np.float32))
    assert float(out.std()) < 1e-3 * max(1.0, abs(float(out.mean())))


def test_two_d_models_run_slice_by_slice_on_sides_that_are_not_multiples():
    torch.manual_seed(0)
    net = UNet(spatial_dims=2, channels=(4, 8, 16)).eval()
    hu = np.random.default_rng(2).normal(0, 200, (3, 20, 28)).astype(np.float32)
    out = VolumeEnhancer(net, "cpu", batch=2)(hu)
    assert out.shape == hu.shape
    with torch.no_grad():
        one = net(torch.from_numpy(hu[1:2, None, :16, :24] / 1000).float())[0, 0].numpy() * 1000
    np.testing.assert_allclose(VolumeEnhancer(net, "cpu")(hu[:, :16, :24])[1], one, rtol=1e-5, atol=1e-2)


ILL_CASES = [
    ({"precision": "fp16"}, "precision"),
    ({"overlap": 1.0}, "overlap"),
    ({"roi": None}, "roi"),
]


@pytest.mark.parametrize(("kwargs", "word"), ILL_CASES)
def test_bad_settings_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        VolumeEnhancer(Pointwise(), "cpu", **{"roi": (8, 8, 8), **kwargs})


def test_a_roi_off_the_stride_and_a_flat_array_are_refused():
    with pytest.raises(ValueError, match="stride"):
        VolumeEnhancer(UNet3D(channels=(4, 8)), "cpu", roi=(8, 9, 8))(np.zeros((8, 16, 16), np.float32))
    with pytest.raises(ValueError, match=r"\(D, H, W\)"):
        VolumeEnhancer(Pointwise(), "cpu", roi=(8, 8, 8))(np.zeros((8, 8), np.float32))
