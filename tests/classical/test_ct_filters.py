import numpy as np
import pytest

from lowcount.classical.ct_filters import CT_FILTER_GRIDS, CT_FILTERS, apply_ct_filter, wiener


def test_wiener_is_scipys_formula_away_from_the_border():
    import scipy.signal

    x = np.random.default_rng(0).normal(0, 50, (10, 12, 14))
    ours = wiener(x, 3, noise_hu2=1500.0)
    theirs = scipy.signal.wiener(x, 3, noise=1500.0)
    np.testing.assert_allclose(ours[1:-1, 1:-1, 1:-1], theirs[1:-1, 1:-1, 1:-1], rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("name", sorted(CT_FILTERS))
def test_filters_lower_noise_and_keep_a_flat_volume(name):
    rng = np.random.default_rng(1)
    flat = np.full((12, 16, 16), 40.0, np.float32)
    params = CT_FILTER_GRIDS[name][-1]
    np.testing.assert_allclose(apply_ct_filter(name, flat, params), 40.0, atol=1e-3)
    noisy = flat + rng.normal(0, 60, flat.shape).astype(np.float32)
    assert apply_ct_filter(name, noisy, params).std() < 0.7 * noisy.std()


def test_a_bad_filter_or_volume_is_named():
    with pytest.raises(ValueError, match="unknown CT filter"):
        apply_ct_filter("bilateral", np.zeros((2, 2, 2)), {})
    with pytest.raises(ValueError, match=r"\(D, H, W\)"):
        apply_ct_filter("gaussian", np.zeros((2, 2)), {"sigma_vox": 1.0})
    with pytest.raises(ValueError, match="odd"):
        apply_ct_filter("median", np.zeros((3, 3, 3)), {"size_vox": 4})
    with pytest.raises(ValueError, match="sigma_vox"):
        apply_ct_filter("gaussian", np.zeros((3, 3, 3)), {"sigma_vox": 0.0})
