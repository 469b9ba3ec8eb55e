"""Paired (input, target) training and validation samples from a cohort manifest.

Datasets here are plain map-style objects (``__len__`` and ``__getitem__``) that PyTorch's DataLoader
takes as they are; items are dicts of float32 numpy arrays, so this module does not import torch.
Every random choice comes from ``numpy.random.default_rng([seed, epoch, index])``: an item is the same
whichever worker or process draws it, which makes resumed and distributed training reproducible.
Call ``set_epoch`` at the start of each epoch.

Patients are selected by the manifest's split, or, with ``fold`` given, by 5-fold cross-validation over
the non-test patients (lowcount.io.manifest.select_patients).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lowcount.data.augment import crop, sample_augmentation, sample_patch_corner
from lowcount.data.bladder import bladder_mask
from lowcount.data.config import VIEW_INDEX, DataConfig
from lowcount.data.degrade import emanet_noise, random_emanet_level, thin
from lowcount.data.geometry import fit
from lowcount.data.normalise import count_level, count_scale
from lowcount.data.registration import register
from lowcount.data.sources import read_row_truth, read_views
from lowcount.io.manifest import by_patient, read_manifest, select_patients


@dataclass
class _Pair:
    fast: np.ndarray  # (rows, cols) counts as acquired
    target: np.ndarray  # warped onto the fast scan when registered
    speed_factor: float
    mask: np.ndarray  # bladder, bool
    truth: np.ndarray | None = None  # noiseless expected counts the input stands for (see PairedScans)
    labels: np.ndarray | None = None  # lesion ids of that acquisition (0 = no lesion)


class PairedScans:
    """(input, target) samples, one per patient and view.

    Each item is a dict: ``input`` and ``target`` (1, h, w) float32 in network units (target on the
    input's scale, see lowcount.data.normalise; with ``cfg.level_channel`` the input is (2, h, w), its second
    channel the count level, lowcount.data.normalise.count_level), ``weight`` (1, h, w) float32 (0 on the bladder when
    excluded), and ``counts_per_unit`` (the scale that turns network units back into counts).

    Args:
        manifest: path of manifest.csv.
        role: ``train``, ``val`` or ``test``.
        cfg: the data settings.
        fold: cross-validation fold, or None to use the manifest's split.
        seed: seed of every random choice.
        train: True samples patches and augments; False gives whole images on the network grid.
        with_truth: also return ``truth``, the phantom's noiseless expected counts at the standard level of
            the acquisition the input comes from, in network units, and ``labels``, its lesion ids (manifests
            from ``lowcount simulate``): for acquired pairs k x the fast scan's truth, in the fast scan's own
            geometry like the input (a later scan has its own motion and tracer distribution, so the standard
            scan's truth would count every moved limb as an error); for pairs made from the target, the
            target's truth.
    """

    def __init__(
        self,
        manifest: str | Path,
        role: str,
        cfg: DataConfig,
        fold: int | None = None,
        seed: int = 0,
        train: bool | None = None,
        with_truth: bool = False,
    ) -> None:
        rows = read_manifest(manifest)
        self.cfg, self.with_truth = cfg, with_truth
        self.seed = seed
        self.epoch = 0
        self.train = (role == "train") if train is None else train
        self.patients = select_patients(rows, role, fold)
        if not self.patients:
            raise ValueError(f"{manifest}: no patients for role {role!r} (fold {fold}); simulate a larger cohort")
        grouped = by_patient(rows)
        self.items: list[_Pair] = []
        for pid in self.patients:
            scans = grouped[pid]
            for name in {cfg.target} | ({cfg.fast} if cfg.pairs == "acquired" else set()):
                if name not in scans:
                    raise ValueError(
                        f"{manifest}: a patient has no {name!r} acquisition; "
                        f"check data.fast / data.target against the manifest"
                    )
            target = read_views(scans[cfg.target])
            fast = read_views(scans[cfg.fast]) if cfg.pairs == "acquired" else None
            k = scans[cfg.fast]["speed_factor"] if cfg.pairs == "acquired" else cfg.thin_factor
            truth, labels = None, None
            if with_truth:  # the truth of the acquisition the input comes from, at the standard level
                truth, labels = read_row_truth(scans[cfg.fast if fast is not None else cfg.target], manifest)
                if fast is not None:
                    truth = truth * np.float32(k)
            for view in cfg.views:
                v = VIEW_INDEX[view]
                target_view = target[v]
                if fast is not None and cfg.register:
                    target_view, _ = register(fast[v], target[v])
                pair = _Pair(None if fast is None else fast[v], target_view, float(k), bladder_mask(target_view))
                if truth is not None:
                    pair.truth, pair.labels = truth[v], labels[v]
                self.items.append(pair)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @property
    def _repeats(self) -> int:
        return self.cfg.patches_per_image if self.train and self.cfg.patch is not None else 1

    def __len__(self) -> int:
        return len(self.items) * self._repeats

    def _thin_factor(self, rng: np.random.Generator) -> float:
        """k of a thinned or split sample: ``cfg.thin_factor``, or log-uniform in ``cfg.thin_factor_range``."""
        if self.cfg.thin_factor_range is None:
            return self.cfg.thin_factor
        low, high = np.log(self.cfg.thin_factor_range)
        return float(np.exp(rng.uniform(low, high)))

    def _counts(self, pair: _Pair, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
        """(input counts, target counts, k) of one sample."""
        cfg = self.cfg
        if cfg.pairs == "acquired":
            return pair.fast, pair.target, pair.speed_factor
        if cfg.pairs == "thinned":
            k = self._thin_factor(rng)
            return thin(pair.target, k, rng), pair.target, k
        if cfg.pairs == "split":
            k = self._thin_factor(rng)
            fast = thin(pair.target, k, rng)
            return fast, (pair.target - fast) * np.float32(k / (k - 1.0)), k
        if cfg.pairs == "self":
            return pair.target, pair.target, 1.0
        return emanet_noise(pair.target, random_emanet_level(rng), rng), pair.target, 1.0

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        cfg = self.cfg
        pair = self.items[index // self._repeats]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        fast, target, k = self._counts(pair, rng)
        scale = count_scale(fast, k, cfg.normalisation, cfg.fixed_counts_per_unit)
        if cfg.consistency == "total":
            target = target * np.float32(k * fast.sum(dtype=np.float64) / max(target.sum(dtype=np.float64), 1e-9))
        weight = np.ones_like(target, dtype=np.float32)
        if cfg.exclude_bladder:
            weight[pair.mask] = 0.0
        layers = [scale.to_x(fast), target / np.float32(scale.counts_per_unit), weight]
        if self.with_truth:
            layers += [pair.truth / np.float32(scale.counts_per_unit), pair.labels.astype(np.float32)]
        stack = np.stack(layers).astype(np.float32)
        if self.train:
            stack = sample_augmentation(rng, cfg.flip_probability, cfg.max_shift_px).apply(stack)
            if cfg.patch is not None:
                stack = crop(stack, sample_patch_corner(rng, stack[1], cfg.patch), cfg.patch)
        else:
            placement = fit(stack[1], cfg.target_shape, cfg.stride, crop_border=False)
            stack = placement.apply(stack)
        image = stack[0:1]
        if cfg.level_channel:
            image = np.concatenate([image, np.full_like(image, count_level(scale))])
        item = {
            "input": np.ascontiguousarray(image),
            "target": np.ascontiguousarray(stack[1:2]),
            "weight": np.ascontiguousarray(stack[2:3]),
            "counts_per_unit": np.float32(scale.counts_per_unit),
        }
        if self.with_truth:
            item["truth"] = np.ascontiguousarray(stack[3:4])
            item["labels"] = np.rint(stack[4:5]).astype(np.int32)
        return item
