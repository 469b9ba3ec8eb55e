import numpy as np
import pytest

from lowcount.data.volume_pairs import BODY_HU, VolumeConfig, VolumePairs, hu_to_x, load_role, x_to_hu
from lowcount.io.ct_scans import read_scans, volumes_of


def test_hu_round_trip():
    hu = np.array([-1000.0, 0.0, 40.0, 1400.0], np.float32)
    np.testing.assert_allclose(x_to_hu(hu_to_x(hu)), hu, rtol=1e-6)
    assert hu_to_x(np.array([0.0]))[0] == 0.0


@pytest.mark.parametrize(("patch", "shape"), [((32, 48), (1, 32, 48)), ((8, 32, 16), (1, 8, 32, 16))])
def test_samples_have_the_patch_shape_and_replay(ct_cohort, patch, shape):
    cfg = VolumeConfig(dims=len(patch), patch=patch, patches_per_volume=3)
    data = VolumePairs(ct_cohort, "train", cfg, seed=5)
    assert len(data) == 3 and data.patients == ["M0000"]
    first = data[1]
    assert first["input"].shape == shape and first["target"].shape == shape
    np.testing.assert_array_equal(VolumePairs(ct_cohort, "train", cfg, seed=5)[1]["input"], first["input"])
    data.set_epoch(1)
    assert not np.array_equal(data[1]["input"], first["input"])


def test_patches_overlap_the_animal_and_pair_two_scans(ct_cohort):
    cfg = VolumeConfig(dims=2, patch=(32, 32), patches_per_volume=20)
    data = VolumePairs(ct_cohort, "train", cfg)
    for i in range(len(data)):
        sample = data[i]
        assert (x_to_hu(sample["target"]) > BODY_HU).any()  # never a patch of air alone
        assert not np.array_equal(sample["input"], sample["target"])  # low and high: two noisy draws
    rows = read_scans(ct_cohort)
    truth = load_role(ct_cohort, volumes_of(rows, "train", "truth"), "M0000", "truth")
    high = load_role(ct_cohort, volumes_of(rows, "train", "high"), "M0000", "high")
    assert (
        np.abs(high - truth)[truth > BODY_HU].mean() < np.abs(x_to_hu(data.inputs[0]) - truth)[truth > BODY_HU].mean()
    )


ILL_CASES = [
    ({"dims": 4}, "dims"),
    ({"dims": 3, "patch": (32, 32)}, "patch"),
    ({"patches_per_volume": 0}, "patches_per_volume"),
    ({"input": "ladder"}, "input"),
]


@pytest.mark.parametrize(("kwargs", "word"), ILL_CASES)
def test_bad_volume_settings_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        VolumeConfig(**kwargs)


def test_a_patch_larger_than_the_volume_or_an_empty_split_is_refused(ct_cohort):
    with pytest.raises(ValueError, match="hold the patch"):
        VolumePairs(ct_cohort, "train", VolumeConfig(dims=3, patch=(32, 32, 32)))
    with pytest.raises(ValueError, match="no holdout animals"):
        VolumePairs(ct_cohort, "holdout", VolumeConfig())
