"""What a training run measures at every validation: image quality, count fidelity and created hot spots.

- :class:`Validator`: PSNR/SSIM of the network output and of the raw (count-scaled) input on the validation
  split, in counts, against the target scan and, on phantom cohorts, against the noiseless truth with count
  fidelity (lowcount.evaluate.counts.fidelity).
- :class:`LesionFreeCheck`: the validation patients of a small cohort give few views (8 for 4 patients),
  too few to see a hot spot that a generator creates once in 20 views. ``train.lesion_free_seeds`` adds
  phantom patients with every lesion and artefact removed (lowcount.phantom.patient.lesion_free_scans),
  simulated once when training starts; each validation enhances their fast scans as ``lowcount enhance``
  would and counts, per view, the hot spots above a standard scan's noise envelope and those the raw fast
  scan does not explain, exactly as ``lowcount bench hot-spots`` does (lowcount.evaluate.counts). Those
  seeds then take part in choosing the exported checkpoint (lowcount.train.selection), so a later benchmark
  must use other seeds.

Both are called with the training method (anything with ``predict(x)`` and ``inference_net()``) and return
a flat dict of floats; :func:`joined` runs several as one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lowcount.evaluate.counts import fidelity, hot_spots_per_view
from lowcount.evaluate.metrics import psnr, ssim


class Validator:
    """PSNR/SSIM of the network output and of the raw (count-scaled) input, in counts.

    Scored against the target scan (keys ``psnr``, ``ssim``; the raw input ``input_psnr``...) and, when the
    items carry the phantom's noiseless truth, against it too (``truth_psnr``, ``input_truth_psnr``...).
    With the truth come count-fidelity figures (lowcount.evaluate.counts.fidelity: lesion max/mean ratios,
    bone and soft-tissue recovery, invented hot spots and, for the network output, ``created_hot_spots``:
    those the count-scaled input does not explain; a mean over images, hot spots per image).
    The data range of each image is the reference's maximum. PSNR leaves out the bladder (when the data
    config excludes it) and the padding; SSIM is taken over the whole image. Results are means over
    validation images.

    Args:
        data: validation items (lowcount.data.paired.PairedScans with ``train=False``).
    """

    def __init__(self, data) -> None:
        self.items = [data[i] for i in range(len(data))]
        self.baseline = self._score([item["input"][0] for item in self.items], against_input=False)

    def _score(self, outputs: list[np.ndarray], against_input: bool = True) -> dict[str, float]:
        scores: dict[str, list[float]] = {}
        for out, item in zip(outputs, self.items, strict=True):
            unit = float(item["counts_per_unit"])
            mask = item["weight"][0] > 0
            if "truth" in item:
                truth, labels = item["truth"][0] * unit, item["labels"][0]
                bladder = (item["weight"][0] == 0) & (truth > 0)
                scan = item["input"][0] * unit if against_input else None
                for key, value in fidelity(np.clip(out, 0, None) * unit, truth, labels, bladder, scan).items():
                    scores.setdefault(key, []).append(value)
            for prefix, key in (("", "target"), ("truth_", "truth")):
                if key not in item:
                    continue
                reference = item[key][0] * unit
                data_range = float(reference.max())
                scores.setdefault(f"{prefix}psnr", []).append(psnr(out * unit, reference, data_range, mask))
                scores.setdefault(f"{prefix}ssim", []).append(ssim(out * unit, reference, data_range))
        return {k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for k, v in scores.items()}

    def __call__(self, method) -> dict[str, float]:
        import torch

        outputs = [method.predict(torch.from_numpy(item["input"][None]))[0, 0].cpu().numpy() for item in self.items]
        scores = self._score(outputs)
        return {**scores, **{f"input_{k}": v for k, v in self.baseline.items()}}


class LesionFreeCheck:
    """Callable on a training method: hot spots per view on the lesion-free patients of ``seeds``.

    Args:
        seeds: phantom seeds (each one patient, two views).
        speed_factor: k of the simulated fast scans (the model's input), > 1.
        enhancer_for: gives, for the method, what enhances whole scans as ``lowcount enhance`` does (an
            ``enhance(counts, speed_factor)`` object around its inference network).
    """

    def __init__(self, seeds: tuple[int, ...], speed_factor: float, enhancer_for: Callable) -> None:
        from lowcount.phantom.patient import lesion_free_scans

        if not speed_factor > 1:
            raise ValueError(
                "train.lesion_free_seeds needs fast scans to enhance, but the input's speed factor is "
                f"{speed_factor:g}; leave lesion_free_seeds empty for this data.pairs"
            )
        self.speed_factor, self.enhancer_for = float(speed_factor), enhancer_for
        self.studies = [(seed, *lesion_free_scans(seed, self.speed_factor)) for seed in seeds]

    def __call__(self, method) -> dict[str, float]:
        net = method.inference_net()
        was_training = net.training
        net.eval()
        try:
            rows = hot_spots_per_view(self.enhancer_for(method), self.studies, self.speed_factor)
        finally:
            net.train(was_training)
        return {
            "lesion_free_hot_spots": sum(r["enhanced"] for r in rows) / len(rows),
            "lesion_free_created_hot_spots": sum(r["created"] for r in rows) / len(rows),
        }


def joined(*checks: Callable) -> Callable:
    """One validation that runs ``checks`` in turn and merges their metrics."""

    def validate(method) -> dict[str, float]:
        return {key: value for check in checks for key, value in check(method).items()}

    return validate
