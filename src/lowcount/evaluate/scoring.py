"""Score one method's images of a set of studies: image metrics, count fidelity and the lesion observer.

A *method* is anything that produced one (views, rows, cols) image per study at the standard scan's
count level: the raw fast scan times k, a classical filter, a trained model, or the standard scan itself
(``kind="standard"``). Images derived from the fast scan are scored against the standard scan (what the
papers do: misaligned by motion and noisy) and against the fast acquisition's own truth times k; the
standard scan is scored against its own truth.

Per view: PSNR, SSIM, MS-SSIM, RMSE, MAE, NRMSE in the body without the bladder
(lowcount.evaluate.counts.scoring_mask; data range = the reference's maximum there), LPIPS over the whole
view when a feature network is given, the ratio of total counts to the truth's, recovery per region,
invented hot spots (noise-envelope test) and the observer's false positives. Per finding: maximum and
mean counts vs the truth's and the observer's score in the image and in the truth. Per patient: the
observer's best score and whether the patient has a malignant finding.

Without truth (a site's own scans, indexed by ``lowcount index``) only the comparison with the standard scan
is possible: the image metrics against it, the ratio of total counts to its total, and, when the user gave
an ROI file (lowcount.evaluate.rois), maximum and mean counts per ROI in the image and in the standard scan.
ROIs are measured on phantom cohorts too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lowcount.evaluate.diagnosis import ObserverConfig

METRICS = ("psnr", "ssim", "ms_ssim", "rmse", "mae", "nrmse", "lpips")


@dataclass
class MethodScores:
    """Rows of per-view, per-finding and per-patient results of one method (plain dicts, CSV-ready)."""

    name: str
    views: list[dict] = field(default_factory=list)
    lesions: list[dict] = field(default_factory=list)
    patients: list[dict] = field(default_factory=list)
    false_positive_scores: list[float] = field(default_factory=list)
    rois: list[dict] = field(default_factory=list)


class ReferenceCache:
    """What scoring derives from a reference view alone (mask, data range, LPIPS features, the observer's
    reading of the truth), computed once and shared by every method scored against it with the same
    feature ``network`` and ``observer``."""

    def __init__(self, network=None, observer: ObserverConfig = ObserverConfig()) -> None:
        self.network, self.observer = network, observer
        self._items: dict[tuple, object] = {}

    def get(self, key: tuple, make):
        if key not in self._items:
            self._items[key] = make()
        return self._items[key]

    def reference(self, key: tuple, reference: np.ndarray, bladder: np.ndarray, labels=None) -> dict:
        """Mask and LPIPS features of a reference view; for a truth (``labels`` given) also the observer's
        lesion-free background and its reading of the truth itself."""
        from lowcount.evaluate.counts import scoring_mask
        from lowcount.evaluate.diagnosis import lesion_free_background, read_view
        from lowcount.evaluate.features import lpips_reference

        def make() -> dict:
            mask = scoring_mask(reference, bladder)
            features = lpips_reference(reference, self.network) if self.network is not None else None
            side = {"mask": mask, "lpips": features}
            if labels is not None:
                side["background"] = lesion_free_background(reference, labels, self.observer.margin_px)
                side["reading"] = read_view(
                    reference, reference, labels, side["mask"], self.observer, side["background"]
                )
            return side

        return self.get(key, make)


def image_metrics(
    image: np.ndarray, reference: np.ndarray, mask: np.ndarray, network=None, lpips_reference=None
) -> dict[str, float]:
    from lowcount.evaluate import metrics

    data_range = float(reference[mask].max())
    out = {
        "psnr": metrics.psnr(image, reference, data_range, mask),
        "ssim": metrics.ssim(image, reference, data_range, mask),
        "ms_ssim": metrics.ms_ssim(image, reference, data_range),
        "rmse": metrics.rmse(image, reference, mask),
        "mae": metrics.mae(image, reference, mask),
        "nrmse": metrics.nrmse(image, reference, mask=mask),
    }
    if network is not None:
        from lowcount.evaluate.features import lpips

        out["lpips"] = lpips(image, reference, network, lpips_reference)
    return out


def _view_row(name: str, study, image: np.ndarray, v: int, against_standard: bool, cache: ReferenceCache) -> dict:
    """The per-view row, with the comparison against the standard scan when asked for."""
    row = {"method": name, "patient": study.key, "view": ("anterior", "posterior")[v] if v < 2 else str(v)}
    if against_standard:
        standard, bladder = study.standard_counts[v], study.standard_bladder[v]
        std = cache.reference((study.key, "standard", "scan", v), standard, bladder)
        metrics = image_metrics(image[v], standard, std["mask"], cache.network, std["lpips"])
        row.update({f"standard_{k}": x for k, x in metrics.items()})
        row["standard_total_counts_ratio"] = float(image[v].sum() / standard.sum())
    return row


def _score_against_truth(scores: MethodScores, study, image: np.ndarray, kind: str, cache: ReferenceCache) -> None:
    """Every view of one study against its truth: image metrics, recovery, hot spots, the observer's reading
    and per-finding counts; the patient's best observer score."""
    from lowcount.evaluate.counts import invented_hot_spots, lesion_counts, recovery, region_masks, unexplained_by_input
    from lowcount.evaluate.diagnosis import read_view

    truth = study.fast_truth if kind == "fast" else study.standard_truth
    labels = study.fast_labels if kind == "fast" else study.standard_labels
    bladder = study.fast_bladder if kind == "fast" else study.standard_bladder
    best = 0.0
    for v in range(image.shape[0]):
        side = cache.reference((study.key, kind, "truth", v), truth[v], bladder[v], labels[v])
        row = _view_row(scores.name, study, image, v, kind == "fast", cache)
        truth_metrics = image_metrics(image[v], truth[v], side["mask"], cache.network, side["lpips"])
        row.update({f"truth_{k}": x for k, x in truth_metrics.items()})
        row["total_counts_ratio"] = float(image[v].sum() / truth[v].sum())
        rec = recovery(image[v], truth[v], region_masks(truth[v], labels[v], bladder[v]))
        row.update({f"recovery_{k}": val for k, val in rec.items()})
        spots = invented_hot_spots(image[v], truth[v], labels[v])
        row["hot_spots"] = len(spots)
        if kind == "fast":  # the input at the image's level explains kept hot spots
            scan = study.speed_factor * study.fast_counts[v].astype(np.float64)
            row["created_hot_spots"] = len(unexplained_by_input(spots, scan, truth[v]))
        reading = read_view(image[v], truth[v], labels[v], side["mask"], cache.observer, side["background"])
        row["observer_false_positives"] = int(reading.false_positive_scores.size)
        row["false_spot_scores"] = reading.false_positive_scores.tolist()  # for the search observer; not in CSVs
        scores.false_positive_scores += reading.false_positive_scores.tolist()
        best = max(best, reading.best_score)
        scores.views.append(row)
        for lesion in lesion_counts(image[v], truth[v], labels[v]):
            label = lesion["lesion_id"]
            scores.lesions.append(
                {
                    "method": scores.name,
                    "patient": study.key,
                    "view": row["view"],
                    "label": label,
                    "malignant": label in study.malignant_labels,
                    "truth_max_counts": lesion["truth_max_counts"],
                    "max_counts": lesion["max_counts"],
                    "truth_mean_counts": lesion["truth_mean_counts"],
                    "mean_counts": lesion["mean_counts"],
                    "observer_score": reading.lesion_scores.get(label, 0.0),
                    "truth_observer_score": side["reading"].lesion_scores.get(label, 0.0),
                }
            )
    scores.patients.append({"method": scores.name, "patient": study.key, "score": best, "malignant": study.malignant})


