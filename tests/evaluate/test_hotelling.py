"""The channelized Hotelling observer for a known signal against the closed form: white and correlated noise."""

import numpy as np
import pytest
from scipy.stats import norm

from lowcount.evaluate.channels import laguerre_gauss
from lowcount.evaluate.hotelling import channel_outputs, choice_figures, choice_scores, noise_covariance

SIZE, WIDTH, CHANNELS, SIGMA = 33, 8.0, 6, 2.0
PER_CLASS = 3000


def _blob(amplitude: float, shift_px: float = 0.0, width_px: float = WIDTH) -> np.ndarray:
    centre = (SIZE - 1) / 2
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    return amplitude * np.exp(-np.pi * ((rows - centre - shift_px) ** 2 + (cols - centre) ** 2) / width_px**2)


def _closed_form(signal: np.ndarray, channels: np.ndarray) -> float:
    """d' of the CHO in white noise: (U s)^T (sigma^2 U U^T)^-1 (U s), square-rooted."""
    u = channels.reshape(len(channels), -1)
    us = u @ signal.ravel()
    return float(np.sqrt(us @ np.linalg.solve(SIGMA**2 * u @ u.T, us)))


def _se(d: float, n: int) -> float:
    """Standard error of the median d' of n findings. The median of n scores, each normal with mean d and
    variance 2 (two noisy images), alone gives sqrt(pi / 2) sqrt(2 / n) (0.032 at n = 3000); the two
    covariances' estimation error adds to it: over 10 seeds at d' = 1.5 the measured spread was 0.052, so
    the bound is 1.7 times the formula's."""
    return 1.7 * float(np.sqrt(np.pi / 2) * np.sqrt(2 / n))


def _measured(signal: np.ndarray, channels: np.ndarray, noise) -> tuple[float, float]:
    """(median d', AUC) of PER_CLASS findings of ``signal``: the noise covariance learnt on one set of
    lesion-free ROIs, the spread on another, the trials a third."""
    learn, spread = (channel_outputs(noise(), channels) for _ in range(2))
    differences = channel_outputs(noise() + signal, channels) - channel_outputs(noise(), channels)
    signals = np.repeat(channel_outputs(signal[None], channels), PER_CLASS, axis=0)
    scores = choice_scores(differences, signals, noise_covariance(learn), noise_covariance(spread))
    auc, d = choice_figures(scores)
    return d, auc


def test_laguerre_gauss_channels_are_nearly_orthonormal_on_the_grid():
    u = laguerre_gauss(SIZE, WIDTH, CHANNELS).reshape(CHANNELS, -1)
    np.testing.assert_allclose(u @ u.T, np.eye(CHANNELS), atol=2e-3)


@pytest.mark.parametrize("shift_px, width_px", [(0.0, WIDTH), (3.0, 5.0)])
def test_cho_d_prime_and_auc_match_the_closed_form_in_white_noise(shift_px, width_px):
    """A centred blob of the channels' own width lies in their span, so the CHO reaches the ideal observer's
    d' = |s| / sigma; an off-centre, narrower blob does not, and the CHO gets the smaller closed-form d'. The
    proportion of correct choices between two noisy images is Phi(d' / sqrt 2)."""
    channels = laguerre_gauss(SIZE, WIDTH, CHANNELS)
    signal = _blob(1.0, shift_px, width_px)
    signal *= 1.5 / _closed_form(signal, channels)  # scaled so the expected d' is 1.5
    expected = _closed_form(signal, channels)
    ideal = float(np.linalg.norm(signal) / SIGMA)
    if shift_px == 0:
        assert expected == pytest.approx(ideal, rel=2e-3)
    else:
        assert expected < 0.9 * ideal
    rng = np.random.default_rng(7 + int(shift_px))
    measured_d, measured_auc = _measured(signal, channels, lambda: rng.normal(0, SIGMA, (PER_CLASS, SIZE, SIZE)))
    assert abs(measured_d - expected) < 3 * _se(expected, PER_CLASS)
    assert abs(measured_auc - norm.cdf(expected / np.sqrt(2))) < 0.02


def test_cho_prewhitens_correlated_noise_as_the_closed_form_says():
    """Noise smoothed by a Gaussian of 2 px has covariance K = sigma^2 G G^T; the CHO's d' is then
    (U s)^T (U K U^T)^-1 (U s), above what a template of the signal's channel outputs alone (no S^-1) reaches."""
    from scipy.ndimage import gaussian_filter

    pad, blur_px = 8, 2.0
    channels = laguerre_gauss(SIZE, WIDTH, CHANNELS)
    u = channels.reshape(CHANNELS, -1)
    padded = np.pad(channels, ((0, 0), (pad, pad), (pad, pad)))
    ug = gaussian_filter(padded, (0, blur_px, blur_px), mode="constant").reshape(CHANNELS, -1)  # G is symmetric
    signal = _blob(1.0, 2.0, 6.0)
    us = u @ signal.ravel()
    covariance = SIGMA**2 * ug @ ug.T
    expected = float(np.sqrt(us @ np.linalg.solve(covariance, us)))
    signal, us, expected = signal * 1.5 / expected, us * 1.5 / expected, 1.5
    unwhitened = float(us @ us / np.sqrt(us @ covariance @ us))
    assert unwhitened < expected - 0.1  # the inverse covariance is what the test can see

    rng = np.random.default_rng(3)

    def noise():
        white = rng.normal(0, SIGMA, (PER_CLASS, SIZE + 2 * pad, SIZE + 2 * pad))
        return gaussian_filter(white, (0, blur_px, blur_px), mode="constant")[:, pad:-pad, pad:-pad]

    measured, _ = _measured(signal, channels, noise)
    assert abs(measured - expected) < 3 * _se(expected, PER_CLASS)


def test_the_proportion_correct_counts_ties_half_and_the_median_summarises_d_prime():
    auc, d = choice_figures(np.array([3.0, -1.0, 0.0, 2.0, np.nan]))
    assert auc == pytest.approx((2 + 0.5) / 4) and d == pytest.approx(1.0)


def test_the_noise_covariance_needs_more_samples_than_channels():
    channels = laguerre_gauss(SIZE, WIDTH, CHANNELS)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="singular"):
        noise_covariance(channel_outputs(rng.normal(size=(CHANNELS, SIZE, SIZE)), channels))
    with pytest.raises(ValueError, match="singular"):
        noise_covariance(np.zeros((50, CHANNELS)))
    with pytest.raises(ValueError, match="odd"):
        laguerre_gauss(32, WIDTH, CHANNELS)
