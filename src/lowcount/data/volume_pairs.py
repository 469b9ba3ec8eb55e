"""Training samples from a micro-CT cohort: patches of a low-dose scan (input) and of another scan of the
same animal (target), both noisy in the paper's recipe (low dose -> high dose).

Sample ``i`` of epoch ``e`` is animal ``i // patches_per_volume`` at a position drawn from
``default_rng([seed, e, i])`` inside the animal's bounding box (voxels of the truth above ``-900`` HU), so an
epoch is reproducible by replay and a resumed run draws the same patches. A 2-D sample is one slice's
(1, h, w) patch (the slice-wise 2-D U-Net); a 3-D sample is a (1, d, h, w) block. Values are
``x = HU / HU_SCALE`` (water 0, air -1), inverted by :func:`x_to_hu`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lowcount.io.ct_scans import read_scans, scans_path, volumes_of
from lowcount.io.nifti import read_nifti

HU_SCALE = 1000.0
ROLES = ("low", "high", "truth")
BODY_HU = -900.0


def hu_to_x(hu: np.ndarray) -> np.ndarray:
    """Network values of CT numbers; the inverse of :func:`x_to_hu`."""
    return (np.asarray(hu, dtype=np.float32) / HU_SCALE).astype(np.float32)


def x_to_hu(x: np.ndarray) -> np.ndarray:
    """CT numbers (HU) of network values; the inverse of :func:`hu_to_x`."""
    return (np.asarray(x, dtype=np.float32) * HU_SCALE).astype(np.float32)


@dataclass(frozen=True)
class VolumeConfig:
    """The ``volume:`` section of a CT training config.

    Attributes:
        dims: 2 (slice-wise patches) or 3 (blocks); the model's ``spatial_dims`` must agree.
        patch: (h, w) for 2-D, (d, h, w) for 3-D, in voxels (multiples of the model's stride).
        patches_per_volume: samples per animal and epoch.
        input, target: roles in scans.csv (``low``, ``high`` or ``truth``: the paper pairs low with high).
    """

    dims: int = 2
    patch: tuple[int, ...] = (64, 64)
    patches_per_volume: int = 64
    input: str = "low"
    target: str = "high"

    def __post_init__(self):
        if self.dims not in (2, 3):
            raise ValueError(f"volume.dims must be 2 or 3, got {self.dims}")
        if len(self.patch) != self.dims or min(self.patch) < 1:
            raise ValueError(f"volume.patch must be {self.dims} positive sizes for dims {self.dims}, got {self.patch}")
        if self.patches_per_volume < 1:
            raise ValueError(f"volume.patches_per_volume must be >= 1, got {self.patches_per_volume}")
        for name in ("input", "target"):
            if getattr(self, name) not in ROLES:
                raise ValueError(f"volume.{name} must be one of {ROLES}, got {getattr(self, name)!r}")

    @property
    def block(self) -> tuple[int, int, int]:
        """The patch as (d, h, w) voxels (d = 1 for 2-D)."""
        return tuple(self.patch) if self.dims == 3 else (1, *self.patch)


def load_role(folder: Path, rows: dict[str, dict], animal: str, role: str) -> np.ndarray:
    """One animal's volume (D, H, W) HU of ``role`` (``truth`` from the truth column)."""
    row = rows[animal]
    return read_nifti(folder / (row["truth_path"] if role == "truth" else row["path"]))[0]


class VolumePairs:
    """Map-style dataset of (input, target) patches of one split's animals, held in memory."""

    def __init__(self, scans: str | Path, split: str, cfg: VolumeConfig, seed: int = 0):
        path = scans_path(scans)
        rows = read_scans(path)
        self.cfg, self.seed, self.epoch = cfg, seed, 0
        inputs, targets = volumes_of(rows, split, cfg.input), volumes_of(rows, split, cfg.target)
        self.patients = sorted(set(inputs) & set(targets))
        if not self.patients:
            raise ValueError(f"{path}: no {split} animals with both {cfg.input!r} and {cfg.target!r} scans")
        self.inputs, self.targets, self.boxes = [], [], []
        for animal in self.patients:
            x = hu_to_x(load_role(path.parent, inputs, animal, cfg.input))
            y = hu_to_x(load_role(path.parent, targets, animal, cfg.target))
            body = load_role(path.parent, inputs, animal, "truth") > BODY_HU
            if x.shape != y.shape or any(n < p for n, p in zip(x.shape, cfg.block, strict=True)):
                raise ValueError(
                    f"{path}: animal {animal}'s volumes are {x.shape} and {y.shape}; they must match "
                    f"and hold the patch {cfg.block}"
                )
            self.inputs.append(x)
            self.targets.append(y)
            self.boxes.append(_box(body, cfg.block))

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.patients) * self.cfg.patches_per_volume

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        k = index // self.cfg.patches_per_volume
        rng = np.random.default_rng([self.seed, self.epoch, index])
        lo, hi = self.boxes[k]
        start = [int(rng.integers(a, b + 1)) for a, b in zip(lo, hi, strict=True)]
        where = tuple(slice(s, s + n) for s, n in zip(start, self.cfg.block, strict=True))
        x, y = self.inputs[k][where], self.targets[k][where]
        if self.cfg.dims == 2:
            x, y = x[0], y[0]
        return {"input": np.ascontiguousarray(x[None]), "target": np.ascontiguousarray(y[None])}


def _box(body: np.ndarray, block: tuple[int, int, int]) -> tuple[list[int], list[int]]:
    """Lowest and highest patch corners whose patch overlaps the body's bounding box and fits the volume."""
    lo, hi = [], []
    for axis, n in enumerate(block):
        size = body.shape[axis]
        occupied = np.flatnonzero(body.any(axis=tuple(a for a in range(3) if a != axis)))
        first, last = (int(occupied[0]), int(occupied[-1])) if occupied.size else (0, size - 1)
        lo.append(min(max(first - n // 2, 0), size - n))
        hi.append(max(min(last - n // 2, size - n), lo[-1]))
    return lo, hi
