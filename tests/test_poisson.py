import numpy as np
import pytest

from lowcount.poisson import poisson_counts, thin_counts


def test_poisson_counts_have_poisson_mean_and_variance():
    rng = np.random.default_rng(0)
    expected = np.full((400, 400), 7.5, np.float32)
    counts = poisson_counts(expected, rng)
    assert counts.mean() == pytest.approx(7.5, abs=4 * np.sqrt(7.5 / counts.size))
    assert counts.var() == pytest.approx(7.5, rel=0.02)
    with pytest.raises(ValueError, match="non-negative"):
        poisson_counts(-expected, rng)


@pytest.mark.parametrize("p", [1 / 2, 1 / 3])
def test_thinning_is_exactly_binomial_and_nested(p):
    rng = np.random.default_rng(1)
    n = 40.0
    counts = np.full((500, 400), n, np.float32)
    thinned = thin_counts(counts, p, rng)
    se = np.sqrt(n * p * (1 - p) / counts.size)
    assert thinned.mean() == pytest.approx(n * p, abs=4 * se)
    assert thinned.var() == pytest.approx(n * p * (1 - p), rel=0.02)
    assert np.all(thinned <= counts)
    with pytest.raises(ValueError, match="keep_fraction"):
        thin_counts(counts, 1.5, rng)
    with pytest.raises(ValueError, match="integers"):
        thin_counts(counts + 0.5, p, rng)
