"""Unpaired training samples (fast scans of some patients, standard scans of others) for CycleGANs.

Items are dicts of float32 numpy arrays drawn with ``numpy.random.default_rng([seed, epoch, index])``, as
in lowcount.data.paired.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.data.augment import crop, sample_augmentation, sample_patch_corner
from lowcount.data.config import VIEW_INDEX, DataConfig
from lowcount.data.degrade import thin
from lowcount.data.normalise import count_scale
from lowcount.data.sources import read_views
from lowcount.io.manifest import by_patient, read_manifest, select_patients


class UnpairedScans:
    """Unpaired samples: fast scans of one set of patients, standard scans of another.

    By default the two sets are disjoint halves of the role's patients (a seeded split), as in
    SE-LiteCycleGAN's unpaired setting; ``same_patients=True`` draws both from every patient. With
    ``cfg.pairs == "thinned"`` the fast set is made of its patients' standard scans thinned by
    ``cfg.thin_factor`` (drawn anew each epoch): fast scans of the same instant as a standard scan, without
    the decay and redistribution between two real acquisitions. Items are
    dicts with ``fast`` and ``standard`` (1, h, w), each normalised on its own (fast with gain k), their
    ``fast_counts_per_unit`` and ``standard_counts_per_unit``, and the fast scan's ``speed_factor``.

    With ``split_standard=True`` (ours) items also hold ``split_input`` and ``split_target``: the standard
    patch split binomially into 1/k of its counts (a fast scan of the same instant, k = ``cfg.thin_factor``,
    at the fast scan's gain) and the other (k-1)/k scaled back by k/(k-1), both in the standard scan's
    units: a denoising pair with independent noise, made from standard scans alone, so the fast and
    standard sets still come from disjoint patients.
    """

    def __init__(
        self,
        manifest: str | Path,
        role: str,
        cfg: DataConfig,
        fold: int | None = None,
        seed: int = 0,
        same_patients: bool = False,
        split_standard: bool = False,
    ) -> None:
        rows = read_manifest(manifest)
        self.cfg, self.seed, self.epoch = cfg, seed, 0
        self.split_standard = split_standard
        if split_standard and not cfg.thin_factor > 1.0:
            raise ValueError(f"split standard scans leave no counts for the target at thin_factor {cfg.thin_factor}")
        patients = select_patients(rows, role, fold)
        if len(patients) < (1 if same_patients else 2):
            raise ValueError(f"{manifest}: too few {role!r} patients for unpaired sampling")
        order = list(np.random.default_rng([seed, 7]).permutation(patients))
        half = len(order) // 2
        fast_ids, std_ids = (order, order) if same_patients else (order[:half], order[half:])
        if cfg.pairs not in ("acquired", "thinned"):
            raise ValueError(f"unpaired sampling takes pairs 'acquired' or 'thinned', got {cfg.pairs!r}")
        grouped = by_patient(rows)
        views = [VIEW_INDEX[v] for v in cfg.views]
        self.thinned = cfg.pairs == "thinned"
        source = cfg.target if self.thinned else cfg.fast
        self.fast = [
            (scan[v], cfg.thin_factor if self.thinned else grouped[p][cfg.fast]["speed_factor"])
            for p in fast_ids
            for scan in [read_views(grouped[p][source])]
            for v in views
        ]
        self.standard = [scan[v] for p in std_ids for scan in [read_views(grouped[p][cfg.target])] for v in views]
        self.fast_patients, self.standard_patients = sorted(fast_ids), sorted(std_ids)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return max(len(self.fast), len(self.standard))

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        cfg = self.cfg
        rng = np.random.default_rng([self.seed, self.epoch, index])
        fast, k = self.fast[index % len(self.fast)]
        if self.thinned:
            fast = thin(fast, k, rng)
        standard = self.standard[int(rng.integers(len(self.standard)))]
        out = {}
        for name, counts, gain in (("fast", fast, k), ("standard", standard, 1.0)):
            scale = count_scale(counts, gain, cfg.normalisation, cfg.fixed_counts_per_unit)
            x = sample_augmentation(rng, cfg.flip_probability, cfg.max_shift_px).apply(scale.to_x(counts))
            if cfg.patch is not None:
                x = crop(x, sample_patch_corner(rng, x, cfg.patch), cfg.patch)
            out[name] = np.ascontiguousarray(x[None], dtype=np.float32)
            out[f"{name}_counts_per_unit"] = np.float32(scale.counts_per_unit)
        out["speed_factor"] = np.float32(k)
        if self.split_standard:
            out.update(_split_patch(out["standard"], out["standard_counts_per_unit"], cfg.thin_factor, rng))
        return out


def _split_patch(standard_x: np.ndarray, counts_per_unit: np.float32, k: float, rng: np.random.Generator) -> dict:
    """A standard patch (in units, gain 1) split binomially into a 1/k input and the rest as its target."""
    counts = np.rint(standard_x * counts_per_unit).astype(np.float32)
    fast = thin(counts, k, rng)
    return {
        "split_input": (fast * np.float32(k / counts_per_unit)).astype(np.float32),
        "split_target": ((counts - fast) * np.float32(k / (k - 1.0) / counts_per_unit)).astype(np.float32),
    }
