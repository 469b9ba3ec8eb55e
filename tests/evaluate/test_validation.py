from types import SimpleNamespace

import pytest
import torch
from torch import nn

from lowcount.evaluate.validation import LesionFreeCheck
from lowcount.inference import Enhancer

DATA = {"normalisation": "mean", "fixed_counts_per_unit": None}


def _enhancer_for(method):
    return Enhancer(method.inference_net(), {"data": DATA}, "cpu", "fp32")


class Painter(nn.Module):
    """The identity, plus (when ``paint``) a bright spot of sigma 2 px in the chest (row 300 of 1024, middle column)."""

    def __init__(self, paint: bool) -> None:
        super().__init__()
        self.paint = paint
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x):
        if not self.paint:
            return x * self.scale
        rows, cols = x.shape[-2:]
        yy, xx = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
        spot = torch.exp(-((yy - 300) ** 2 + (xx - cols // 2) ** 2) / (2 * 2.0**2))
        return x * self.scale + 3 * x.amax() * spot


def _method(net):
    return SimpleNamespace(inference_net=lambda: net, cfg=SimpleNamespace(amp="none"))


@pytest.fixture(scope="module")
def check():
    return LesionFreeCheck((5,), 3.0, _enhancer_for)


def test_the_identity_keeps_the_inputs_hot_spots_but_creates_none(check):
    net = Painter(paint=False).train()
    metrics = check(_method(net))
    assert metrics["lesion_free_hot_spots"] > 1  # a raw 3x scan x 3 exceeds a standard scan's envelope
    assert metrics["lesion_free_created_hot_spots"] == 0
    assert net.training  # the training mode is given back


def test_a_painted_spot_is_counted_as_created(check):
    metrics = check(_method(Painter(paint=True)))
    assert metrics["lesion_free_created_hot_spots"] >= 1  # one per view at least: the spot, nothing under it


def test_a_check_without_fast_scans_is_refused():
    with pytest.raises(ValueError, match="lesion_free_seeds"):
        LesionFreeCheck((5,), 1.0, _enhancer_for)
