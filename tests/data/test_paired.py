import numpy as np
import pytest

from lowcount.data.config import DataConfig
from lowcount.data.paired import PairedScans
from lowcount.io.manifest import read_manifest

SMALL = dict(patch=(64, 48), max_shift_px=4)


def test_training_items_are_patches_reproducible_per_epoch(small_cohort):
    data = PairedScans(small_cohort, "train", DataConfig(**SMALL, patches_per_image=3), seed=3)
    assert len(data) == 2 * 3 * len(data.patients)
    item = data[0]
    assert item["input"].shape == item["target"].shape == item["weight"].shape == (1, 64, 48)
    again = data[0]
    np.testing.assert_array_equal(item["input"], again["input"])
    data.set_epoch(1)
    assert not np.array_equal(data[0]["input"], item["input"])


def test_validation_items_are_whole_images_on_the_input_scale(small_cohort):
    data = PairedScans(small_cohort, "val", DataConfig(), seed=0)
    item = data[0]  # anterior view of the validation patient
    assert item["input"].shape == (1, 1024, 256)
    assert item["input"].mean() == pytest.approx(1.0, rel=1e-3)
    # Target and input keep the count ratio of the two acquisitions (standard vs k x fast).
    scans = {r["acquisition"]: r for r in read_manifest(small_cohort) if r["patient_id"] == data.patients[0]}
    ratio = scans["standard"]["counts_anterior"] / (3.0 * scans["fast3x"]["counts_anterior"])
    assert item["target"].mean() / item["input"].mean() == pytest.approx(ratio, rel=0.01)
    assert (item["weight"] == 0).sum() > 100  # the bladder is excluded


def test_total_consistency_equalises_the_totals(small_cohort):
    data = PairedScans(small_cohort, "val", DataConfig(consistency="total"))
    item = data[0]
    assert item["target"].sum() == pytest.approx(item["input"].sum(), rel=1e-4)


def test_thinned_pairs_are_nested_in_the_target(small_cohort):
    data = PairedScans(small_cohort, "val", DataConfig(pairs="thinned", thin_factor=2.0), train=False)
    item = data[0]
    counts_in = item["input"] * item["counts_per_unit"] / 2.0
    counts_target = item["target"] * item["counts_per_unit"]
    assert np.all(counts_in <= counts_target + 1e-3)
    assert counts_in.sum() == pytest.approx(counts_target.sum() / 2.0, rel=0.01)


def test_split_pairs_are_two_independent_scans_of_the_same_instant(small_cohort):
    k = 3.0
    split = PairedScans(small_cohort, "val", DataConfig(pairs="split", thin_factor=k), train=False, with_truth=True)
    thinned = PairedScans(small_cohort, "val", DataConfig(pairs="thinned", thin_factor=k), train=False)
    item, nested = split[0], thinned[0]
    counts_in = item["input"] * item["counts_per_unit"] / k
    counts_target = item["target"] * item["counts_per_unit"]
    standard = nested["target"] * nested["counts_per_unit"]
    # Input plus the un-rescaled target give back the standard scan, count for count.
    np.testing.assert_allclose(counts_in + counts_target * (k - 1) / k, standard, atol=1e-2)
    # Both halves are unbiased for the truth, and their noises are uncorrelated (a nested pair's are not).
    truth, body = item["truth"] * item["counts_per_unit"], item["truth"] * item["counts_per_unit"] > 5
    noise_in, noise_target = k * counts_in[body] - truth[body], counts_target[body] - truth[body]
    assert abs(noise_in.mean()) < 0.02 * truth[body].mean() and abs(noise_target.mean()) < 0.02 * truth[body].mean()
    assert abs(np.corrcoef(noise_in, noise_target)[0, 1]) < 0.02
    nested_in = nested["input"] * nested["counts_per_unit"] - truth
    assert np.corrcoef(nested_in[body], standard[body] - truth[body])[0, 1] > 0.4
    with pytest.raises(ValueError, match="no counts for the target"):
        DataConfig(pairs="split", thin_factor=1.0)


