"""``lowcount evaluate``: score a cohort's raw fast scans, prediction folders and standard scans in one report.

On phantom cohorts (truth files) the standard scans are a method too and the lesion observer's threshold
is fixed on the validation split's standard scans unless given; on a site's own scans (no truth) everything
is compared with the standard scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lowcount.evaluate.method import Method, raw_fast, standard_scans


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate_cohort` wrote: the headline numbers per method, whether the cohort had truth,
    and the report page."""

    headline: dict[str, dict]
    with_truth: bool
    report: Path


def parse_predictions(items: list[str], fast: str = "fast3x") -> dict[str, Path]:
    """``NAME=DIR`` (or ``DIR``, named after its folder) items as {name: folder}; names must be unique and
    not those of the report's own rows (the raw fast scans, ``standard``)."""
    out: dict[str, Path] = {}
    for item in items:
        name, sep, folder = item.partition("=")
        name, folder = (name, folder) if sep else (Path(item).name, item)
        if name in out or name in ("standard", f"{fast} (raw)"):
            raise ValueError(f"--pred {item}: the name {name!r} is taken; use NAME=DIR")
        out[name] = Path(folder)
    return out


def evaluate_cohort(
    manifest: str | Path,
    predictions: dict[str, Path],
    out: str | Path,
    split: str = "test",
    fast: str = "fast3x",
    feature_net: str | Path | None = None,
    threshold: float | None = None,
    inception_weights: str | Path | None = None,
    rois: str | Path | None = None,
    no_truth: bool = False,
    segmenter: str | Path | None = None,
) -> Evaluation:
    """Write the report of ``split`` into ``out`` (see the module docstring).

    Args:
        manifest: the cohort's manifest.csv or folder (``lowcount simulate`` or ``lowcount index``).
        predictions: {name: folder of enhanced images of the split's fast scans} (lowcount.evaluate.predictions).
        feature_net: domain feature network weights, for LPIPS and FID (None: those columns are n/a).
        threshold: the observer's threshold (None: 0.1 false spots per view on the val split's standard scans).
        inception_weights: pytorch-fid's Inception file, for a standard FID column.
        rois: a CSV of circular regions of interest (lowcount.evaluate.rois).
        no_truth: score against the standard scans only, even where the manifest names truth files.
        segmenter: a trained lesion segmenter (run folder or weights of a ``lesion_unet``) that scores every
            method by lesion segmentation (lowcount.evaluate.segmentation).
    """
    from lowcount.evaluate.features import load_feature_network
    from lowcount.evaluate.predictions import load_predictions
    from lowcount.evaluate.report import write_report
    from lowcount.evaluate.rois import load_rois
    from lowcount.evaluate.scoring import standard_threshold
    from lowcount.evaluate.studies import load_studies
    from lowcount.evaluate.twins import lesion_absent_twins

    studies = load_studies(manifest, split, fast, no_truth=no_truth)
    with_truth = all(s.has_truth for s in studies)
    twins = lesion_absent_twins(studies) if with_truth else None
    methods: dict[str, Method] = {f"{fast} (raw)": raw_fast(studies, twins)}
    for name, folder in predictions.items():
        methods[name] = Method(load_predictions(folder, studies), "fast", {"predictions": str(folder)})
    note = "given on the command line"
    if with_truth:
        methods["standard"] = standard_scans(studies, twins)
        if threshold is None:
            threshold = standard_threshold(load_studies(manifest, "val", fast))
            note = "at most 0.1 false spots per view on the validation split's standard scans"
    network = load_feature_network("domain", feature_net) if feature_net is not None else None
    inception = load_feature_network("inception", inception_weights) if inception_weights is not None else None
    roi_sets = load_rois(rois, studies) if rois is not None else None
    meta = {"manifest": str(manifest), "split": split, "fast": fast}
    segmentation_net = _load_segmenter(segmenter) if segmenter is not None else None
    headline = write_report(
        studies,
        methods,
        out,
        network,
        threshold,
        note,
        meta,
        inception=inception,
        rois=roi_sets,
        segmenter=segmentation_net,
    )
    return Evaluation(headline, with_truth, Path(out) / "index.html")


def _load_segmenter(weights: str | Path):
    """The lesion segmenter in ``weights`` (a run folder or a weights file), on the CPU, in eval mode."""
    from lowcount.models.weights import load_weights, resolve_weights

    path = resolve_weights(weights)
    net, meta = load_weights(path)
    if meta["model"] != "lesion_unet":
        raise ValueError(
            f"{path}: --segmenter needs a lesion_unet (lowcount train lesion_segmentation), got {meta['model']!r}"
        )
    return net.eval()
