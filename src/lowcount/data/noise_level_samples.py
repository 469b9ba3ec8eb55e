"""Images of known EMANet noise level: the training and validation samples of EMANet's first stage.

A sample is a view (a patch of it in training) with Poisson noise of a chosen EMANet level (the definition
in lowcount.data.noise_level: variance ``g / a`` at grey value ``g``, ``a = 128 / L**2``, grey 255 at the
smoothed peak) and its label, the level the network should report. The noise goes onto a base image:

- ``truth`` (phantom cohorts): the noiseless expected counts of the standard scan, so the label is the level
  drawn, exactly;
- ``standard`` (any cohort): the standard scan itself, which has a level of its own from its counts
  (lowcount.data.noise_level.counts_level); noise is added only up to the level drawn (independent
  Poisson noise adds in quadrature), so the label is the larger of the two.

The network input is the noisy image divided by its own smoothed peak (the grey mapping of the classical
estimators, on a 0-1 scale), which makes the estimate independent of the image's units; the label follows
that mapping: re-mapping an image whose level is L under peak P0 to its own peak P1 gives level
``L * sqrt(P0 / P1)``. Whole views and patches are mapped the same way, so an estimator trained on patches
reads whole views. This module does not import torch; random draws follow lowcount.data.paired.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.data.augment import crop, sample_augmentation, sample_patch_corner
from lowcount.data.config import VIEW_INDEX, DataConfig
from lowcount.data.degrade import EMANET_TEST_LEVELS
from lowcount.data.geometry import fit
from lowcount.data.noise_level import counts_level, smoothed_peak
from lowcount.data.sources import read_row_truth, read_views
from lowcount.io.manifest import by_patient, read_manifest, select_patients

BASES = ("truth", "standard")
EMPTY_GREY = 1.0  # a patch whose smoothed peak is below one grey level of its view has no usable signal


def noisy_at_level(
    base: np.ndarray, level: float, base_level: float, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """(the noisy image on its own 0-1 grey scale, its level) for ``base`` with Poisson noise raising its
    level from ``base_level`` to ``level`` (nothing added when it is already there)."""
    peak = smoothed_peak(base)
    if peak <= 0:
        raise ValueError("the base image is empty: it has no noise level")
    grey = np.asarray(base, np.float64) * (255.0 / peak)
    added = np.sqrt(max(level**2 - base_level**2, 0.0))
    if added > 0:
        a = 128.0 / added**2
        grey = rng.poisson(grey * a) / a
    total = float(np.hypot(added, base_level))
    own_peak = smoothed_peak(grey)
    if own_peak < EMPTY_GREY:
        return (grey / 255.0).astype(np.float32), total
    return (grey / own_peak).astype(np.float32), total * float(np.sqrt(255.0 / own_peak))


class NoiseLevelSamples:
    """(image, level) samples, one per patient and view (per patch in training, per test level in validation).

    Items: ``input`` (1, h, w) float32, the noisy image on its 0-1 grey scale; ``level`` float32, its EMANet
    level.

    Args:
        manifest: path of manifest.csv.
        role: ``train``, ``val`` or ``test``.
        cfg: the data settings (``target``, ``views``, ``patch``, ``patches_per_image``, augmentation,
            ``target_shape`` and ``stride`` for whole views).
        fold: cross-validation fold, or None for the manifest's split.
        seed: seed of every random choice.
        levels: (low, high): training levels are drawn uniformly from the integers low..high.
        test_levels: the levels of validation items (train False), each view at each.
        base: ``truth`` or ``standard`` (see the module docstring).
        train: True draws levels and patches; False gives whole views at ``test_levels``.
    """

    def __init__(
        self,
        manifest: str | Path,
        role: str,
        cfg: DataConfig,
        fold: int | None = None,
        seed: int = 0,
        levels: tuple[int, int] = (1, 50),
        test_levels: tuple[int, ...] = EMANET_TEST_LEVELS,
        base: str = "truth",
        train: bool | None = None,
    ) -> None:
        if base not in BASES:
            raise ValueError(f"base must be one of {BASES}, got {base!r}")
        if not 1 <= levels[0] <= levels[1]:
            raise ValueError(f"levels must be (low, high) with 1 <= low <= high, got {levels}")
        rows = read_manifest(manifest)
        self.cfg, self.seed, self.epoch = cfg, seed, 0
        self.levels, self.test_levels, self.base = levels, tuple(test_levels), base
        self.train = (role == "train") if train is None else train
        self.patients = select_patients(rows, role, fold)
        if not self.patients:
            raise ValueError(f"{manifest}: no patients for role {role!r} (fold {fold}); simulate a larger cohort")
        grouped = by_patient(rows)
        self.views: list[np.ndarray] = []  # base images
        for pid in self.patients:
            if cfg.target not in grouped[pid]:
                raise ValueError(f"{manifest}: a patient has no {cfg.target!r} acquisition; check data.target")
            row = grouped[pid][cfg.target]
            images = read_row_truth(row, manifest)[0] if base == "truth" else read_views(row)
            for view in cfg.views:
                self.views.append(np.asarray(images[VIEW_INDEX[view]], np.float32))

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        per_view = self.cfg.patches_per_image if self.train and self.cfg.patch is not None else 1
        return len(self.views) * (per_view if self.train else len(self.test_levels))

    def _base(self, index: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """(base image, the level to reach) of item ``index``."""
        cfg = self.cfg
        if not self.train:
            view, which = divmod(index, len(self.test_levels))
            placement = fit(self.views[view], cfg.target_shape, cfg.stride, crop_border=False)
            return placement.apply(self.views[view][None])[0], float(self.test_levels[which])
        view = index // (len(self) // len(self.views))
        image = sample_augmentation(rng, cfg.flip_probability, cfg.max_shift_px).apply(self.views[view][None])
        if cfg.patch is not None:
            image = crop(image, sample_patch_corner(rng, image, cfg.patch), cfg.patch)
        return image[0], float(rng.integers(self.levels[0], self.levels[1] + 1))

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        base, level = self._base(index, rng)
        peak = smoothed_peak(base)
        if peak <= 0:  # an empty patch: nothing to estimate, label it as the level drawn
            return {"input": np.zeros((1, *base.shape), np.float32), "level": np.float32(level)}
        base_level = 0.0 if self.base == "truth" else counts_level(peak)  # the patch's own counts
        image, label = noisy_at_level(base, level, base_level, rng)
        return {"input": np.ascontiguousarray(image[None]), "level": np.float32(label)}
