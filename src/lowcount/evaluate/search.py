"""Localisation by the search observer: free-response (FROC / AFROC) analysis of the whole view.

The observer is lowcount.evaluate.diagnosis's matched filter: it marks local maxima of focal excess over
the patient's lesion-free anatomy, each with a rating. A mark near a finding localises it (the finding's
rating is its best mark's); every other mark is a false spot. Per method:

- **AFROC area** (the JAFROC1 figure of merit, Chakraborty & Berbaum, Med Phys 2004): the probability that
  a finding's rating exceeds the highest false-spot rating of a view, over every finding and every view
  (an unmarked finding, or a view without false spots, rates minus infinity; ties count half). It needs no
  threshold: 1 when every finding outranks every view's worst false spot, 0.5 or less when false spots
  outrank findings.
- **Operating point**: the threshold that maximises (fraction of findings localised) - (fraction of views
  with a false spot) (the middle of the interval that does), chosen on one half of the patients (cut by
  key) and used on the other, then the other way round. At it, the held-out fraction of findings
  localised, false spots per view and views with one.

95 % intervals come from a bootstrap over patients (thresholds held fixed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def afroc_area(ratings: np.ndarray, highest_false: np.ndarray) -> float:
    """P(a finding's rating > a view's highest false-spot rating), ties half; -inf for no mark."""
    ratings, highest_false = np.asarray(ratings, np.float64), np.sort(np.asarray(highest_false, np.float64))
    if not ratings.size or not highest_false.size:
        return float("nan")
    below = np.searchsorted(highest_false, ratings, side="left")
    equal = np.searchsorted(highest_false, ratings, side="right") - below
    return float(np.mean((below + 0.5 * equal) / highest_false.size))


def _share(flags: np.ndarray, empty: float = float("nan")) -> float:
    """The mean of ``flags``, ``empty`` when there are none (a tuning half may hold no finding)."""
    return float(np.mean(flags)) if np.size(flags) else empty


def operating_threshold(ratings: np.ndarray, highest_false: np.ndarray) -> float:
    """The rating threshold that maximises localised findings minus views with a false spot: the middle of
    the lowest interval of thresholds that do (ties favour localising findings), so a held-out rating near
    the interval's ends is not decided by where the tuning patients' ratings happened to fall. Infinity
    (mark nothing) when no threshold localises more findings than it costs views with a false spot."""
    levels = np.unique(np.concatenate([ratings, highest_false]))
    levels = np.append(levels[np.isfinite(levels)], np.inf)
    gain = np.array([_share(ratings >= t, empty=0.0) - _share(highest_false >= t, empty=0.0) for t in levels])
    best = np.isclose(gain, gain.max())
    first = int(np.flatnonzero(best)[0])
    last = first
    while last + 1 < levels.size and best[last + 1]:
        last += 1
    if first == 0 or not np.isfinite(levels[last]):  # (-inf, levels[last]] or (levels[first - 1], inf]
        return float(levels[last])
    return float((levels[first - 1] + levels[last]) / 2)  # every t in (levels[first - 1], levels[last]]


@dataclass(frozen=True)
class _Patient:
    ratings: np.ndarray  # one per finding, -inf when unmarked
    false_spots: list  # per view, the ratings of its false spots

    @property
    def highest_false(self) -> np.ndarray:
        return np.array([spots.max() if spots.size else -np.inf for spots in self.false_spots])


def _patients(scores) -> dict[str, _Patient]:
    """A method's marks per patient from its MethodScores (lesion rows, view rows' false-spot ratings)."""
    out = {}
    for key in dict.fromkeys(row["patient"] for row in scores.views):
        ratings = [r["observer_score"] for r in scores.lesions if r["patient"] == key]
        views = [np.asarray(r["false_spot_scores"], np.float64) for r in scores.views if r["patient"] == key]
        out[key] = _Patient(np.array([x if x > 0 else -np.inf for x in ratings], np.float64), views)
    return out


def _pooled(patients: dict, keys) -> tuple[np.ndarray, np.ndarray]:
    """Findings' ratings and views' highest false-spot ratings of ``keys``, pooled."""
    ratings = np.concatenate([patients[k].ratings for k in keys] or [np.zeros(0)])
    highest = np.concatenate([patients[k].highest_false for k in keys] or [np.zeros(0)])
    return ratings, highest


def _figures(patients: dict, keys, thresholds: dict) -> np.ndarray:
    """(AFROC area, findings localised, false spots per view, views with a false spot) of ``keys``, each
    patient at its half's threshold."""
    ratings, highest = _pooled(patients, keys)
    at = [(patients[k], thresholds[k]) for k in keys]
    found = np.concatenate([p.ratings >= t for p, t in at] or [np.zeros(0)])
    spots = [int(np.sum(s >= t)) for p, t in at for s in p.false_spots]
    views_with = [bool(np.any(s >= t)) for p, t in at for s in p.false_spots]
    return np.array([afroc_area(ratings, highest), _share(found), _share(spots), _share(views_with)])


FIGURES = ("afroc_area", "findings_localised", "false_spots_per_view", "views_with_false_spot")


def search_rows(all_scores: dict, seed: int = 0, resamples: int = 2000) -> list[dict]:
    """Per method (with truth): the AFROC area and the cross-fitted operating point, with 95 % intervals."""
    rows = []
    for name, scores in all_scores.items():
        patients = _patients(scores)
        keys = sorted(patients)
        halves = [keys[0::2], keys[1::2]]
        thresholds = {}
        for tune_on, use_on in ((halves[1], halves[0]), (halves[0], halves[1])):
            ratings, highest = _pooled(patients, tune_on)
            threshold = operating_threshold(ratings, highest)
            thresholds.update({key: threshold for key in use_on})
        rng = np.random.default_rng(seed)
        boot = np.array([_figures(patients, rng.choice(keys, len(keys)), thresholds) for _ in range(resamples)])
        row = {"group": name, "patients": len(keys), "findings": int(sum(p.ratings.size for p in patients.values()))}
        row["thresholds"] = " / ".join(f"{thresholds[h[0]]:.2f}" for h in halves if h)
        point = _figures(patients, keys, thresholds)
        for k, figure in enumerate(FIGURES):
            row[figure] = float(point[k])
            row[f"{figure}_low"], row[f"{figure}_high"] = np.nanpercentile(boot[:, k], [2.5, 97.5]).tolist()
        rows.append(row)
    return rows
