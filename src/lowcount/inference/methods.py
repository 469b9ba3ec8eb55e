"""Choosing what enhances (a trained model, a shipped model or a classical filter) and running it on studies.

- :func:`load_enhancer`: what ``lowcount enhance`` runs: a run folder, a weights file or a shipped model's
  name, or a classical filter with parameters from a ``lowcount tune`` card and/or given directly.
- :func:`enhance_studies`: one enhancer's images of a set of studies, as a report method.
- :func:`shipped_comparison`: the comparison ``lowcount demo`` and ``lowcount bench quality`` report: the raw
  fast scans, each model, each shipped classical filter, the standard scans and the standard scans after
  their best shipped filter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from lowcount.classical.enhancer import ClassicalEnhancer
from lowcount.evaluate.method import Method, raw_fast, standard_scans
from lowcount.inference.enhancer import Enhancer


def load_enhancer(
    model: str | Path | None = None,
    method: str | None = None,
    card: str | Path | None = None,
    params: dict | None = None,
    anscombe: bool = False,
    device: str | None = None,
    precision: str = "auto",
    tile_px: int | None = None,
    tta: tuple[str, ...] = (),
) -> Enhancer | ClassicalEnhancer:
    """A trained network (``model``: run folder, .safetensors file or shipped name; default the shipped
    ``se_unet``; ``tta``: its test-time augmentations) or a classical filter (``method``, with ``params`` over
    those of the ``card``).

    Raises:
        ValueError: both a model and a method, a card for another method, bad parameters or weights.
    """
    from lowcount import shipped

    if model is not None and method is not None:
        raise ValueError("give either --model (a trained network) or --method (a classical filter), not both")
    if method is not None and tta:
        raise ValueError("test-time augmentation (--tta) applies to a model, not to a classical filter")
    if method is not None:
        if card is None:
            return ClassicalEnhancer(method, dict(params or {}), anscombe)
        loaded = ClassicalEnhancer.load(card)
        if loaded.method != method:
            raise ValueError(f"{card}: the card is for {loaded.method!r}, not --method {method}")
        return ClassicalEnhancer(method, {**loaded.params, **(params or {})}, loaded.anscombe, loaded.card)
    if model is None:
        model = shipped.model_weights(shipped.DEFAULT_MODEL)
    elif str(model) in shipped.MODELS and not Path(model).exists():
        model = shipped.model_weights(str(model))
    tiling = {"tile": (tile_px, tile_px), "max_pixels": 0} if tile_px else {}
    return Enhancer.load(model, device, precision, tta=tuple(tta), **tiling)


def enhance_studies(
    studies: list, enhancer: Enhancer | ClassicalEnhancer, twins: list | None = None
) -> tuple[Method, float]:
    """(the enhanced fast scans of ``studies`` as a report method, with those of their lesion-absent
    ``twins`` when given; seconds per study, twins not counted)."""
    started = time.perf_counter()
    images = {s.key: enhancer.enhance(s.fast_counts, s.speed_factor) for s in studies}
    seconds = (time.perf_counter() - started) / len(studies)
    twin_images = {t.key: enhancer.enhance(t.fast_counts, t.speed_factor) for t in twins or ()}
    return Method(images, "fast", dict(enhancer.meta), twin_images), seconds


def shipped_comparison(
    studies: list,
    models: dict[str, Path],
    precision: str = "auto",
    say: Callable[[str], None] = lambda _: None,
    twins: list | None = None,
) -> tuple[dict[str, Method], dict[str, float]]:
    """The raw fast scans, each model of ``models`` ({label: weights}), each shipped classical filter, the
    standard scans and the standard scans after their best shipped filter; and each model's seconds per
    study. ``say`` hears one line per model. With ``twins`` (lowcount.evaluate.twins) every method also
    makes its images of the lesion-absent twins, for the channelized Hotelling observer."""
    from lowcount import shipped

    methods = {"fast 3x (raw)": raw_fast(studies, twins)}
    seconds = {}
    for label, weights in models.items():
        enhancer = Enhancer.load(weights, precision=precision)
        methods[label], seconds[label] = enhance_studies(studies, enhancer, twins)
        say(f"  {label}: {seconds[label]:.2f} s per study ({enhancer.precision})")
    for name in shipped.CLASSICAL:
        enhancer = ClassicalEnhancer.load(shipped.classical_card(name))
        methods[enhancer.label], _ = enhance_studies(studies, enhancer, twins)
    methods["standard"] = standard_scans(studies, twins)
    best = ClassicalEnhancer.load(shipped.best_standard_filter())
    filtered = {s.key: best.enhance(s.standard_counts, 1.0) for s in studies}
    twin_filtered = {t.key: best.enhance(t.standard_counts, 1.0) for t in twins or ()}
    methods[f"standard + {best.label}"] = Method(filtered, "standard", dict(best.meta), twin_filtered)
    return methods, seconds
