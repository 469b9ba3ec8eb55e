import numpy as np
import pytest

from lowcount.classical.anscombe import anscombe, inverse_anscombe, inverse_anscombe_algebraic


def _poisson_moments(lam: float) -> tuple[float, float]:
    """Exact mean and variance of anscombe(X), X ~ Poisson(lam), by summing the probability mass."""
    from scipy.stats import poisson

    x = np.arange(0, int(lam * 5 + 60))
    p = poisson.pmf(x, lam)
    a = anscombe(x)
    mean = float((a * p).sum())
    return mean, float(((a - mean) ** 2 * p).sum())


def test_algebraic_inverse_undoes_the_transform():
    counts = np.array([0, 1, 2, 7, 150, 60000], np.float64)
    np.testing.assert_allclose(inverse_anscombe_algebraic(anscombe(counts)), counts, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lam", [0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 200.0])
def test_unbiased_inverse_recovers_the_poisson_mean_where_the_algebraic_one_is_low(lam):
    mean, _ = _poisson_moments(lam)
    assert abs(inverse_anscombe(mean) - lam) < 0.02
    assert inverse_anscombe_algebraic(mean) - lam < -0.1


@pytest.mark.parametrize("lam", [3.0, 10.0, 100.0])
def test_variance_is_stabilised_near_one(lam):
    _, var = _poisson_moments(lam)
    assert abs(var - 1.0) < 0.02


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        anscombe(np.array([1.0, -2.0]))
