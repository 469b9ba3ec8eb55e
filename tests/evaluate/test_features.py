import numpy as np
import pytest
import torch

from lowcount.evaluate.features import (
    LPIPS_FILE,
    fid,
    frechet_distance,
    load_feature_network,
    lpips,
    tile_features,
)
from lowcount.models import build_model
from lowcount.models.vgg import VGGFeatures
from lowcount.models.weights import save_weights


@pytest.fixture(scope="module")
def domain(tmp_path_factory):
    torch.manual_seed(0)
    args = {"channels": (4, 8, 16)}
    path = save_weights(
        build_model("feature_autoencoder", **args), tmp_path_factory.mktemp("ae") / "ae", "feature_autoencoder", args
    )
    return load_feature_network("domain", path)


@pytest.fixture(scope="module")
def vgg_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vgg")
    torch.manual_seed(1)
    torch.save(
        {k: torch.randn_like(v) * 0.05 for k, v in VGGFeatures("vgg16").state_dict().items()}, folder / "vgg.pth"
    )
    lins = {f"lin{k}.model.1.weight": torch.rand(1, w, 1, 1) for k, w in enumerate((64, 128, 256, 512, 512))}
    torch.save(lins, folder / LPIPS_FILE)
    return folder / "vgg.pth", folder / LPIPS_FILE


def _scan(rows=128, cols=64, seed=0, noise=0.0):
    r, c = np.mgrid[0:rows, 0:cols]
    truth = 20 + 80 * np.exp(-((r - rows / 2) ** 2 + (c - cols / 2) ** 2) / 300.0)
    rng = np.random.default_rng(seed)
    return truth + noise * rng.normal(size=truth.shape) * np.sqrt(truth)


def test_frechet_distance_matches_the_scipy_sqrtm_formula():
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(200, 6)), rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 0.5
    mu1, mu2, c1, c2 = a.mean(0), b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    reference = np.sum((mu1 - mu2) ** 2) + np.trace(c1 + c2 - 2 * np.real(sqrtm(c1 @ c2)))
    assert frechet_distance(mu1, c1, mu2, c2) == pytest.approx(reference, rel=1e-8)
    # one dimension: (m1 - m2)^2 + (s1 - s2)^2
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)
    assert frechet_distance(mu1, c1, mu1, c1) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("kind", ["domain", "vgg16"])
def test_lpips_is_zero_for_identical_images_and_grows_with_noise(kind, domain, vgg_files):
    network = domain if kind == "domain" else load_feature_network("vgg16", vgg_files[0], vgg_files[1])
    ref = _scan()
    assert lpips(ref, ref, network) == 0.0
    small, large = lpips(_scan(noise=0.3), ref, network), lpips(_scan(noise=1.2), ref, network)
    assert 0 < small < large


def test_lpips_linear_weights_are_used(vgg_files, tmp_path):
    zero = {f"lin{k}.model.1.weight": torch.zeros(1, w, 1, 1) for k, w in enumerate((64, 128, 256, 512, 512))}
    torch.save(zero, tmp_path / LPIPS_FILE)
    network = load_feature_network("vgg16", vgg_files[0], tmp_path / LPIPS_FILE)
    assert lpips(_scan(noise=1.0), _scan(), network) == 0.0


def test_fid_is_small_within_a_set_and_grows_with_noise(domain):
    clean_a = [_scan(256, 128, seed=s, noise=0.2) for s in range(3)]
    clean_b = [_scan(256, 128, seed=s + 10, noise=0.2) for s in range(3)]
    noisy = [_scan(256, 128, seed=s + 20, noise=1.5) for s in range(3)]
    assert tile_features(clean_a, domain, tile_px=32).shape == (3 * 8 * 4, 16)
    assert fid(clean_a, clean_b, domain, tile_px=32) < 0.2 * fid(clean_a, noisy, domain, tile_px=32)


def test_missing_lpips_weights_name_the_file_and_the_package(monkeypatch, vgg_files):
    monkeypatch.delenv("LOWCOUNT_WEIGHTS_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match=LPIPS_FILE) as info:
        load_feature_network("vgg16", vgg_files[0])
    assert "lpips package" in str(info.value) and "domain" in str(info.value)


def test_bad_lpips_file_and_bad_network_raise(tmp_path, vgg_files):
    torch.save({"lin0.model.1.weight": torch.zeros(1, 3, 1, 1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="lin0.model.1.weight of shape"):
        load_feature_network("vgg16", vgg_files[0], tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="feature network must be one of"):
        load_feature_network("alexnet")


def test_fid_inception_loads_pytorch_fid_layout_and_gives_2048_features(tmp_path, monkeypatch):
    from lowcount.models.inception import FID_FILE, FIDInception

    torch.manual_seed(2)
    state = FIDInception().state_dict()  # PyTorch's default initialisation: random, finite features
    path = tmp_path / "fid_random.pth"
    torch.save(state, path)
    network = load_feature_network("inception", path)
    torch.testing.assert_close(network.net.Mixed_7c.branch_pool.conv.weight, state["Mixed_7c.branch_pool.conv.weight"])
    views = [_scan(512, 256, seed=s, noise=0.3) for s in range(2)]
    features = tile_features(views, network)
    assert features.shape == (2 * 2 * 1, 2048) and np.isfinite(features).all()
    with pytest.raises(ValueError, match="FID only"):
        lpips(views[0], views[0], network)
    monkeypatch.delenv("LOWCOUNT_WEIGHTS_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match=FID_FILE) as info:
        load_feature_network("inception")
    assert "6726825d" in str(info.value) and "pytorch-fid" in str(info.value)
    named = tmp_path / FID_FILE
    named.write_bytes(path.read_bytes())
    with pytest.raises(ValueError, match="SHA-256"):
        load_feature_network("inception", named)
