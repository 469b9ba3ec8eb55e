"""The EMANet paper's Table 7 on the phantom: denoising at each test noise level 5-40.

A view at EMANet level L (lowcount.data.noise_level) is Poisson noise on the 0-255 grey scale with ``a = 128 /
L**2`` counts per grey level, so ``n = a x grey`` is a raw count image whose expected value is ``a`` times
the clean image: at level L every lowcount model and filter runs on ``n`` as on a scan (speed factor 1),
and its output divided by ``a`` is compared with the clean image on the grey scale, as the paper scores
8-bit images. The clean image is the phantom's truth of a held-out patient's standard scan, mapped to 0-255
by its smoothed peak; PSNR uses the range 255, RMSE is in grey levels, SSIM is over the whole view.

Methods are lowcount enhancers (a trained model's, lowcount.inference.Enhancer, or a classical filter's,
lowcount.classical.enhancer.ClassicalEnhancer) and ``gaussian (tuned per level)``: the Gaussian filter whose
sigma scores best on the validation patients at that level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

GAUSSIAN_SIGMAS_PX = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)


def clean_views(manifest: Path, role: str) -> list[np.ndarray]:
    """The truth of every standard view of ``role``'s patients on the 0-255 grey scale."""
    from lowcount.data.noise_level import to_grey
    from lowcount.data.sources import read_row_truth
    from lowcount.io.manifest import by_patient, read_manifest, select_patients

    rows = read_manifest(manifest)
    grouped = by_patient(rows)
    views = []
    for pid in select_patients(rows, role, None):
        truth = read_row_truth(grouped[pid]["standard"], manifest)[0]
        views.extend(to_grey(view) for view in truth)
    return views


def _noisy(clean: np.ndarray, level: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    a = 128.0 / level**2
    return rng.poisson(clean * a).astype(np.float32), a


def _scores(out_grey: np.ndarray, clean: np.ndarray) -> dict[str, float]:
    from lowcount.evaluate.metrics import psnr, ssim

    return {
        "psnr": psnr(out_grey, clean, 255.0),
        "ssim": ssim(out_grey, clean, 255.0),
        "rmse": float(np.sqrt(np.mean((out_grey - clean) ** 2))),
    }


def _tuned_gaussian(views: list[np.ndarray], level: float, seed: int):
    """The ClassicalEnhancer of the Gaussian sigma with the best mean PSNR on ``views`` at ``level``."""
    from lowcount.classical.enhancer import ClassicalEnhancer

    rng = np.random.default_rng([seed, int(level * 100), 1])
    noisy = [_noisy(view, level, rng) for view in views]
    best, best_psnr = None, -np.inf
    for sigma in GAUSSIAN_SIGMAS_PX:
        enhancer = ClassicalEnhancer("gaussian", {"sigma_px": sigma})
        mean = np.mean(
            [_scores(enhancer.enhance(n, 1.0) / a, v)["psnr"] for (n, a), v in zip(noisy, views, strict=True)]
        )
        if mean > best_psnr:
            best, best_psnr = enhancer, mean
    return best


def level_ladder(
    data_dir: str | Path,
    methods: dict,
    levels: tuple[int, ...] = (5, 10, 15, 20, 25, 30, 35, 40),
    role: str = "test",
    tune_gaussian: bool = True,
    seed: int = 0,
) -> list[dict]:
    """Rows {level, method, views, psnr, ssim, rmse} (means over the views), ``noisy`` (the input itself)
    first at each level."""
    from lowcount.io.manifest import manifest_path

    manifest = manifest_path(data_dir)
    views = clean_views(manifest, role)
    validation = clean_views(manifest, "val") if tune_gaussian else []
    rows = []
    for level in levels:
        chosen = dict(methods)
        if tune_gaussian:
            gaussian = _tuned_gaussian(validation, level, seed)
            chosen[f"gaussian (tuned per level: {gaussian.params['sigma_px']:g} px)"] = gaussian
        rng = np.random.default_rng([seed, int(level * 100)])
        scores: dict[str, list[dict]] = {"noisy": [], **{name: [] for name in chosen}}
        for clean in views:
            counts, a = _noisy(clean, level, rng)
            scores["noisy"].append(_scores(counts / a, clean))
            for name, enhancer in chosen.items():
                scores[name].append(_scores(enhancer.enhance(counts, 1.0) / a, clean))
        for name, per_view in scores.items():
            means = {key: float(np.mean([s[key] for s in per_view])) for key in ("psnr", "ssim", "rmse")}
            rows.append({"level": level, "method": name, "views": len(per_view), **means})
    return rows
