import numpy as np
import pytest

from lowcount.data.config import DataConfig
from lowcount.data.unpaired import UnpairedScans
from lowcount.io.manifest import read_manifest

SMALL = dict(patch=(64, 48), max_shift_px=4)


def test_unpaired_sets_come_from_different_patients(small_cohort):
    rows = read_manifest(small_cohort)
    fold = next(r["fold"] for r in rows if r["split"] == "test")  # both other patients then train
    data = UnpairedScans(small_cohort, "train", DataConfig(**SMALL), fold=fold)
    assert not set(data.fast_patients) & set(data.standard_patients)
    item = data[0]
    assert item["fast"].shape == item["standard"].shape == (1, 64, 48)
    same = UnpairedScans(small_cohort, "train", DataConfig(**SMALL), fold=fold, same_patients=True)
    assert same.fast_patients == same.standard_patients


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
