"""Run a trained model on whole-body scans: counts in, standard-level counts out.

Each view is scaled as in training (lowcount.data.normalise: the input times its speed factor k over
its mean counts), padded to the model's stride, enhanced whole when it has at most ``max_pixels``
pixels or else in overlapping tiles blended with ramps that ignore each tile's padded border (no
seams), cropped back, and turned into counts at the standard scan's level (x times counts_per_unit),
clipped at 0. Networks with instance
normalisation see per-tile statistics when tiled, so whole-image inference is preferred.

Precision: ``fp32``, ``bf16`` (autocast) or ``auto`` = bf16 where the hardware has native bf16 (CUDA, or a
CPU with AVX-512 BF16 or AMX), else fp32.

A model trained with a count-level channel (``data.level_channel`` in its sidecar) gets the view's count
level (lowcount.data.normalise.count_level) as a constant second channel. Test-time augmentation
(``tta``) averages the network's outputs over the transforms it was trained to ignore: ``flip`` (left-right
mirror, two passes) and ``shift`` (the image moved by half the model's stride in rows and columns, two
passes, which averages out the pooling grid); both together make four passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

PRECISIONS = ("auto", "fp32", "bf16")
TTA_MODES = ("flip", "shift")


def _ramp(n: int, overlap: int, before: bool, after: bool) -> np.ndarray:
    """1-D blending weights of a tile: on sides shared with a neighbour, zero over the first quarter of
    the overlap (where zero padding disturbs the output) and a linear ramp over the rest."""
    w = np.ones(n, np.float32)
    dead = overlap // 4
    edge = np.concatenate(
        [np.zeros(dead, np.float32), (np.arange(overlap - dead, dtype=np.float32) + 1) / (overlap - dead + 1)]
    )
    if before and overlap > 0:
        w[:overlap] = edge
    if after and overlap > 0:
        w[-overlap:] = np.minimum(w[-overlap:], edge[::-1])
    return w


def _starts(size: int, tile: int, step: int) -> list[int]:
    if size <= tile:
        return [0]
    starts = list(range(0, size - tile, step)) + [size - tile]
    return sorted(set(starts))


@dataclass
class Enhancer:
    """A loaded model ready to enhance scans.

    Attributes:
        net: the network (eval mode) on ``device``.
        meta: its sidecar (model name and arguments, normalisation, training data).
        device: where it runs.
        precision: ``fp32`` or ``bf16`` after resolving ``auto``.
        max_pixels: larger (padded) images are tiled.
        tile: tile size (rows, cols), multiples of the model's stride.
        overlap: rows/cols shared by neighbouring tiles.
        tta: test-time augmentations, a subset of ``TTA_MODES``.
    """

    net: object
    meta: dict
    device: str
    precision: str
    max_pixels: int = 4_000_000
    tile: tuple[int, int] = (256, 256)
    overlap: int = 32
    tta: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.tta) - set(TTA_MODES)
        if unknown:
            raise ValueError(f"tta must be a subset of {TTA_MODES}, got {sorted(unknown)}")

    @classmethod
    def load(cls, weights: str | Path, device: str | None = None, precision: str = "auto", **kwargs) -> Enhancer:
        """The model in ``weights`` on ``device``; ``kwargs``: the other fields (tiling, ``tta``)."""
        from lowcount.device import bf16_native, pick_device
        from lowcount.models.weights import load_weights, resolve_weights

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        device = pick_device(device)
        net, meta = load_weights(resolve_weights(weights), device)
        if precision == "auto":
            precision = "bf16" if bf16_native(device) else "fp32"
        return cls(net, meta, device, precision, **kwargs)

    @property
    def stride(self) -> int:
        return int(getattr(self.net, "stride", 1))

    @property
    def speed_factor(self) -> float | None:
        value = self.meta.get("speed_factor")
        return float(value) if value is not None else None

    @property
    def level_channel(self) -> bool:
        return bool(self.meta.get("data", {}).get("level_channel", False))

    def _run(self, x: np.ndarray, level: float | None) -> np.ndarray:
        import torch

        from lowcount.device import autocast

        layers = [x] if level is None else [x, np.full_like(x, level)]
        batch = torch.from_numpy(np.ascontiguousarray(np.stack(layers)))[None].to(self.device)
        with torch.no_grad(), autocast(self.device, "bf16" if self.precision == "bf16" else "none"):
            out = self.net(batch)
        return out.float()[0, 0].cpu().numpy()

    def predict(self, x: np.ndarray, tiled: bool | None = None, level: float | None = None) -> np.ndarray:
        """Network output for one normalised (rows, cols) image whose sides are multiples of the stride,
        averaged over the test-time augmentations; ``level``: the count level, for models that take it."""
        if x.ndim != 2:
            raise ValueError(f"predict takes one (rows, cols) image, got shape {x.shape}")
        if self.level_channel and level is None:
            raise ValueError("this model takes the scan's count level (data.level_channel): give predict a level")
        level = level if self.level_channel else None
        rows, cols = x.shape
        flips = (False, True) if "flip" in self.tta else (False,)
        offsets = (0, self.stride // 2) if "shift" in self.tta and self.stride > 1 else (0,)
        total = np.zeros(x.shape, np.float32)
        for flip in flips:
            mirrored = x[:, ::-1] if flip else x
            for offset in offsets:
                pad = ((offset, self.stride - offset),) * 2 if offset else ((0, 0), (0, 0))
                out = self._predict_once(np.pad(mirrored, pad), tiled, level)
                out = out[offset : offset + rows, offset : offset + cols]
                total += out[:, ::-1] if flip else out
        return total / np.float32(len(flips) * len(offsets))

    def _predict_once(self, x: np.ndarray, tiled: bool | None, level: float | None) -> np.ndarray:
        if tiled is None:
            tiled = x.size > self.max_pixels
        if not tiled:
            return self._run(x, level)
        th, tw = (min(t, s) for t, s in zip(self.tile, x.shape, strict=True))
        if th % self.stride or tw % self.stride:
            raise ValueError(f"tile {self.tile} must be a multiple of the model's stride {self.stride}")
        out = np.zeros(x.shape, np.float32)
        weight = np.zeros(x.shape, np.float32)
        overlap = min(self.overlap, th // 2, tw // 2)
        rows, cols = _starts(x.shape[0], th, th - overlap), _starts(x.shape[1], tw, tw - overlap)
        for r in rows:
            wr = _ramp(th, overlap, r > 0, r + th < x.shape[0])
            for c in cols:
                ramp = np.outer(wr, _ramp(tw, overlap, c > 0, c + tw < x.shape[1]))
                out[r : r + th, c : c + tw] += self._run(x[r : r + th, c : c + tw], level) * ramp
                weight[r : r + th, c : c + tw] += ramp
        return out / np.maximum(weight, 1e-12)

    def enhance(self, counts: np.ndarray, speed_factor: float | None = None, tiled: bool | None = None) -> np.ndarray:
        """Enhanced counts at the standard level for (rows, cols) or (views, rows, cols) input counts.

        Args:
            counts: acquired counts of the fast (or low-count) scan.
            speed_factor: k of the input; default: the one the model was trained for.
            tiled: force (True) or forbid (False) tiling; None decides by ``max_pixels``.
        """
        from lowcount.data.geometry import fit
        from lowcount.data.normalise import count_level, count_scale

        spatial_dims = int(getattr(self.net, "spatial_dims", 2))
        if self.meta.get("volume"):
            raise ValueError(f"model {self.meta.get('model')!r} was trained on CT volumes; give it .nii.gz volumes")
        if spatial_dims != 2:
            raise ValueError(f"model {self.meta.get('model')!r} is {spatial_dims}-D; whole-body scans need a 2-D model")
        counts = np.asarray(counts, np.float32)
        if counts.ndim not in (2, 3):
            raise ValueError(f"counts must be (rows, cols) or (views, rows, cols), got shape {counts.shape}")
        k = speed_factor or self.speed_factor or 1.0
        data = self.meta.get("data", {})
        views = counts.reshape(-1, *counts.shape[-2:])
        out = np.zeros_like(views)
        for v, view in enumerate(views):
            scale = count_scale(view, k, data.get("normalisation", "mean"), data.get("fixed_counts_per_unit"))
            placement = fit(view, target_shape=None, stride=self.stride, crop_border=False)
            x = placement.apply(scale.to_x(view))
            predicted = self.predict(x, tiled, count_level(scale))
            out[v] = np.clip(scale.standard_counts(placement.restore(predicted)), 0.0, None)
        return out.reshape(counts.shape)
