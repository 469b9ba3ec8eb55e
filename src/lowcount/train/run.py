"""``lowcount train``: build the data, the network and the method from a config, then run the loop."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from lowcount.data.datasets import PairedScans, UnpairedScans
from lowcount.evaluate.counts import fidelity
from lowcount.evaluate.metrics import psnr, ssim
from lowcount.io.atomic import atomic_write_text
from lowcount.io.manifest import manifest_path, read_manifest
from lowcount.models import build_model
from lowcount.models.patchgan import build_discriminator
from lowcount.models.weights import save_weights
from lowcount.train.checkpoint import LAST
from lowcount.train.config import ModelConfig, RunConfig, TrainConfig, load_run_config
from lowcount.train.cyclegan import CycleGAN
from lowcount.train.distributed import Dist, barrier, setup, teardown, wrap
from lowcount.train.gan import PairedGAN
from lowcount.train.loop import fit
from lowcount.train.supervised import Supervised


def model_args(cfg: RunConfig) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in cfg.model.args.items()}


def plain(cfg: RunConfig) -> dict:
    """The resolved config as JSON-able data (tuples become lists)."""
    return json.loads(json.dumps(asdict(cfg)))


class Validator:
    """PSNR/SSIM of the network output and of the raw (count-scaled) input, in counts.

    Scored against the target scan (keys ``psnr``, ``ssim``; the raw input ``input_psnr``...) and, when the
    items carry the phantom's noiseless truth, against it too (``truth_psnr``, ``input_truth_psnr``...).
    With the truth come count-fidelity figures (lowcount.evaluate.counts.fidelity: lesion max/mean ratios,
    bone and soft-tissue recovery, invented hot spots and, for the network output, ``created_hot_spots``:
    those the count-scaled input does not explain; a mean over images, hot spots per image).
    The data range of each image is the reference's maximum. PSNR leaves out the bladder (when the data
    config excludes it) and the padding; SSIM is taken over the whole image. Results are means over
    validation images.
    """

    def __init__(self, data: PairedScans) -> None:
        self.items = [data[i] for i in range(len(data))]
        self.baseline = self._score([item["input"][0] for item in self.items], against_input=False)

    def _score(self, outputs: list[np.ndarray], against_input: bool = True) -> dict[str, float]:
        scores: dict[str, list[float]] = {}
        for out, item in zip(outputs, self.items, strict=True):
            unit = float(item["counts_per_unit"])
            mask = item["weight"][0] > 0
            if "truth" in item:
                truth, labels = item["truth"][0] * unit, item["labels"][0]
                bladder = (item["weight"][0] == 0) & (truth > 0)
                scan = item["input"][0] * unit if against_input else None
                for key, value in fidelity(np.clip(out, 0, None) * unit, truth, labels, bladder, scan).items():
                    scores.setdefault(key, []).append(value)
            for prefix, key in (("", "target"), ("truth_", "truth")):
                if key not in item:
                    continue
                reference = item[key][0] * unit
                data_range = float(reference.max())
                scores.setdefault(f"{prefix}psnr", []).append(psnr(out * unit, reference, data_range, mask))
                scores.setdefault(f"{prefix}ssim", []).append(ssim(out * unit, reference, data_range))
        return {k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for k, v in scores.items()}

    def __call__(self, method) -> dict[str, float]:
        outputs = [method.predict(torch.from_numpy(item["input"][None]))[0, 0].cpu().numpy() for item in self.items]
        scores = self._score(outputs)
        return {**scores, **{f"input_{k}": v for k, v in self.baseline.items()}}


def train(
    config: str | Path | RunConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    fold: int | None = None,
    device: str | None = None,
    progress: bool = True,
    overrides: tuple[str, ...] = (),
) -> dict[str, float]:
    """Train one model; returns the validation metrics of the exported weights (``psnr``, ``ssim``,
    ``input_psnr``...: the last validation, or with ``train.export: best`` the chosen one's).

    ``overrides`` (``section.key=value``) change a config read from a file.
    """
    cfg = config if isinstance(config, RunConfig) else load_run_config(config, overrides)
    manifest = manifest_path(data_dir)
    dist = setup(device)
    try:
        metrics = _train(cfg, manifest, Path(out_dir), dist, resume, fold, progress)
        barrier(dist)
        return metrics
    finally:
        teardown(dist)


def _train(
    cfg: RunConfig, manifest: Path, out: Path, dist: Dist, resume: bool, fold: int | None, progress: bool
) -> dict[str, float]:
    torch.manual_seed(cfg.train.seed)
    net = build_model(cfg.model.name, **model_args(cfg))
    if cfg.model.init_from and not resume:
        net.load_state_dict(_initial_weights(cfg).state_dict())
    data_cfg, method_name = cfg.data, cfg.train.method
    if getattr(net, "stride", 1) > data_cfg.stride or data_cfg.stride % getattr(net, "stride", 1):
        raise ValueError(f"data.stride {data_cfg.stride} must be a multiple of the model's stride {net.stride}")
    perceptual = _perceptual(cfg, manifest, out, dist, resume, fold, progress) if method_name == "gan" else None
    method = build_method(cfg, net, dist, perceptual)
    if method_name == "cyclegan":
        train_set = UnpairedScans(
            manifest, "train", data_cfg, fold, cfg.train.seed, cfg.gan.same_patients, cfg.gan.split_weight > 0
        )
        n_patients = len(set(train_set.fast_patients) | set(train_set.standard_patients))
    else:
        train_set = PairedScans(manifest, "train", data_cfg, fold, cfg.train.seed)
        n_patients = len(train_set.patients)
    validate = None
    if dist.main:
        # Models trained on simulated (thinned or split) pairs are validated on the real fast scans when there are any.
        rows = read_manifest(manifest)
        real_fast = data_cfg.pairs in ("thinned", "split") and any(r["acquisition"] == data_cfg.fast for r in rows)
        val_cfg = replace(data_cfg, pairs="acquired") if real_fast else data_cfg
        val_set = PairedScans(manifest, "val", val_cfg, fold, cfg.train.seed, with_truth=_has_truth(rows))
        validate = Validator(val_set)
        out.mkdir(parents=True, exist_ok=True)
        import yaml

        atomic_write_text(out / "config.yaml", yaml.safe_dump({**plain(cfg), "fold": fold}, sort_keys=False))
    speed_factor = 1.0 if data_cfg.pairs in ("emanet", "self") else _speed_factor(manifest, data_cfg.fast)
    if validate is not None and cfg.train.lesion_free_seeds:
        from lowcount.train.lesion_free import LesionFreeCheck

        check = LesionFreeCheck(cfg.train.lesion_free_seeds, speed_factor, plain(cfg)["data"], dist.device)
        validate = _joined(validate, check)
    pairing = "unpaired" if method_name == "cyclegan" else f"{data_cfg.pairs} pairs"

    def export(m, run: Path, validation: dict) -> None:
        save_weights(
            m.inference_net(),
            run / "model",
            cfg.model.name,
            model_args(cfg),
            {"method": data_cfg.normalisation, "fixed_counts_per_unit": data_cfg.fixed_counts_per_unit},
            f"{manifest} ({n_patients} training patients, fold {fold}, {pairing}, method {method_name})",
            extra={
                "data": plain(cfg)["data"],
                "speed_factor": speed_factor,
                "method": method_name,
                "validation": validation,
            },
        )

    return fit(method, train_set, cfg.train, out, dist, validate, resume, export, progress)


def _joined(*checks):
    """One validation that runs ``checks`` in turn and merges their metrics."""

    def validate(method) -> dict[str, float]:
        return {key: value for check in checks for key, value in check(method).items()}

    return validate


def build_method(cfg: RunConfig, net, dist: Dist, perceptual=None):
    """The training method of ``cfg.train.method`` around generator ``net`` (discriminators built here)."""
    if cfg.train.method == "supervised":
        return Supervised(net, cfg.train, dist.device, wrap(net.to(dist.device), dist))
    disc_args = dict(cfg.gan.discriminator.args)
    if cfg.gan.conditional:
        disc_args.setdefault("in_channels", 2)
    disc = build_discriminator(cfg.gan.discriminator.name, **disc_args)
    if cfg.train.method == "gan":
        return PairedGAN(net, disc, cfg.train, cfg.gan, dist.device, perceptual, dist)
    return CycleGAN(net, disc, cfg.train, cfg.gan, dist.device, dist)


def _has_truth(rows: list[dict]) -> bool:
    return all(r.get("truth_path") and Path(r["truth_path"]).is_file() for r in rows)


def _speed_factor(manifest: Path, acquisition: str) -> float:
    factors = {float(r["speed_factor"]) for r in read_manifest(manifest) if r["acquisition"] == acquisition}
    if not factors:
        raise ValueError(f"{manifest}: no {acquisition!r} scans; check data.fast against the manifest")
    return factors.pop()


def _initial_weights(cfg: RunConfig) -> torch.nn.Module:
    """The trained network ``model.init_from`` names, checked against the ``model`` section."""
    from lowcount.models.weights import load_weights
    from lowcount.shipped import MODELS, model_weights

    source = cfg.model.init_from
    path = model_weights(source) if source in MODELS else Path(source).with_suffix(".safetensors")
    loaded, meta = load_weights(path)
    if meta["model"] != cfg.model.name or json.loads(json.dumps(model_args(cfg))) != meta["model_args"]:
        raise ValueError(
            f"{path}: model.init_from holds {meta['model']!r} with {meta['model_args']}, but the model section "
            f"asks for {cfg.model.name!r} with {model_args(cfg)}; give weights of the same architecture"
        )
    return loaded


def _perceptual(cfg: RunConfig, manifest: Path, out: Path, dist: Dist, resume: bool, fold: int | None, progress: bool):
    """The perceptual loss of a GAN run; for ``domain`` without weights, fit the auto-encoder first.

    The fit goes to ``<run>/feature_net`` (its own log, checkpoints and weights); a resumed run reuses
    finished weights or resumes an interrupted fit.
    """
    settings = cfg.gan.perceptual
    if settings.network is None or cfg.gan.perceptual_weight == 0:
        return None
    from lowcount.losses.perceptual import PerceptualLoss

    weights = settings.weights
    if settings.network == "domain" and weights is None:
        feature_dir = out / "feature_net"
        weights = feature_dir / "model.safetensors"
        if not weights.is_file():
            fit_cfg = RunConfig(
                model=ModelConfig("feature_autoencoder", dict(settings.autoencoder)),
                data=replace(cfg.data, pairs="self", register=False),
                train=TrainConfig(
                    steps=settings.fit_steps,
                    batch_size=cfg.train.batch_size,
                    lr=1e-3,
                    betas=(0.9, 0.999),
                    scheduler="cosine",
                    loss=({"name": "l1", "weight": 1.0},),
                    checkpoint_every=max(settings.fit_steps // 4, 1),
                    validate_every=settings.fit_steps,
                    seed=cfg.train.seed,
                ),
            )
            _train(fit_cfg, manifest, feature_dir, dist, (feature_dir / LAST).is_file(), fold, progress)
            barrier(dist)
        torch.manual_seed(cfg.train.seed)  # discriminators start alike whether or not the fit ran here
    return PerceptualLoss(settings.network, settings.layers, weights, settings.criterion)
