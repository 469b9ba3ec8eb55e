"""An automatic lesion-detection observer: the stand-in for physicians' reading on phantom cohorts.

Not a clinical reader. It is a *background-known-exactly* matched filter, the observer of task-based
image-quality studies: it knows the patient's normal anatomy (the phantom's noiseless truth with the
findings painted out) and looks for focal excess over it, so it measures whether an image keeps focal
lesions visible above its noise and whether it shows focal spots that are not there. A physician, who
must tell normal hot anatomy (joints, kidneys, growth plates) from disease without knowing the truth,
does worse; real reading needs the reader-study app.

1. **Background**: the truth inside every finding's mask (dilated by ``margin_px``) is replaced by a
   harmonic interpolation of the truth around it (:func:`lesion_free_background`).
2. **Contrast map**: a lesion-sized Gaussian mean (``sigma_px``) of image - background, divided by the
   Poisson standard deviation of that mean in a standard scan, ``sqrt(background / (4 pi sigma^2))``.
   A value of 5 is a focal excess of 5 noise standard deviations of a standard scan.
3. **Candidates**: local maxima (5 x 5) of the contrast map in the body, outside the bladder, above
   ``min_contrast``; each has a score (its contrast).
4. **Lesion level**: a finding is hit by a candidate within ``margin_px`` of its mask; its score is the
   best such candidate's (0 if none). Other candidates are false positives: spots the truth does not have.
5. **Patient level** (malignant or not): the patient's score is the best candidate score of both views;
   ROC and AUC over patients, and sensitivity / specificity / accuracy at a threshold fixed beforehand
   (lowcount.evaluate.scoring.standard_threshold: a false-spot rate on validation standard scans). The observer cannot
   tell benign from malignant findings, so benign-only patients count against its specificity.

Lesions *lost* by an image: findings whose truth score reaches the threshold but whose image score does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ObserverConfig:
    sigma_px: float = 1.5
    background_sigma_px: float = 6.0
    min_contrast: float = 2.0
    margin_px: int = 3


def _dilate(mask: np.ndarray, margin_px: int) -> np.ndarray:
    from scipy.ndimage import binary_dilation

    return binary_dilation(mask, iterations=margin_px) if margin_px > 0 and mask.any() else mask


def lesion_free_background(truth: np.ndarray, labels: np.ndarray, margin_px: int = 3) -> np.ndarray:
    """The truth with every finding (dilated by ``margin_px``) painted out by harmonic interpolation.

    Inside the painted region the values solve Laplace's equation with the truth around it as boundary
    values: the smoothest surface that meets the surrounding anatomy.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    truth = np.asarray(truth, np.float64)
    hole = _dilate(np.asarray(labels) > 0, margin_px)
    if not hole.any():
        return truth
    rows, cols = truth.shape
    index = -np.ones(truth.shape, np.int64)
    r, c = np.nonzero(hole)
    index[r, c] = np.arange(r.size)
    entries_i, entries_j, entries_v = [], [], []
    rhs = np.zeros(r.size)
    degree = np.zeros(r.size)
    for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        rr, cc = r + dr, c + dc
        inside = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        degree += inside
        rr, cc, me = rr[inside], cc[inside], np.nonzero(inside)[0]
        other = index[rr, cc]
        unknown = other >= 0
        entries_i.append(me[unknown])
        entries_j.append(other[unknown])
        entries_v.append(-np.ones(int(unknown.sum())))
        np.add.at(rhs, me[~unknown], truth[rr[~unknown], cc[~unknown]])
    entries_i.append(np.arange(r.size))
    entries_j.append(np.arange(r.size))
    entries_v.append(degree)
    matrix = coo_matrix(
        (np.concatenate(entries_v), (np.concatenate(entries_i), np.concatenate(entries_j))), shape=(r.size, r.size)
    ).tocsr()
    out = truth.copy()
    out[r, c] = spsolve(matrix, rhs)
    return out


