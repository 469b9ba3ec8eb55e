"""Training samples from a cohort manifest: paired (fast, standard), unpaired, and 3-D volume pairs.

Datasets here are plain map-style objects (``__len__`` and ``__getitem__``) that PyTorch's DataLoader
takes as they are; items are dicts of float32 numpy arrays, so this module does not import torch.
Every random choice comes from ``numpy.random.default_rng([seed, epoch, index])``: an item is the same
whichever worker or process draws it, which makes resumed and distributed training reproducible.
Call ``set_epoch`` at the start of each epoch.

Patients are selected by the manifest's split, or, with ``fold`` given, by 5-fold cross-validation over
the non-test patients (validation = that fold, training = the other folds; test patients stay out).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lowcount.data.augment import crop, sample_augmentation, sample_patch_corner
from lowcount.data.bladder import bladder_mask
from lowcount.data.degrade import emanet_noise, random_emanet_level, thin
from lowcount.data.geometry import fit
from lowcount.data.normalise import count_scale
from lowcount.data.registration import register
from lowcount.io.manifest import read_manifest

PAIRS = ("acquired", "thinned", "split", "emanet", "self")
ROLES = ("train", "val", "test")
VIEW_INDEX = {"anterior": 0, "posterior": 1}


@dataclass(frozen=True)
class DataConfig:
    """How scans become samples (the ``data:`` section of a training config).

    Attributes:
        fast: acquisition used as network input (``fast3x``...); its speed factor comes from the manifest.
        target: acquisition used as target (``standard``).
        pairs: ``acquired`` (the real fast scan), ``thinned`` (binomial thinning of the target by
            ``thin_factor``, drawn anew each epoch), ``split`` (the target scan split binomially into a 1/k
            input and the complementary (k-1)/k counts, rescaled by k/(k-1), as the target: two independent
            Poisson scans of the same instant, aligned to the pixel; trains from standard scans alone, and the
            squared-error loss then converges to the noiseless image), ``emanet`` (EMANet noise levels 1-50 on
            the target) or ``self`` (input = target: fitting the feature auto-encoder of the perceptual loss).
        thin_factor: k for ``thinned`` and ``split`` pairs.
        consistency: ``speed`` (target left at its own level; input multiplied by k) or ``total``
            (target rescaled so its total equals k x the input's).
        register: align each acquired standard scan to its fast scan (global + patch-wise shifts). The target
            is warped, never the input: interpolation averages neighbouring pixels and would leave the input
            less noisy than the raw fast scans the model meets in use.
        normalisation: ``mean``, ``percentile`` or ``fixed`` (see lowcount.data.normalise).
        fixed_counts_per_unit: for ``fixed``.
        patch: training patch (rows, cols); None trains on whole images.
        patches_per_image: training samples drawn from each image per epoch.
        flip_probability, max_shift_px: augmentation of training samples.
        exclude_bladder: weight 0 on the bladder in the returned ``weight`` map.
        views: which views make samples.
        target_shape: network grid for whole images; None keeps the native size.
        stride: whole images are padded to a multiple of this.
    """

    fast: str = "fast3x"
    target: str = "standard"
    pairs: str = "acquired"
    thin_factor: float = 3.0
    consistency: str = "speed"
    register: bool = True
    normalisation: str = "mean"
    fixed_counts_per_unit: float | None = None
    patch: tuple[int, int] | None = (192, 192)
    patches_per_image: int = 4
    flip_probability: float = 0.5
    max_shift_px: int = 8
    exclude_bladder: bool = True
    views: tuple[str, ...] = ("anterior", "posterior")
    target_shape: tuple[int, int] | None = (1024, 256)
    stride: int = 16

    def __post_init__(self) -> None:
        if self.pairs not in PAIRS:
            raise ValueError(f"pairs must be one of {PAIRS}, got {self.pairs!r}")
        if self.consistency not in ("speed", "total"):
            raise ValueError(f"consistency must be 'speed' or 'total', got {self.consistency!r}")
        if not self.thin_factor >= 1.0:
            raise ValueError(f"thin_factor must be >= 1, got {self.thin_factor}")
        if self.pairs == "split" and not self.thin_factor > 1.0:
            raise ValueError(f"split pairs leave no counts for the target at thin_factor {self.thin_factor}; use > 1")
        unknown = set(self.views) - set(VIEW_INDEX)
        if unknown or not self.views:
            raise ValueError(f"views must be a non-empty subset of {sorted(VIEW_INDEX)}, got {self.views}")
        if self.patches_per_image < 1:
            raise ValueError(f"patches_per_image must be >= 1, got {self.patches_per_image}")
        if self.patch is not None and min(self.patch) < 8:
            raise ValueError(f"patch must be at least 8 x 8, got {self.patch}")


def select_patients(rows: list[dict], role: str, fold: int | None = None) -> list[str]:
    """Patient ids of ``role`` (train/val/test), by the split column or by cross-validation ``fold``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    info = {r["patient_id"]: (r["split"], r["fold"]) for r in rows}
    if fold is None:
        return sorted(pid for pid, (split, _) in info.items() if split == role)
    folds = {f for _, f in info.values()}
    if fold not in folds:
        raise ValueError(f"fold {fold} is not in the manifest (folds {sorted(folds)})")
    if role == "test":
        return sorted(pid for pid, (split, _) in info.items() if split == "test")
    keep = (lambda f: f == fold) if role == "val" else (lambda f: f != fold)
    return sorted(pid for pid, (split, f) in info.items() if split != "test" and keep(f))


def _by_patient(rows: list[dict]) -> dict[str, dict[str, dict]]:
    grouped: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        grouped[r["patient_id"]][r["acquisition"]] = r
    return grouped


def _read_views(row: dict) -> np.ndarray:
    from lowcount.io.dicom import read_wholebody

    return read_wholebody(row["dicom_path"]).views()


def _read_truth(row: dict, manifest: str | Path) -> tuple[np.ndarray, np.ndarray]:
    from lowcount.phantom.cohort import load_truth

    path = row.get("truth_path")
    if not path or not Path(path).is_file():
        raise ValueError(
            f"{manifest}: no ground-truth file for a {row['acquisition']!r} scan ({path!r}); scoring against the "
            "truth needs a cohort made by `lowcount simulate`"
        )
    return load_truth(path)


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
    input's scale, see lowcount.data.normalise), ``weight`` (1, h, w) float32 (0 on the bladder when
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
        grouped = _by_patient(rows)
        self.items: list[_Pair] = []
        for pid in self.patients:
            scans = grouped[pid]
            for name in {cfg.target} | ({cfg.fast} if cfg.pairs == "acquired" else set()):
                if name not in scans:
                    raise ValueError(
                        f"{manifest}: a patient has no {name!r} acquisition; "
                        f"check data.fast / data.target against the manifest"
                    )
            target = _read_views(scans[cfg.target])
            fast = _read_views(scans[cfg.fast]) if cfg.pairs == "acquired" else None
            k = scans[cfg.fast]["speed_factor"] if cfg.pairs == "acquired" else cfg.thin_factor
            truth, labels = None, None
            if with_truth:  # the truth of the acquisition the input comes from, at the standard level
                truth, labels = _read_truth(scans[cfg.fast if fast is not None else cfg.target], manifest)
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

    def _counts(self, pair: _Pair, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
        """(input counts, target counts, k) of one sample."""
        cfg = self.cfg
        if cfg.pairs == "acquired":
            return pair.fast, pair.target, pair.speed_factor
        if cfg.pairs == "thinned":
            return thin(pair.target, cfg.thin_factor, rng), pair.target, cfg.thin_factor
        if cfg.pairs == "split":
            k = cfg.thin_factor
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
        item = {
            "input": np.ascontiguousarray(stack[0:1]),
            "target": np.ascontiguousarray(stack[1:2]),
            "weight": np.ascontiguousarray(stack[2:3]),
            "counts_per_unit": np.float32(scale.counts_per_unit),
        }
        if self.with_truth:
            item["truth"] = np.ascontiguousarray(stack[3:4])
            item["labels"] = np.rint(stack[4:5]).astype(np.int32)
        return item


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
        grouped = _by_patient(rows)
        views = [VIEW_INDEX[v] for v in cfg.views]
        self.thinned = cfg.pairs == "thinned"
        source = cfg.target if self.thinned else cfg.fast
        self.fast = [
            (scan[v], cfg.thin_factor if self.thinned else grouped[p][cfg.fast]["speed_factor"])
            for p in fast_ids
            for scan in [_read_views(grouped[p][source])]
            for v in views
        ]
        self.standard = [scan[v] for p in std_ids for scan in [_read_views(grouped[p][cfg.target])] for v in views]
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


class VolumePairs:
    """3-D (noisy, clean) patches from .npy volumes (the micro-CT dose-reduction use case).

    Args:
        pairs: (noisy path, clean path) of equal-shape (depth, rows, cols) volumes.
        patch: (d, h, w) patch size.
        samples_per_volume: items per volume per epoch.
        seed: seed of the patch positions.
    """

    def __init__(
        self,
        pairs: list[tuple[str | Path, str | Path]],
        patch: tuple[int, int, int] = (32, 64, 64),
        samples_per_volume: int = 8,
        seed: int = 0,
    ) -> None:
        if not pairs:
            raise ValueError("VolumePairs needs at least one (noisy, clean) pair")
        self.volumes = []
        for noisy_path, clean_path in pairs:
            noisy = np.load(noisy_path, allow_pickle=False).astype(np.float32)
            clean = np.load(clean_path, allow_pickle=False).astype(np.float32)
            if noisy.shape != clean.shape or noisy.ndim != 3:
                raise ValueError(
                    f"{noisy_path}, {clean_path}: volumes must be 3-D and of one shape, "
                    f"got {noisy.shape} and {clean.shape}"
                )
            if any(p > s for p, s in zip(patch, noisy.shape, strict=True)):
                raise ValueError(f"{noisy_path}: patch {patch} is larger than the volume {noisy.shape}")
            self.volumes.append((noisy, clean))
        self.patch, self.samples, self.seed, self.epoch = patch, samples_per_volume, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.volumes) * self.samples

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        noisy, clean = self.volumes[index // self.samples]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        corner = [int(rng.integers(0, s - p + 1)) for s, p in zip(noisy.shape, self.patch, strict=True)]
        sl = tuple(slice(c, c + p) for c, p in zip(corner, self.patch, strict=True))
        return {"input": noisy[sl][None].copy(), "target": clean[sl][None].copy()}