def score_method(
    name: str,
    images: dict[str, np.ndarray],
    studies: list,
    kind: str = "fast",
    network=None,
    observer: ObserverConfig = ObserverConfig(),
    cache: ReferenceCache | None = None,
    rois: dict | None = None,
) -> MethodScores:
    """Scores of ``images`` ({study key: (views, rows, cols) counts}) on ``studies``.

    Args:
        kind: ``fast`` for images made from the fast scan, ``standard`` for the standard scan itself (which
            needs truth to be scored).
        network, observer: the feature network (LPIPS) and the lesion observer.
        cache: share reference-side work between the methods of one report (made with the same network and
            observer).
        rois: {study key: [lowcount.evaluate.rois.Roi]} from an ROI file, or None.
    """
    from lowcount.evaluate.rois import roi_rows, view_shifts

    if kind not in ("fast", "standard"):
        raise ValueError(f"kind must be 'fast' or 'standard', got {kind!r}")
    cache = cache or ReferenceCache(network, observer)
    if cache.network is not network or cache.observer != observer:
        raise ValueError("the reference cache was made for another feature network or observer")
    scores = MethodScores(name)
    for study in studies:
        if study.key not in images:
            raise ValueError(f"method {name!r} has no image of study {study.key}")
        image = np.asarray(images[study.key], np.float64)
        scan = study.fast_counts if kind == "fast" else study.standard_counts
        if image.shape != scan.shape:
            raise ValueError(f"method {name!r}, study {study.key}: image {image.shape} vs scan {scan.shape}")
        if kind == "fast" and rois and rois.get(study.key):
            shifts = cache.get((study.key, "shifts"), lambda study=study: view_shifts(study))
            scores.rois += roi_rows(name, study, image, rois[study.key], shifts)
        if study.has_truth:
            _score_against_truth(scores, study, image, kind, cache)
        elif kind == "standard":
            raise ValueError(f"study {study.key} has no truth: the standard scan is the reference, not a method")
        else:
            scores.views += [_view_row(name, study, image, v, True, cache) for v in range(image.shape[0])]
    return scores


def standard_threshold(
    studies: list, false_spots_per_view: float = 0.1, observer: ObserverConfig = ObserverConfig()
) -> float:
    """The observer's operating threshold, fixed on standard scans (e.g. of the validation split) before the
    test split is scored: the lowest threshold at which those scans show at most ``false_spots_per_view``
    false spots per view (candidates away from every finding), i.e. a reader calibrated to standard scans."""
    scores = score_method("standard", {s.key: s.standard_counts for s in studies}, studies, "standard", None, observer)
    n_views = len(scores.views)
    allowed = int(np.floor(false_spots_per_view * n_views))
    ordered = np.sort(np.asarray(scores.false_positive_scores))[::-1]
    if ordered.size <= allowed:
        return float(observer.min_contrast)
    return float(np.nextafter(ordered[allowed], np.inf))
