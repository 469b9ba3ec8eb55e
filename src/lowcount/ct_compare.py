"""The micro-CT paper's comparison on a simulated cohort (``lowcount ct compare``): raw low dose, the Gaussian,
median and Wiener filters, iterative TV reconstruction, trained 2-D / 3-D U-Nets and the high-dose scan.

1. Every filter's parameter and the TV weight are tuned on the validation animals against their high-dose
   scans (what a lab has; its noise is independent of the low-dose scan's, so the minimiser of the mean
   squared error is that against the truth, in expectation). TV is tuned on a slab of ``tv_slab`` slices
   at the middle of each validation animal.
2. The test animals' low-dose scans go through every method and are scored inside the body
   (lowcount.evaluate.ct_scores) against the noiseless truth and against the high-dose scan.
3. The QA phantom's low-dose scan goes through every method too; the outputs are kept for ``lowcount ct qa``
   and ``lowcount ct dose-factor`` (lowcount.ct_report).

Writes into ``out``: ``methods.json`` (tuned parameters, models, seconds per volume), ``mice.json`` (per
animal and method), ``mice.md`` (means over the test animals), ``qa/<method>.nii.gz`` and
``mice/<method>/<hash>.nii.gz`` (each test animal's output, named as its low-dose volume).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from lowcount.classical.ct_filters import CT_FILTER_GRIDS, apply_ct_filter
from lowcount.classical.tv_reconstruction import projection_matrix, tv_reconstruct
from lowcount.ct.scanner import Scanner
from lowcount.data.volume_pairs import BODY_HU
from lowcount.evaluate.ct_scores import ct_scores
from lowcount.inference.volume import VolumeEnhancer
from lowcount.io.atomic import atomic_write_text
from lowcount.io.ct_scans import read_scans, scans_path, volumes_of
from lowcount.io.nifti import read_nifti, write_nifti

TV_WEIGHTS = (1.0, 3.0, 10.0, 30.0)
SCORE_KEYS = ("psnr", "ssim", "mae_hu", "rmse_hu")


class Animal:
    """One animal's low, high and truth volumes, body mask and low-dose sinogram (when kept)."""

    def __init__(self, folder: Path, rows: list[dict], animal: str, split: str, kind: str = "mouse"):
        self.id = animal
        low = volumes_of(rows, split, "low", kind)[animal]
        self.file_name = Path(low["path"]).name  # a hash: the animal's low-dose volume's name
        self.low, self.voxel_mm = read_nifti(folder / low["path"])
        self.high = read_nifti(folder / volumes_of(rows, split, "high", kind)[animal]["path"])[0]
        self.truth = read_nifti(folder / low["truth_path"])[0]
        self.body = self.truth > BODY_HU
        self.dose = float(low["dose"])
        self.sinogram = folder / low["sinogram_path"] if low["sinogram_path"] else None
        self._line_integrals = None

    def line_integrals(self) -> np.ndarray:
        """The low-dose scan's noisy sinogram (D, W, views), read once (TV tuning reconstructs it per weight)."""
        if self.sinogram is None:
            raise ValueError(f"animal {self.id} has no low-dose sinogram kept; TV reconstruction needs it")
        if self._line_integrals is None:
            with np.load(self.sinogram) as f:
                self._line_integrals = f["line_integrals"]
        return self._line_integrals

    def slab(self, n: int) -> slice:
        """``n`` slices about the middle of the body."""
        z = np.flatnonzero(self.body.any(axis=(1, 2)))
        mid = int((z[0] + z[-1]) // 2) if z.size else self.low.shape[0] // 2
        start = max(0, min(mid - n // 2, self.low.shape[0] - n))
        return slice(start, start + n)


def _tv(animal: Animal, scanner: Scanner, weight: float, matrix, region: slice | None = None, iterations: int = 100):
    sino = animal.line_integrals()
    region = region or slice(0, sino.shape[0])
    sino = sino[region]
    counts = scanner.photons_per_ray * animal.dose * np.exp(-sino.astype(np.float64))
    voxel = animal.voxel_mm[0]
    start = animal.low[region] / 1000.0 + 1.0  # the saved low-dose scan is the FBP of this sinogram
    mu_water_per_voxel = scanner.mu_water_per_mm * voxel
    u = tv_reconstruct(sino, counts, start, scanner.angles_deg, mu_water_per_voxel, weight, iterations, matrix=matrix)
    return ((u - 1.0) * 1000.0).astype(np.float32)


def _mse(pred, animal: Animal, region=slice(None)) -> float:
    body = animal.body[region]
    return float(np.mean((pred - animal.high[region])[body] ** 2))


def tune(val: list[Animal], scanner: Scanner, tv: bool, tv_slab: int, tv_iterations: int = 100, say=print) -> dict:
    """{method: params} of lowest mean squared error against the validation animals' high-dose scans."""
    chosen = {}
    for name, grid in CT_FILTER_GRIDS.items():
        errors = [np.mean([_mse(apply_ct_filter(name, a.low, p), a) for a in val]) for p in grid]
        chosen[name] = grid[int(np.argmin(errors))]
        say(f"tuned {name}: {chosen[name]} (validation MSE vs high dose {min(errors):.1f} HU^2)")
    if tv:
        matrix = projection_matrix(val[0].low.shape[1], scanner.angles_deg)
        errors = []
        for weight in TV_WEIGHTS:
            errors.append(
                np.mean(
                    [
                        _mse(_tv(a, scanner, weight, matrix, a.slab(tv_slab), tv_iterations), a, a.slab(tv_slab))
                        for a in val
                    ]
                )
            )
        chosen["tv"] = {"weight": TV_WEIGHTS[int(np.argmin(errors))]}
        say(f"tuned tv: {chosen['tv']} (validation slab MSE vs high dose {min(errors):.1f} HU^2)")
    return chosen


def compare_ct(
    data: str | Path,
    out: str | Path,
    models: dict[str, str],
    tv: bool = True,
    tv_slab: int = 32,
    tv_iterations: int = 100,
    scanner: Scanner | None = None,
    device: str | None = None,
    say=print,
) -> list[dict]:
    """Run the comparison (module docstring); returns the per-animal rows of ``mice.json``."""
    path = scans_path(data)
    rows, folder, out = read_scans(path), path.parent, Path(out)
    models = {name: str(run) for name, run in models.items()}
    scanner = scanner or Scanner(**json.loads((folder / "cohort.json").read_text())["config"]["scanner"])
    val = [Animal(folder, rows, a, "val") for a in sorted(volumes_of(rows, "val", "low"))]
    test = [Animal(folder, rows, a, "test") for a in sorted(volumes_of(rows, "test", "low"))]
    qa = [Animal(folder, rows, a, "test", "qa") for a in sorted(volumes_of(rows, "test", "low", "qa"))]
    if not val or not test:
        raise ValueError(f"{path}: the comparison needs validation and test animals")
    params = tune(val, scanner, tv, tv_slab, tv_iterations, say)
    matrix = projection_matrix(test[0].low.shape[1], scanner.angles_deg) if tv else None
    methods = {"raw low dose": lambda a: a.low}
    methods.update({name: (lambda a, n=name: apply_ct_filter(n, a.low, params[n])) for name in CT_FILTER_GRIDS})
    if tv:
        methods["tv reconstruction"] = lambda a: _tv(a, scanner, params["tv"]["weight"], matrix, None, tv_iterations)
    for name, run in models.items():
        enhancer = VolumeEnhancer.from_run(run, device)
        methods[name] = lambda a, e=enhancer: e(a.low)
    seconds: dict[str, list[float]] = {name: [] for name in methods}
    results = []
    for animal in [*test, *qa]:
        for name, method in methods.items():
            start = time.perf_counter()
            pred = method(animal)
            seconds[name].append(time.perf_counter() - start)
            if animal in qa:
                write_nifti(out / "qa" / f"{_slug(name)}.nii.gz", pred, animal.voxel_mm)
                continue
            write_nifti(out / "mice" / _slug(name) / animal.file_name, pred, animal.voxel_mm)
            row = {"animal_id": animal.id, "method": name}
            row.update({f"truth_{k}": v for k, v in ct_scores(pred, animal.truth, animal.body).items()})
            row.update({f"high_{k}": v for k, v in ct_scores(pred, animal.high, animal.body).items()})
            results.append(row)
            say(f"{animal.id} {name}: PSNR vs truth {row['truth_psnr']:.2f} dB")
        if animal in test:
            row = {"animal_id": animal.id, "method": "raw high dose"}
            row.update({f"truth_{k}": v for k, v in ct_scores(animal.high, animal.truth, animal.body).items()})
            results.append(row)
    card = {
        "params": params,
        "models": models,
        "seconds_per_volume": {k: float(np.mean(v)) for k, v in seconds.items()},
        "qa_volumes": {name: f"qa/{_slug(name)}.nii.gz" for name in methods} if qa else {},
        "mice_volumes": {name: f"mice/{_slug(name)}" for name in methods},
        "data": str(path),
    }
    atomic_write_text(out / "methods.json", json.dumps(card, indent=2))
    atomic_write_text(out / "mice.json", json.dumps(results, indent=2))
    atomic_write_text(out / "mice.md", mice_table(results, card))
    return results


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


def mice_table(results: list[dict], card: dict) -> str:
    """Markdown: each method's mean figures over the test animals (and the spread of PSNR vs truth)."""
    names = list(dict.fromkeys(r["method"] for r in results))
    lines = [
        "| method | PSNR vs truth (dB) | SSIM vs truth | MAE vs truth (HU) | PSNR vs high dose (dB) | "
        "SSIM vs high dose | s / volume |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        mine = [r for r in results if r["method"] == name]

        def mean(key, rows=mine):
            values = [r[key] for r in rows if key in r]
            return f"{np.mean(values):.4g}" if values else "-"

        spread = [r["truth_psnr"] for r in mine]
        t = card["seconds_per_volume"].get(name)
        lines.append(
            f"| {name} | {np.mean(spread):.2f} ({min(spread):.2f}..{max(spread):.2f}) | "
            f"{mean('truth_ssim')} | {mean('truth_mae_hu')} | {mean('high_psnr')} | {mean('high_ssim')} | "
            f"{'-' if t is None else f'{t:.2f}'} |"
        )
    return "\n".join(lines) + "\n"