def test_emanet_pairs_add_noise_at_the_target_level(small_cohort):
    data = PairedScans(small_cohort, "val", DataConfig(pairs="emanet"), train=False)
    item = data[0]
    assert not np.array_equal(item["input"], item["target"])
    assert item["input"].mean() == pytest.approx(1.0, rel=1e-3)


def test_dataloader_collates_into_tensors(small_cohort):
    import torch

    data = PairedScans(small_cohort, "train", DataConfig(**SMALL))
    batch = next(iter(torch.utils.data.DataLoader(data, batch_size=2)))
    assert batch["input"].shape == (2, 1, 64, 48) and batch["input"].dtype == torch.float32


def test_validation_truth_of_acquired_pairs_is_the_one_the_fast_input_was_drawn_from(small_cohort):
    """k x the fast scan's own truth: the input is unbiased for it and differs from it by the Poisson noise of
    a raw fast scan (registration warps the target, never the input, whose noise interpolation would
    smooth); the standard scan's truth would charge the input with the patient's motion."""
    acquired = PairedScans(small_cohort, "val", DataConfig(fast="fast3x"), train=False, with_truth=True)
    made_from_standard = PairedScans(small_cohort, "val", DataConfig(pairs="thinned"), train=False, with_truth=True)
    own, standard = [], []
    for i in range(len(acquired)):
        item, other = acquired[i], made_from_standard[i]
        x = item["input"][0] * item["counts_per_unit"]  # fast counts x k
        truth = item["truth"][0] * item["counts_per_unit"]
        standard_truth = other["truth"][0] * other["counts_per_unit"]
        body = (truth > 10) & (standard_truth > 10)
        assert abs(x[body].sum() / truth[body].sum() - 1) < 0.01
        own.append(np.abs(x - truth)[body] / np.sqrt(3.0 * truth[body]))  # Poisson SD of k x counts
        raw = acquired.items[i].fast
        assert np.array_equal(raw, np.rint(raw)) and raw.sum() > 0  # whole counts: not interpolated
        standard.append(np.abs(x - standard_truth)[body] / np.sqrt(3.0 * standard_truth[body]))
        assert set(np.unique(item["labels"])) <= set(np.unique(acquired.items[i].labels))
    own, standard = np.concatenate(own), np.concatenate(standard)
    assert np.mean(own > 5) < 1e-4 < np.mean(standard > 5)
    # |Poisson - mean| / SD has mean about sqrt(2 / pi) = 0.80 at these counts; an interpolated input is below
    assert np.mean(own) == pytest.approx(np.sqrt(2 / np.pi), rel=0.05)


def test_a_thin_factor_range_draws_k_per_sample_and_the_level_channel_tells_it(small_cohort):
    cfg = DataConfig(pairs="split", thin_factor_range=(1.5, 6.0), level_channel=True, patch=None)
    data = PairedScans(small_cohort, "train", cfg, seed=5)
    standard = PairedScans(small_cohort, "train", DataConfig(pairs="thinned", patch=None), seed=5, train=False)
    ks = []
    for epoch, index in [(e, i) for e in range(4) for i in range(len(data))]:
        data.set_epoch(epoch)
        item = data[index]
        image, level = item["input"]
        assert item["input"].shape[0] == 2 and np.all(level == level[0, 0])
        # level^2 = 1 / (the input's mean counts per pixel); the input holds 1/k of the standard scan's counts.
        views = standard[index]
        standard_mean = (views["target"] * views["counts_per_unit"]).sum() / image.size
        ks.append(float(level[0, 0]) ** 2 * standard_mean)
    assert all(1.5 * 0.97 < k < 6.0 * 1.03 for k in ks)
    assert max(ks) / min(ks) > 1.5  # drawn per sample, not fixed
    with pytest.raises(ValueError, match="thin_factor_range"):
        DataConfig(pairs="split", thin_factor_range=(1.0, 3.0))
    with pytest.raises(ValueError, match="thin_factor_range"):
        DataConfig(pairs="acquired", thin_factor_range=(1.5, 3.0))
