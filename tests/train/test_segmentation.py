"""The lesion segmenter: overlap scores, the loss, a bit-exact resume, and its recipe through ``lowcount train``."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from lowcount.evaluate.segmentation import overlap, overlap_scores
from lowcount.models import build_model
from lowcount.train.config import TrainConfig
from lowcount.train.loop import fit
from lowcount.train.method_config import SegmentationConfig
from lowcount.train.segmentation import SegmentationTraining, soft_dice_loss


def test_overlap_scores_of_known_masks():
    truth = np.zeros((4, 4), bool)
    truth[0, :3] = truth[1, :3] = True  # 6 lesion pixels
    marked = np.zeros((4, 4), bool)
    marked[1, 1:3] = marked[3, 2:4] = True  # 4 marked, 2 of them on the lesion
    counts = overlap(marked, truth)
    assert counts == {"tp": 2, "fp": 2, "fn": 4}
    assert overlap_scores(counts) == pytest.approx({"precision": 0.5, "iou": 0.25, "recall": 1 / 3})
    assert np.isnan(overlap_scores({"tp": 0, "fp": 0, "fn": 0})["precision"])
    with pytest.raises(ValueError, match="differ in shape"):
        overlap(marked, truth[:3])


def test_the_dice_loss_is_zero_for_a_sure_right_answer_and_one_for_a_sure_wrong_one():
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 2:5, 2:5] = 1.0
    assert float(soft_dice_loss(60.0 * (2 * mask - 1), mask)) == pytest.approx(0.0, abs=0.02)
    assert float(soft_dice_loss(-60.0 * (2 * mask - 1), mask)) == pytest.approx(1.0, abs=0.02)


class _Blobs:
    def __init__(self, n=8):
        self.n, self.epoch = n, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        rng = np.random.default_rng([7, self.epoch, index])
        labels = np.zeros((1, 16, 16), np.int32)
        r, c = rng.integers(2, 12, 2)
        labels[0, r : r + 3, c : c + 3] = 1
        image = (1.0 + 4.0 * labels + rng.normal(0, 0.3, labels.shape)).astype(np.float32)
        return {"input": image, "labels": labels}


def test_the_segmenter_resumes_bit_for_bit(tmp_path):
    cfg = TrainConfig(method="segmentation", steps=8, batch_size=4, lr=1e-3, betas=(0.9, 0.999), checkpoint_every=4)

    def method():
        torch.manual_seed(0)
        return SegmentationTraining(build_model("lesion_unet", channels=(4, 8)), cfg, SegmentationConfig(), "cpu")

    straight = method()
    fit(straight, _Blobs(), cfg, tmp_path / "straight", progress=False)
    first = method()
    fit(first, _Blobs(), replace(cfg, steps=4), tmp_path / "split", progress=False)
    second = method()
    fit(second, _Blobs(), cfg, tmp_path / "split", resume=True, progress=False)
    for key, value in straight.state_dict()["net"].items():
        assert torch.equal(value, second.state_dict()["net"][key]), key


def test_the_segmentation_recipe_trains_and_exports_its_validation(small_cohort, tmp_path):
    from lowcount.config import recipe_path
    from lowcount.models.weights import read_sidecar
    from lowcount.train.run import train

    overrides = ("model.args.channels=[4, 8]", "train.steps=2", "train.batch_size=2", "data.patch=[32, 32]")
    recipe = recipe_path("lesion_segmentation")
    metrics = train(recipe, small_cohort.parent, tmp_path / "seg", progress=False, overrides=overrides)
    assert {"precision", "iou", "recall"} <= set(metrics) and 0.0 <= metrics["iou"] <= 1.0
    assert read_sidecar(tmp_path / "seg" / "model.safetensors")["method"] == "segmentation"
