"""Lesion-free phantom patients enhanced at every validation: the hot spots a model creates where nothing is.

The validation patients of a small cohort give few views (8 for 4 patients), too few to see a hot spot
that a generator creates once in 20 views. ``train.lesion_free_seeds`` adds phantom patients with every
lesion and artefact removed (lowcount.bench.lesion_free_study), simulated once when training starts; each
validation enhances their fast scans as ``lowcount enhance`` would and counts, per view, the focal maxima
above a standard scan's noise envelope (``lesion_free_hot_spots``) and those the raw fast scan does not
explain (``lesion_free_created_hot_spots``), exactly as ``lowcount bench hot-spots`` does. Those seeds then
take part in choosing the exported checkpoint (lowcount.train.selection), so a later benchmark must use
other seeds.
"""

from __future__ import annotations

from lowcount.bench import hot_spots_per_view, lesion_free_study


class LesionFreeCheck:
    """Callable on a training method: hot spots per view on the lesion-free patients of ``seeds``.

    Args:
        seeds: phantom seeds (each one patient, two views).
        speed_factor: k of the simulated fast scans (the model's input), > 1.
        data: the run's data section as plain data (its ``normalisation`` and ``fixed_counts_per_unit``).
        device: where the method's network is.
    """

    def __init__(self, seeds: tuple[int, ...], speed_factor: float, data: dict, device: str) -> None:
        if not speed_factor > 1:
            raise ValueError(
                "train.lesion_free_seeds needs fast scans to enhance, but the input's speed factor is "
                f"{speed_factor:g}; leave lesion_free_seeds empty for this data.pairs"
            )
        self.speed_factor, self.data, self.device = float(speed_factor), data, device
        self.studies = [(seed, *lesion_free_study(seed, self.speed_factor)) for seed in seeds]

    def __call__(self, method) -> dict[str, float]:
        from lowcount.inference import Enhancer

        net = method.inference_net()
        was_training = net.training
        net.eval()
        try:
            precision = "bf16" if method.cfg.amp == "bf16" else "fp32"
            enhancer = Enhancer(net, {"data": self.data}, str(self.device), precision)
            rows = hot_spots_per_view(enhancer, self.studies, self.speed_factor)
        finally:
            net.train(was_training)
        return {
            "lesion_free_hot_spots": sum(r["enhanced"] for r in rows) / len(rows),
            "lesion_free_created_hot_spots": sum(r["created"] for r in rows) / len(rows),
        }
