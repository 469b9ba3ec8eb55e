import hashlib

import pytest
import torch

from lowcount.losses.perceptual import VGG_FILES, PerceptualLoss, VGGFeatures, load_vgg
from lowcount.models import build_model
from lowcount.models.weights import save_weights


def _torchvision_like_state(name: str) -> dict:
    """Random weights in torchvision's VGG key layout, classifier included (it must be ignored)."""
    torch.manual_seed(0)
    state = {k: torch.randn_like(v) * 0.05 for k, v in VGGFeatures(name).state_dict().items()}
    state["classifier.0.weight"] = torch.randn(8, 8)
    return state


@pytest.fixture
def vgg16_file(tmp_path):
    path = tmp_path / "vgg16_random.pth"
    torch.save(_torchvision_like_state("vgg16"), path)
    return path


def test_layer_names_follow_torchvision_indices():
    assert VGGFeatures("vgg16").layer_names[8] == "relu2_2"  # torchvision: features[:9] ends at relu2_2
    assert VGGFeatures("vgg19").layer_names[34] == "conv5_4"  # ESRGAN's layer, features[34]


def test_weights_in_torchvision_layout_load_and_the_loss_behaves(vgg16_file):
    net = load_vgg("vgg16", vgg16_file)
    state = torch.load(vgg16_file, weights_only=True)
    torch.testing.assert_close(net.features[2].weight, state["features.2.weight"])
    loss = PerceptualLoss("vgg16", weights=vgg16_file)
    target = torch.rand(2, 1, 32, 32) * 3
    pred = (target + 0.3 * torch.randn_like(target)).requires_grad_(True)
    assert loss(target, target).item() == 0.0
    value = loss(pred, target)
    assert value.item() > 0
    value.backward()
    assert pred.grad.abs().sum() > 0
    assert all(not p.requires_grad for p in loss.net.parameters())
    assert not loss.train().net.training


def test_the_count_scale_does_not_change_the_vgg_loss(vgg16_file):
    loss = PerceptualLoss("vgg16", weights=vgg16_file)
    target = torch.rand(1, 1, 32, 32)
    pred = target + 0.1 * torch.rand_like(target)
    torch.testing.assert_close(loss(100 * pred, 100 * target), loss(pred, target), rtol=1e-4, atol=1e-6)


def test_missing_weights_name_the_file_the_checksum_and_the_source(monkeypatch, tmp_path):
    monkeypatch.delenv("LOWCOUNT_WEIGHTS_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="vgg19-dcbb9e9d.pth") as info:
        PerceptualLoss("vgg19")
    assert "dcbb9e9d" in str(info.value) and "download.pytorch.org" in str(info.value)
    monkeypatch.setenv("LOWCOUNT_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path / VGG_FILES["vgg16"])):
        PerceptualLoss("vgg16")


def test_the_weights_dir_is_searched_and_a_hash_named_file_must_match_its_hash(monkeypatch, tmp_path):
    monkeypatch.setenv("LOWCOUNT_WEIGHTS_DIR", str(tmp_path))
    torch.save(_torchvision_like_state("vgg16"), tmp_path / VGG_FILES["vgg16"])
    with pytest.raises(ValueError, match="SHA-256"):
        PerceptualLoss("vgg16")
    honest = tmp_path / "mine.pth"
    torch.save(_torchvision_like_state("vgg16"), honest)
    prefix = hashlib.sha256(honest.read_bytes()).hexdigest()[:8]
    renamed = honest.rename(tmp_path / f"vgg16-{prefix}.pth")
    assert isinstance(PerceptualLoss("vgg16", weights=renamed).net, VGGFeatures)


def test_a_file_of_another_layout_is_refused(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save(_torchvision_like_state("vgg16"), path)
    with pytest.raises(ValueError, match="layout"):
        load_vgg("vgg19", path)


def test_domain_network_uses_a_fitted_feature_autoencoder(tmp_path):
    torch.manual_seed(0)
    args = {"channels": (4, 8)}
    path = save_weights(build_model("feature_autoencoder", **args), tmp_path / "ae", "feature_autoencoder", args)
    loss = PerceptualLoss("domain", weights=path)
    assert loss.layers == ("level1", "level2")
    x = torch.rand(1, 1, 16, 16)
    assert loss(x, x).item() == 0.0 and loss(x + 0.5, x).item() > 0
    other = save_weights(
        build_model("dncnn", depth=3, channels=2), tmp_path / "d", "dncnn", {"depth": 3, "channels": 2}
    )
    with pytest.raises(ValueError, match="feature_autoencoder"):
        PerceptualLoss("domain", weights=other)
    with pytest.raises(ValueError, match="weights"):
        PerceptualLoss("domain")
    with pytest.raises(ValueError, match="level3"):
        PerceptualLoss("domain", layers=("level3",), weights=path)


@pytest.mark.parametrize(("args", "match"), [({"network": "vgg11"}, "vgg11"), ({"criterion": "huber"}, "criterion")])
def test_bad_settings_raise(args, match):
    with pytest.raises(ValueError, match=match):
        PerceptualLoss(**args)
