import pytest
import torch

from lowcount.models import MODELS, build_model
from lowcount.models.weights import load_weights, read_sidecar, save_weights

# Small settings of every model, so the suite stays fast on a CPU.
TINY = {
    "unet": {"channels": (4, 8, 16)},
    "se_unet": {"channels": (4, 8, 16)},
    "unet3d": {"channels": (2, 4, 8, 16)},
    "rcan": {"n_groups": 2, "n_blocks": 2, "channels": 8, "reduction": 4},
    "edsr": {"n_blocks": 2, "channels": 8},
    "swinir": {"embed_dim": 12, "depths": (2,), "heads": 2, "window": 4},
    "rrdbnet": {"n_blocks": 1, "channels": 8, "growth": 4},
    "dncnn": {"depth": 4, "channels": 8},
    "redcnn": {"channels": 8},
    "emanet": {"channels": (4, 8, 16, 32)},
    "noise_level_estimator": {"channels": (4, 8), "levels": 5},
    "emanet_two_stage": {"estimator": {"channels": (4, 8), "levels": 5}, "backbone": {"channels": (4, 8)}},
    "lesion_unet": {"channels": (4, 8)},
    "resnet_generator": {"channels": 4, "n_blocks": 2},
    "feature_autoencoder": {"channels": (4, 8)},
}

BAD = {
    "unet": {"channels": (4,)},
    "se_unet": {"channels": (0, 8)},
    "unet3d": {"norm": "group"},
    "rcan": {"n_groups": 0},
    "edsr": {"res_scale": 0.0},
    "swinir": {"embed_dim": 10, "heads": 3},
    "rrdbnet": {"growth": 0},
    "dncnn": {"depth": 2},
    "redcnn": {"channels": 0},
    "emanet": {"channels": (4, 8, 16, 32, 64)},  # one MD dilation set per step down: three at most
    "noise_level_estimator": {"levels": 1},
    "emanet_two_stage": {"backbone": {"in_channels": 1}},  # the backbone needs the level map
    "lesion_unet": {"channels": (8,)},
    "resnet_generator": {"channels": 0},
    "feature_autoencoder": {"channels": (8,)},
}


def _input(name: str, model) -> torch.Tensor:
    """An odd-but-allowed size: an odd multiple of the stride, not a power of two."""
    s = model.stride
    if name == "unet3d":
        return torch.rand(1, 1, 3 * s, 3 * s, 5 * s)
    size = (3 * s, 5 * s) if s > 2 else (30, 22)
    return torch.rand(2, getattr(model, "in_channels", 1), *size)


CLASSIFIERS = {"noise_level_estimator"}  # image -> one logit per class


def _output_shape(name: str, model, x: torch.Tensor) -> tuple[int, ...]:
    return (x.shape[0], model.levels) if name in CLASSIFIERS else (x.shape[0], 1, *x.shape[2:])


def test_every_model_has_tiny_and_bad_settings():
    assert set(TINY) == set(MODELS) == set(BAD)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_shape_is_kept_on_odd_allowed_sizes(name):
    torch.manual_seed(0)
    model = build_model(name, **TINY[name]).eval()
    x = _input(name, model)
    with torch.no_grad():
        y = model(x)
    assert y.shape == _output_shape(name, model, x)
    assert torch.isfinite(y).all()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_bad_arguments_raise(name):
    with pytest.raises(ValueError):
        build_model(name, **BAD[name])


def test_unknown_model_and_argument_are_named():
    with pytest.raises(ValueError, match="unknown model 'vgg'"):
        build_model("vgg")
    with pytest.raises(ValueError, match="depthh"):
        build_model("dncnn", depthh=3)


@pytest.mark.parametrize("name", ["unet", "se_unet", "rrdbnet"])
def test_sizes_that_break_the_stride_are_refused_with_a_clear_error(name):
    model = build_model(name, **TINY[name])
    with pytest.raises(ValueError, match="multiples of"):
        model(torch.rand(1, 1, 4 * model.stride + 1, 4 * model.stride))
    with pytest.raises(ValueError, match=r"\(B, 1"):
        model(torch.rand(1, 2, 16, 16))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_few_training_steps_fit_a_fixed_batch(name):
    torch.manual_seed(0)
    model = build_model(name, **TINY[name])
    x = _input(name, model)
    target = x[:, :1].clamp(0.2, 0.8) if name not in CLASSIFIERS else torch.rand(_output_shape(name, model, x))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(8):
        optimiser.zero_grad()
        loss = torch.nn.functional.l1_loss(model(x), target)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_safetensors_round_trip(tmp_path, name):
    torch.manual_seed(1)
    model = build_model(name, **TINY[name]).eval()
    path = save_weights(model, tmp_path / "model", name, TINY[name], "unit test", extra={"data": {"fast": "x"}})
    loaded, meta = load_weights(path)
    x = _input(name, model)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x))
    assert meta["model"] == name and meta["training_data"] == "unit test" and meta["data"] == {"fast": "x"}


def test_weights_need_a_matching_sidecar(tmp_path):
    model = build_model("dncnn", **TINY["dncnn"])
    path = save_weights(model, tmp_path / "w", "dncnn", TINY["dncnn"])
    path.with_suffix(".json").write_text('{"format": "lowcount-weights", "model": "dncnn", "model_args": {"depth": 5}}')
    with pytest.raises(ValueError, match="do not fit"):
        load_weights(path)
    path.with_suffix(".json").unlink()
    with pytest.raises(ValueError, match="sidecar"):
        read_sidecar(path)


def test_swinir_pads_sizes_that_are_not_multiples_of_the_window():
    model = build_model("swinir", **TINY["swinir"]).eval()
    x = torch.rand(1, 1, 13, 9)
    with torch.no_grad():
        assert model(x).shape == x.shape


def test_se_unet_is_the_lite_width_and_has_se_in_every_block():
    model = build_model("se_unet")
    blocks = list(model.encoders) + list(model.decoders)
    assert model.encoders[0].body[0].out_channels == 16
    assert all(type(b.se).__name__ == "SqueezeExcitation" for b in blocks)
    plain = build_model("unet", channels=(16, 32, 64, 128, 256))
    assert sum(p.numel() for p in plain.parameters()) < sum(p.numel() for p in model.parameters())


def test_shifted_window_mask_separates_the_rolled_regions():
    from lowcount.models.swinir import SwinLayer

    layer = SwinLayer(dim=4, heads=1, window=4, shift=2, mlp_ratio=1.0)
    mask = layer._mask(8, 8, torch.device("cpu"))
    assert mask.shape == (4, 16, 16)
    assert (mask[0] == 0).all()  # the top-left window holds one region
    # The bottom-right window mixes four regions of 4 pixels each: 4 x 4 x 4 allowed pairs.
    assert (mask[3] == 0).sum() == 64
    assert SwinLayer(4, 1, 4, 0, 1.0)._mask(8, 8, torch.device("cpu")) is None


def test_replicate_padding_keeps_a_flat_input_flat_and_bad_modes_are_named():
    from lowcount.models.unet import UNet3D

    torch.manual_seed(0)
    flat = torch.full((1, 1, 8, 8, 8), 0.3)
    replicate, zeros = UNet3D((2, 4), padding_mode="replicate").eval(), UNet3D((2, 4)).eval()
    zeros.load_state_dict(replicate.state_dict())
    with torch.no_grad():
        assert float(replicate(flat).std()) < 1e-6
        assert float(zeros(flat).std()) > 1e-4  # zero padding makes the border differ
    with pytest.raises(ValueError, match="padding_mode"):
        UNet3D((2, 4), padding_mode="circular")
