"""``lowcount train`` on a micro-CT cohort: a config with a ``volume:`` section instead of ``data:``.

Sections: ``model`` (a 2-D ``unet`` or the 3-D ``unet3d``), ``volume`` (lowcount.data.volume_pairs.VolumeConfig),
``train`` (method ``supervised``) and ``supervised`` (the loss: MAE, ``l1``, in the paper's recipe). The
training loop, checkpoints, resume and export are the engine's (lowcount.train.loop). Validation enhances
the validation animals' whole ``volume.input`` scans as ``lowcount enhance`` does
(lowcount.inference.volume) and scores them inside the body against the ``volume.target`` scan (``psnr``,
``ssim``, ``mae_hu``: what a site without truth has; ``train.export: best`` ranks by this ``psnr``) and, for
the report only, against the noiseless truth (``vs_truth_psnr``, ``vs_truth_ssim``, ``vs_truth_mae_hu``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from lowcount.config import ConfigError, from_dict
from lowcount.data.volume_pairs import BODY_HU, VolumeConfig, VolumePairs, load_role
from lowcount.evaluate.ct_scores import ct_scores
from lowcount.inference.volume import VolumeEnhancer
from lowcount.io.atomic import atomic_write_text
from lowcount.io.ct_scans import read_scans, scans_path, volumes_of
from lowcount.models import build_model
from lowcount.models.weights import save_weights
from lowcount.train.config import ModelConfig, TrainConfig
from lowcount.train.distributed import setup, teardown, wrap
from lowcount.train.loop import fit
from lowcount.train.method_config import SupervisedConfig
from lowcount.train.supervised import Supervised

SECTIONS = ("model", "volume", "train", "supervised")


@dataclass(frozen=True)
class VolumeRunConfig:
    model: ModelConfig = field(default_factory=lambda: ModelConfig(name="unet"))
    volume: VolumeConfig = field(default_factory=VolumeConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    supervised: SupervisedConfig = field(default_factory=SupervisedConfig)

    def __post_init__(self):
        if self.train.method != "supervised":
            raise ValueError(f"CT training is supervised (train.method supervised), got {self.train.method!r}")
        dims = 3 if self.model.name == "unet3d" else int(self.model.args.get("spatial_dims", 2))
        if dims != self.volume.dims:
            raise ValueError(f"model {self.model.name!r} is {dims}-D but volume.dims is {self.volume.dims}")
        if any(t.get("name") == "perceptual" for t in self.supervised.loss):
            raise ValueError("supervised.loss: the perceptual term is 2-D and for scintigraphy; use l1 or mse")


def is_volume_config(sections: dict) -> bool:
    return isinstance(sections, dict) and "volume" in sections


def volume_run_config(sections: dict, where: str = "config") -> VolumeRunConfig:
    """A VolumeRunConfig from YAML sections; an unknown section or key is a ConfigError naming it."""
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{where}: section(s) {unknown} do not belong in a CT config; allowed are {list(SECTIONS)}")
    parts = {
        name: from_dict(kind, sections.get(name), f"{where}:{name}")
        for name, kind in (
            ("model", ModelConfig),
            ("volume", VolumeConfig),
            ("train", TrainConfig),
            ("supervised", SupervisedConfig),
        )
    }
    try:
        return VolumeRunConfig(**parts)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


class VolumeValidation:
    """Scores of a training method's network on one split's whole volumes (see the module docstring)."""

    def __init__(self, scans: str | Path, cfg: VolumeConfig, split: str = "val", batch: int = 8):
        path = scans_path(scans)
        rows = read_scans(path)
        inputs, targets = volumes_of(rows, split, cfg.input), volumes_of(rows, split, cfg.target)
        self.animals = sorted(set(inputs) & set(targets))
        if not self.animals:
            raise ValueError(f"{path}: no {split} animals to validate on")
        self.cfg, self.batch = cfg, batch
        self.volumes = []
        for animal in self.animals:
            truth = load_role(path.parent, inputs, animal, "truth")
            self.volumes.append(
                (
                    load_role(path.parent, inputs, animal, cfg.input),
                    load_role(path.parent, targets, animal, cfg.target),
                    truth,
                    truth > BODY_HU,
                )
            )

    def __call__(self, method) -> dict[str, float]:
        net = method.inference_net()
        was_training = net.training
        roi = self.cfg.block if self.cfg.dims == 3 else None
        enhancer = VolumeEnhancer(net, str(method.device), "fp32", roi, overlap=0.25, batch=self.batch)
        rows = []
        for low, high, truth, body in self.volumes:
            pred = enhancer(low)
            scores = ct_scores(pred, high, body)
            scores.update({f"vs_truth_{k}": v for k, v in ct_scores(pred, truth, body).items()})
            scores["input_psnr"] = ct_scores(low, high, body)["psnr"]
            rows.append(scores)
        net.train(was_training)
        return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def train_volumes(
    cfg: VolumeRunConfig,
    scans: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    device: str | None = None,
    progress: bool = True,
) -> dict[str, float]:
    """Train one CT model; returns the validation figures of the exported weights."""
    import yaml

    path, out = scans_path(scans), Path(out_dir)
    dist = setup(device)
    try:
        torch.manual_seed(cfg.train.seed)
        args = {k: tuple(v) if isinstance(v, list) else v for k, v in cfg.model.args.items()}
        net = build_model(cfg.model.name, **args)
        stride = int(getattr(net, "stride", 1))
        if any(p % stride for p in cfg.volume.patch):
            raise ValueError(f"volume.patch {cfg.volume.patch} must be multiples of the model's stride {stride}")
        train_set = VolumePairs(path, "train", cfg.volume, cfg.train.seed)
        validate = VolumeValidation(path, cfg.volume) if dist.main else None
        method = Supervised(net, cfg.train, cfg.supervised, dist.device, wrap(net.to(dist.device), dist))
        if dist.main:
            out.mkdir(parents=True, exist_ok=True)
            plain = json.loads(json.dumps(asdict(cfg)))
            atomic_write_text(out / "config.yaml", yaml.safe_dump(plain, sort_keys=False))

        def export(m, run: Path, validation: dict) -> None:
            source = f"{path} ({len(train_set.patients)} training animals, {cfg.volume.input} -> {cfg.volume.target})"
            save_weights(
                m.inference_net(),
                run / "model",
                cfg.model.name,
                args,
                source,
                extra={
                    "volume": json.loads(json.dumps(asdict(cfg.volume))),
                    "method": "supervised",
                    "validation": validation,
                },
            )

        return fit(method, train_set, cfg.train, out, dist, validate, resume, export, progress)
    finally:
        teardown(dist)
