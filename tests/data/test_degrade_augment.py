import numpy as np
import pytest

from lowcount.data.augment import Augmentation, crop, sample_augmentation, sample_patch_corner
from lowcount.data.degrade import EMANET_TEST_LEVELS, emanet_noise, random_emanet_level, thin


def test_thinning_keeps_one_kth_binomially():
    rng = np.random.default_rng(0)
    counts = np.full((300, 300), 30.0, np.float32)
    thinned = thin(counts, 3.0, rng)
    assert thinned.mean() == pytest.approx(10.0, abs=4 * np.sqrt(30 * (1 / 3) * (2 / 3) / counts.size))
    assert np.all(thinned <= counts)
    with pytest.raises(ValueError, match="factor"):
        thin(counts, 0.5, rng)


@pytest.mark.parametrize("level", [5, 20, 40])
def test_emanet_noise_level_is_the_grey_level_sd_at_mid_grey(level):
    rng = np.random.default_rng(1)
    image = np.full((400, 400), 100.0)
    image[0, 0] = 200.0  # the maximum maps to 255, so 100 maps to 127.5 grey levels
    noisy = emanet_noise(image, level, rng)
    sd_grey = noisy[1:, 1:].std() * 255.0 / 200.0
    assert sd_grey == pytest.approx(level * np.sqrt(127.5 / 128.0), rel=0.03)
    assert noisy[1:, 1:].mean() == pytest.approx(100.0, rel=0.01)


def test_emanet_levels_and_bad_input():
    rng = np.random.default_rng(2)
    assert EMANET_TEST_LEVELS == (5, 10, 15, 20, 25, 30, 35, 40)
    assert {random_emanet_level(rng) for _ in range(2000)} == set(range(1, 51))
    with pytest.raises(ValueError, match="level"):
        emanet_noise(np.ones((4, 4)), 0, rng)
    with pytest.raises(ValueError, match="non-negative"):
        emanet_noise(-np.ones((4, 4)), 5, rng)


def test_augmentation_is_replayable_and_identical_for_both_images():
    rng = np.random.default_rng(3)
    a = np.arange(2 * 8 * 6, dtype=np.float32).reshape(2, 8, 6)
    aug = sample_augmentation(rng, flip_probability=1.0, max_shift_px=2)
    np.testing.assert_array_equal(aug.apply(a)[0], aug.apply(a[0]))
    np.testing.assert_array_equal(aug.apply(a), aug.apply(a))
    assert aug.flip


def test_flip_and_shift_move_pixels_exactly():
    image = np.zeros((5, 4), np.float32)
    image[1, 0] = 7.0
    out = Augmentation(flip=True, shift_px=(2, -1)).apply(image)
    assert out[3, 2] == 7.0 and out.sum() == 7.0
    assert Augmentation(shift_px=(0, 9)).apply(image).sum() == 0.0


def test_patches_prefer_the_body():
    rng = np.random.default_rng(4)
    image = np.zeros((200, 100), np.float32)
    image[150:, :] = 1.0
    for _ in range(20):
        corner = sample_patch_corner(rng, image, (32, 32), min_foreground=0.5)
        assert crop(image, corner, (32, 32)).mean() >= 0.5
    with pytest.raises(ValueError, match="larger than the image"):
        sample_patch_corner(rng, image, (300, 32))
    with pytest.raises(ValueError, match="flip_probability"):
        sample_augmentation(rng, flip_probability=2.0)
