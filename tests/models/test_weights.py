"""Weights files from elsewhere: the sidecar and the tensors are checked before anything is built."""

import json
import resource

import pytest
import torch

from lowcount.models import build_model
from lowcount.models.weights import load_weights, save_weights

ARGS = {"depth": 3, "channels": 4}


@pytest.fixture
def weights(tmp_path):
    torch.manual_seed(0)
    return save_weights(build_model("dncnn", **ARGS), tmp_path / "w", "dncnn", ARGS, "unit test")


def _edit_sidecar(path, change):
    sidecar = path.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps(change(meta)))


def test_a_sidecar_asking_for_a_giant_network_is_refused_before_anything_is_allocated(weights):
    _edit_sidecar(weights, lambda m: {**m, "model": "unet", "model_args": {"channels": [16384, 16384, 16384]}})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="parameters, more than lowcount loads"):
        load_weights(weights)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB: no gigabytes touched


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: [m], "not a lowcount weights sidecar"),
        (lambda m: {**m, "model": "vgg"}, "model 'vgg' is not one of"),
        (lambda m: {**m, "model_args": "depth=3"}, "model_args must be a mapping"),
        (lambda m: {**m, "speed_factor": -3}, "speed_factor"),
        (lambda m: {**m, "model_args": {"depth": 4, "channels": 4}}, "do not fit model"),
    ],
)
def test_bad_sidecars_are_refused_by_name(weights, change, message):
    _edit_sidecar(weights, change)
    with pytest.raises(ValueError, match=message):
        load_weights(weights)


def test_a_damaged_safetensors_file_is_a_clear_error(weights):
    data = bytearray(weights.read_bytes())
    weights.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ValueError, match="safetensors"):
        load_weights(weights)
    weights.write_bytes(b"\xff" * 64)
    with pytest.raises(ValueError, match=str(weights)):
        load_weights(weights)
