import numpy as np
import pytest

from lowcount.data.normalise import CountScale, count_scale


@pytest.fixture
def fast():
    return np.random.default_rng(0).poisson(4.0, (2, 64, 32)).astype(np.float32)


@pytest.mark.parametrize(
    "method, kwargs", [("mean", {}), ("percentile", {}), ("fixed", {"fixed_counts_per_unit": 7.0})]
)
def test_to_x_and_from_x_are_inverse(fast, method, kwargs):
    scale = count_scale(fast, speed_factor=3.0, method=method, **kwargs)
    np.testing.assert_allclose(scale.from_x(scale.to_x(fast)), fast, rtol=1e-6)


def test_mean_scale_gives_unit_mean_and_standard_level_output(fast):
    scale = count_scale(fast, speed_factor=3.0)
    x = scale.to_x(fast)
    assert x.mean() == pytest.approx(1.0, rel=1e-5)
    # An identity network returns counts at the standard level: k times the input's total.
    assert scale.standard_counts(x).sum() == pytest.approx(3.0 * fast.sum(), rel=1e-5)
    assert scale.to_dict() == {"counts_per_unit": scale.counts_per_unit, "gain": 3.0, "method": "mean"}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda f: count_scale(f, method="median"), "method"),
        (lambda f: count_scale(f, method="fixed"), "fixed_counts_per_unit"),
        (lambda f: count_scale(np.zeros_like(f)), "no counts"),
        (lambda f: count_scale(f, speed_factor=0.0), "speed_factor"),
        (lambda f: CountScale(0.0), "counts_per_unit"),
    ],
)
def test_ill_scales_raise(fast, call, message):
    with pytest.raises(ValueError, match=message):
        call(fast)