def contrast_map(image: np.ndarray, background: np.ndarray, cfg: ObserverConfig = ObserverConfig()) -> np.ndarray:
    """Focal excess of ``image`` over ``background`` in standard-scan noise units, for one (rows, cols) view."""
    from scipy.ndimage import gaussian_filter

    image, background = np.asarray(image, np.float64), np.asarray(background, np.float64)
    if image.ndim != 2 or image.shape != background.shape:
        raise ValueError(f"contrast_map takes one (rows, cols) view and its background, got {image.shape}, "
                         f"{background.shape}")  # fmt: skip
    excess = gaussian_filter(image - background, cfg.sigma_px, mode="nearest")
    # a Gaussian-weighted mean of Poisson counts of mean b has variance b * sum(g^2) = b / (4 pi sigma^2)
    sd = np.sqrt(
        np.maximum(gaussian_filter(background, cfg.sigma_px, mode="nearest"), 1.0) / (4.0 * np.pi * cfg.sigma_px**2)
    )
    return excess / sd


def candidates(
    image: np.ndarray, background: np.ndarray, allowed: np.ndarray, cfg: ObserverConfig = ObserverConfig()
) -> np.ndarray:
    """(n, 3) array of (row, col, score) local maxima of the contrast map where ``allowed``, best first."""
    from scipy.ndimage import maximum_filter

    score = contrast_map(image, background, cfg)
    peaks = (score == maximum_filter(score, size=5)) & allowed & (score > cfg.min_contrast)
    rows, cols = np.nonzero(peaks)
    found = np.stack([rows, cols, score[rows, cols]], axis=1) if rows.size else np.zeros((0, 3))
    return found[np.argsort(-found[:, 2])] if found.size else found


@dataclass(frozen=True)
class ViewReading:
    """What the observer found in one view."""

    lesion_scores: dict[int, float]  # label -> best candidate score near it (0 if none)
    false_positive_scores: np.ndarray  # scores of candidates away from every finding
    best_score: float  # best candidate score in the view (0 if none)


def read_view(
    image: np.ndarray,
    truth: np.ndarray,
    labels: np.ndarray,
    allowed: np.ndarray,
    cfg: ObserverConfig = ObserverConfig(),
    background: np.ndarray | None = None,
) -> ViewReading:
    """Run the observer on one view of ``image`` (counts at the level of ``truth``, its noiseless truth).

    ``background``: :func:`lesion_free_background` of the truth, when it was computed before.
    """
    if background is None:
        background = lesion_free_background(truth, labels, cfg.margin_px)
    found = candidates(image, background, allowed, cfg)
    rows, cols, scores = found[:, 0].astype(int), found[:, 1].astype(int), found[:, 2]
    lesion_scores = {}
    near_any = np.zeros(np.shape(image), bool)
    for label in np.unique(labels[labels > 0]):
        near = _dilate(labels == label, cfg.margin_px)
        near_any |= near
        hit = near[rows, cols]
        lesion_scores[int(label)] = float(scores[hit].max()) if hit.any() else 0.0
    fp = ~near_any[rows, cols]
    return ViewReading(lesion_scores, scores[fp], float(scores.max()) if scores.size else 0.0)


def roc_curve(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate, thresholds), thresholds descending from +inf."""
    scores, positive = np.asarray(scores, np.float64), np.asarray(positive, bool)
    if scores.shape != positive.shape or scores.ndim != 1:
        raise ValueError(f"scores and labels must be 1-D of the same length, got {scores.shape}, {positive.shape}")
    if positive.all() or not positive.any():
        raise ValueError("an ROC curve needs both positive and negative cases")
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    tpr = np.array([np.mean(scores[positive] >= t) for t in thresholds])
    fpr = np.array([np.mean(scores[~positive] >= t) for t in thresholds])
    return fpr, tpr, thresholds


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (trapezoidal, ties counted half)."""
    fpr, tpr, _ = roc_curve(scores, positive)
    fpr, tpr = np.concatenate([fpr, [1.0]]), np.concatenate([tpr, [1.0]])
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def decisions(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict[str, float]:
    """Sensitivity, specificity and accuracy of calling ``score >= threshold`` positive."""
    scores, positive = np.asarray(scores, np.float64), np.asarray(positive, bool)
    called = scores >= threshold
    tp, tn = int(np.sum(called & positive)), int(np.sum(~called & ~positive))
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return {
        "sensitivity": tp / n_pos if n_pos else float("nan"),
        "specificity": tn / n_neg if n_neg else float("nan"),
        "accuracy": (tp + tn) / positive.size if positive.size else float("nan"),
        "threshold": float(threshold),
    }
