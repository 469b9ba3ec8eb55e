import numpy as np
import pytest

from lowcount.data.geometry import content_box, fit


def _scan(rows=300, cols=120):
    image = np.zeros((2, rows, cols), np.float32)
    image[:, 40:250, 30:90] = np.random.default_rng(0).poisson(5, (2, 210, 60))
    return image


def test_crop_pad_and_restore_round_trip():
    scan = _scan()
    placement = fit(scan, target_shape=(256, 128), stride=16)
    on_grid = placement.apply(scan)
    assert on_grid.shape == (2, 256, 128)
    assert on_grid.sum() == scan.sum()
    np.testing.assert_array_equal(placement.restore(on_grid), scan)


def test_native_size_is_padded_to_the_stride():
    scan = _scan(rows=301, cols=117)
    placement = fit(scan, target_shape=None, stride=32, crop_border=False)
    assert placement.shape == (320, 128)
    np.testing.assert_array_equal(placement.restore(placement.apply(scan)), scan)


def test_restore_fills_the_cropped_border():
    scan = _scan()
    placement = fit(scan, target_shape=(256, 128))
    restored = placement.restore(np.ones(placement.shape, np.float32), fill=-1.0)
    r0, r1, c0, c1 = placement.crop
    assert restored[0, 0] == -1.0 and restored[r0, c0] == 1.0
    assert content_box(scan, margin=0) == (40, 250, 30, 90)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target_shape": (128, 128)}, "larger than the target"),
        ({"stride": 0}, "stride"),
    ],
)
def test_ill_placements_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(_scan(), **kwargs)


def test_wrong_shapes_are_refused():
    placement = fit(_scan(), target_shape=(256, 128))
    with pytest.raises(ValueError, match="differs"):
        placement.apply(np.zeros((10, 10)))
    with pytest.raises(ValueError, match="network grid"):
        placement.restore(np.zeros((10, 10)))
