import pytest
import torch

from lowcount.losses.perceptual import PerceptualLoss
from lowcount.models import build_model
from lowcount.models.vgg import load_vgg
from lowcount.models.weights import save_weights
from tests.models.test_vgg import torchvision_like_state


@pytest.fixture
def vgg16_file(tmp_path):
    path = tmp_path / "vgg16_random.pth"
    torch.save(torchvision_like_state("vgg16"), path)
    return path


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


def test_emanet_composite_loss_mixes_mse_and_vgg_features_as_weighted(vgg16_file):
    from lowcount.losses.pixel import CompositeLoss

    lam = 0.2
    terms = [{"name": "mse", "weight": 1 - lam}, {"name": "perceptual", "weight": lam, "weights": str(vgg16_file)}]
    loss = CompositeLoss(terms)
    torch.manual_seed(0)
    target = torch.rand(2, 1, 32, 32)
    pred = (target + 0.2 * torch.randn_like(target)).requires_grad_(True)
    total, parts = loss(pred, target, torch.ones_like(target))
    assert set(parts) == {"mse", "perceptual"} and parts["perceptual"] > 0
    mse = torch.nn.functional.mse_loss(pred, target).item()
    features = PerceptualLoss("vgg16", weights=vgg16_file)(pred, target).item()
    assert total.item() == pytest.approx((1 - lam) * mse + lam * features, rel=1e-5)
    total.backward()
    assert pred.grad.abs().sum() > 0
