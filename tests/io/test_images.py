import numpy as np
import pytest
from PIL import Image

from lowcount.io.images import read_counts_image, write_counts_image


@pytest.fixture
def counts():
    return np.random.default_rng(0).poisson(300, (2, 40, 20)).astype(np.float32)


@pytest.mark.parametrize("suffix", [".tif", ".tiff", ".npy"])
def test_both_views_round_trip(tmp_path, counts, suffix):
    path = write_counts_image(tmp_path / f"scan{suffix}", counts)
    np.testing.assert_array_equal(read_counts_image(path), counts)


def test_png_holds_one_16_bit_view(tmp_path, counts):
    view = counts[0] * 100  # beyond 8 bits
    path = write_counts_image(tmp_path / "ant.png", view)
    with Image.open(path) as image:
        assert image.mode.startswith("I")
    np.testing.assert_array_equal(read_counts_image(path), view)
    with pytest.raises(ValueError, match="one view"):
        write_counts_image(tmp_path / "both.png", counts)


def test_npy_keeps_fractional_counts(tmp_path):
    values = np.array([[0.25, 1.5]], np.float32)
    np.testing.assert_array_equal(read_counts_image(write_counts_image(tmp_path / "x.npy", values)), values)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.full((4, 4), np.nan), "NaN"),
        (np.full((4, 4), -1.0), "negative"),
        (np.zeros(4), "shape"),
    ],
)
def test_bad_arrays_are_refused(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        write_counts_image(tmp_path / "x.tif", bad)
    assert list(tmp_path.iterdir()) == []


def test_colour_png_and_unknown_suffix_are_refused(tmp_path):
    rgb = tmp_path / "screenshot.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(rgb)
    with pytest.raises(ValueError, match="not a grey-level"):
        read_counts_image(rgb)
    with pytest.raises(ValueError, match="unsupported image format"):
        write_counts_image(tmp_path / "x.jpg", np.zeros((4, 4)))
    with pytest.raises(ValueError, match="no such file"):
        read_counts_image(tmp_path / "missing.tif")
