import hashlib

import pytest
import torch

from lowcount.losses.perceptual import PerceptualLoss
from lowcount.models.vgg import VGG_FILES, VGGFeatures, load_vgg


def torchvision_like_state(name: str) -> dict:
    """Random weights in torchvision's VGG key layout, classifier included (it must be ignored)."""
    torch.manual_seed(0)
    state = {k: torch.randn_like(v) * 0.05 for k, v in VGGFeatures(name).state_dict().items()}
    state["classifier.0.weight"] = torch.randn(8, 8)
    return state


def test_layer_names_follow_torchvision_indices():
    assert VGGFeatures("vgg16").layer_names[8] == "relu2_2"  # torchvision: features[:9] ends at relu2_2
    assert VGGFeatures("vgg19").layer_names[34] == "conv5_4"  # ESRGAN's layer, features[34]


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
    torch.save(torchvision_like_state("vgg16"), tmp_path / VGG_FILES["vgg16"])
    with pytest.raises(ValueError, match="SHA-256"):
        PerceptualLoss("vgg16")
    honest = tmp_path / "mine.pth"
    torch.save(torchvision_like_state("vgg16"), honest)
    prefix = hashlib.sha256(honest.read_bytes()).hexdigest()[:8]
    renamed = honest.rename(tmp_path / f"vgg16-{prefix}.pth")
    assert isinstance(PerceptualLoss("vgg16", weights=renamed).net, VGGFeatures)


def test_a_file_of_another_layout_is_refused(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save(torchvision_like_state("vgg16"), path)
    with pytest.raises(ValueError, match="layout"):
        load_vgg("vgg19", path)
