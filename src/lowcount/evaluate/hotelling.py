"""The channelized Hotelling observer (CHO) for a signal known exactly: the best linear observer of a
detection task, restricted to what a few channels see (Barrett & Myers, Foundations of Image Science, 2004).

Each ROI g is reduced to channel outputs v = U g. For a finding whose signal is known (in channel space
s = U (truth with the finding - truth without it)) and noise of channel covariance K, the Hotelling template
is w = K^-1 s and the detectability index d'^2 = s^T K^-1 s. lowcount measures it at each finding from one
pair of images of the same anatomy, with and without the finding, each with its own noise
(lowcount.evaluate.twins): the score w . (v_present - v_absent) / sqrt(w^T K w) has mean d' (the
difference of the two images' statistics over the spread of one), and it is positive when the observer,
shown both, picks the right one. Over many findings the median score summarises d', and the fraction of
positive scores (the proportion of correct choices) estimates the area under the ROC curve (for Gaussian
statistics AUC = Phi(d' / sqrt 2)).

Known answer: in white noise of variance sigma^2, d'^2 = (U s)^T (sigma^2 U U^T)^-1 (U s); in noise of
covariance Sigma, d'^2 = (U s)^T (U Sigma U^T)^-1 (U s) (tests/evaluate/test_hotelling.py checks both).
"""

from __future__ import annotations

import numpy as np


def channel_outputs(rois: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """(n, C) outputs of each channel on each ROI."""
    rois = np.asarray(rois, np.float64)
    if rois.ndim != 3 or rois.shape[1:] != channels.shape[1:]:
        raise ValueError(f"ROIs must be (n, {channels.shape[1]}, {channels.shape[2]}), got {rois.shape}")
    return rois.reshape(len(rois), -1) @ channels.reshape(len(channels), -1).T


def noise_covariance(residuals: np.ndarray) -> np.ndarray:
    """(C, C) channel covariance of (n, C) noise samples (an image's channel outputs minus the truth's).

    Raises:
        ValueError: the covariance is singular (no more samples than channels, or no noise).
    """
    residuals = np.atleast_2d(np.asarray(residuals, np.float64))
    channels = residuals.shape[1]
    covariance = np.atleast_2d(np.cov(residuals, rowvar=False)) if len(residuals) > 1 else np.zeros((channels,) * 2)
    if len(residuals) <= channels or np.linalg.matrix_rank(covariance) < channels:
        raise ValueError(
            f"the channel covariance of {len(residuals)} noise samples is singular; give more samples than the "
            f"{channels} channels (and an image with noise)"
        )
    return covariance


def choice_scores(
    differences: np.ndarray, signals: np.ndarray, covariance: np.ndarray, spread: np.ndarray
) -> np.ndarray:
    """(n,) detectability of each of n findings from one trial: ``differences`` are v_present - v_absent,
    ``signals`` the known signals s, both (n, C) in channel space; the template w = K^-1 s comes from
    ``covariance`` and the statistic's spread sqrt(w^T K w) from ``spread`` (a covariance measured on other
    samples, so the template's own estimation error does not inflate the figure). Each score is
    w . difference / sqrt(w^T K w): its mean is the finding's d', > 0 is a correct choice."""
    weights = np.linalg.solve(covariance, np.asarray(signals, np.float64).T).T  # (n, C): K^-1 s per finding
    width = np.sqrt(np.einsum("nc,cd,nd->n", weights, spread, weights))
    return np.einsum("nc,nc->n", weights, differences) / np.where(width > 0, width, np.nan)


def choice_figures(scores: np.ndarray) -> np.ndarray:
    """(AUC, d') of findings' scores: the proportion of correct choices (a tie counts half) and the median d'."""
    scores = np.asarray(scores, np.float64)
    scores = scores[np.isfinite(scores)]
    if not scores.size:
        return np.full(2, np.nan)
    return np.array([np.mean(scores > 0) + 0.5 * np.mean(scores == 0), np.median(scores)])
