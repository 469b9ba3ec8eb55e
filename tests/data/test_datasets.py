import numpy as np
import pytest

from lowcount.data.datasets import DataConfig, PairedScans, UnpairedScans, VolumePairs, select_patients
from lowcount.io.manifest import read_manifest

SMALL = dict(patch=(64, 48), max_shift_px=4)


def test_patients_by_split_and_by_fold(small_cohort):
    rows = read_manifest(small_cohort)
    all_ids = {r["patient_id"] for r in rows}
    by_split = [set(select_patients(rows, role)) for role in ("train", "val", "test")]
    assert set().union(*by_split) == all_ids and sum(map(len, by_split)) == len(all_ids)
    fold = rows[0]["fold"]
    train, val = set(select_patients(rows, "train", fold)), set(select_patients(rows, "val", fold))
    assert not train & val
    assert train | val == all_ids - by_split[2]
    with pytest.raises(ValueError, match="fold 9"):
        select_patients(rows, "train", 9)


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


def test_unpaired_sets_come_from_different_patients(small_cohort):
    rows = read_manifest(small_cohort)
    fold = next(r["fold"] for r in rows if r["split"] == "test")  # both other patients then train
    data = UnpairedScans(small_cohort, "train", DataConfig(**SMALL), fold=fold)
    assert not set(data.fast_patients) & set(data.standard_patients)
    item = data[0]
    assert item["fast"].shape == item["standard"].shape == (1, 64, 48)
    same = UnpairedScans(small_cohort, "train", DataConfig(**SMALL), fold=fold, same_patients=True)
    assert same.fast_patients == same.standard_patients


def test_volume_pairs(tmp_path):
    rng = np.random.default_rng(0)
    clean = rng.random((20, 40, 40)).astype(np.float32)
    np.save(tmp_path / "clean.npy", clean)
    np.save(tmp_path / "noisy.npy", clean + 1)
    data = VolumePairs([(tmp_path / "noisy.npy", tmp_path / "clean.npy")], patch=(8, 16, 16), samples_per_volume=3)
    item = data[2]
    assert len(data) == 3 and item["input"].shape == (1, 8, 16, 16)
    np.testing.assert_allclose(item["input"] - item["target"], 1.0)
    np.save(tmp_path / "flat.npy", clean[0])
    with pytest.raises(ValueError, match="3-D"):
        VolumePairs([(tmp_path / "flat.npy", tmp_path / "clean.npy")])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pairs": "real"}, "pairs"),
        ({"consistency": "mean"}, "consistency"),
        ({"views": ("lateral",)}, "views"),
        ({"patch": (4, 4)}, "patch"),
        ({"thin_factor": 0.5}, "thin_factor"),
    ],
)
def test_ill_data_configs_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataConfig(**kwargs)


def test_unpaired_thinned_fast_scans_are_thinned_standard_scans(small_cohort):
    rows = read_manifest(small_cohort)
    fold = next(r["fold"] for r in rows if r["split"] == "test")
    cfg = DataConfig(**SMALL, pairs="thinned", thin_factor=3.0, normalisation="fixed", fixed_counts_per_unit=1.0)
    data = UnpairedScans(small_cohort, "train", cfg, fold=fold)
    (patient,) = data.fast_patients
    standard = {r["acquisition"]: r for r in rows if r["patient_id"] == patient}["standard"]
    assert data.fast[0][1] == 3.0
    total = data.fast[0][0].sum() + data.fast[1][0].sum()
    assert total == pytest.approx(standard["counts_anterior"] + standard["counts_posterior"])
    first, again = data[0]["fast"], data[0]["fast"]
    np.testing.assert_array_equal(first, again)  # reproducible per (epoch, index)
    data.set_epoch(1)
    assert not np.array_equal(data[0]["fast"], first)  # a new thinning each epoch
    with pytest.raises(ValueError, match="unpaired sampling takes"):
        UnpairedScans(small_cohort, "train", DataConfig(pairs="split"), fold=fold)


def test_split_standard_patches_add_a_denoising_pair_without_changing_the_unpaired_draws(small_cohort):
    rows = read_manifest(small_cohort)
    fold = next(r["fold"] for r in rows if r["split"] == "test")
    cfg = DataConfig(**SMALL, thin_factor=3.0)
    plain = UnpairedScans(small_cohort, "train", cfg, fold=fold)
    split = UnpairedScans(small_cohort, "train", cfg, fold=fold, split_standard=True)
    assert split.fast_patients == plain.fast_patients and split.standard_patients == plain.standard_patients
    inputs, rests = [], []
    for i in range(len(split)):
        item, before = split[i], plain[i]
        for name in ("fast", "standard"):
            np.testing.assert_array_equal(item[name], before[name])
        unit = item["standard_counts_per_unit"]
        counts = item["standard"] * unit
        a = item["split_input"] * unit / 3.0  # the 1/3 draw, in counts
        b = item["split_target"] * unit * 2.0 / 3.0  # the other 2/3
        for part in (a, b):
            np.testing.assert_allclose(part, np.rint(part), atol=1e-3)
        np.testing.assert_allclose(a + b, counts, atol=1e-3)
        inputs.append(a.sum())
        rests.append(b.sum())
    assert sum(inputs) / (sum(inputs) + sum(rests)) == pytest.approx(1 / 3, abs=0.01)
    assert "split_input" not in plain[0]
    with pytest.raises(ValueError, match="thin_factor"):
        UnpairedScans(small_cohort, "train", DataConfig(thin_factor=1.0), fold=fold, split_standard=True)


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
