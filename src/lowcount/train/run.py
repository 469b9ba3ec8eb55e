"""``lowcount train``: build the data, the network and the method from a config, then run the loop."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from lowcount.data.datasets import PairedScans
from lowcount.evaluate.metrics import psnr, ssim
from lowcount.io.atomic import atomic_write_text
from lowcount.models import build_model
from lowcount.models.weights import save_weights
from lowcount.train.config import RunConfig, load_run_config
from lowcount.train.distributed import barrier, setup, teardown, wrap
from lowcount.train.loop import fit
from lowcount.train.supervised import Supervised


def model_args(cfg: RunConfig) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in cfg.model.args.items()}


def plain(cfg: RunConfig) -> dict:
    """The resolved config as JSON-able data (tuples become lists)."""
    return json.loads(json.dumps(asdict(cfg)))


class Validator:
    """PSNR/SSIM of the network output and of the raw (count-scaled) input against the target, in counts.

    The data range of each image is the target's maximum. PSNR leaves out the bladder (when the data
    config excludes it) and the padding; SSIM is taken over the whole image. Results are means over
    validation images.
    """

    def __init__(self, data: PairedScans) -> None:
        self.items = [data[i] for i in range(len(data))]
        self.baseline = self._score([item["input"][0] for item in self.items])

    def _score(self, outputs: list[np.ndarray]) -> dict[str, float]:
        psnrs, ssims = [], []
        for out, item in zip(outputs, self.items, strict=True):
            unit = float(item["counts_per_unit"])
            target = item["target"][0] * unit
            mask = item["weight"][0] > 0
            data_range = float(target.max())
            psnrs.append(psnr(out * unit, target, data_range, mask))
            ssims.append(ssim(out * unit, target, data_range))
        return {"psnr": float(np.mean(psnrs)), "ssim": float(np.mean(ssims))}

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
) -> dict[str, float]:
    """Train one model; returns the final validation metrics (``psnr``, ``ssim``, ``input_psnr``...)."""
    cfg = config if isinstance(config, RunConfig) else load_run_config(config)
    manifest = Path(data_dir) / "manifest.csv"
    out = Path(out_dir)
    dist = setup(device)
    try:
        torch.manual_seed(cfg.train.seed)
        net = build_model(cfg.model.name, **model_args(cfg))
        data_cfg = cfg.data
        if getattr(net, "stride", 1) > data_cfg.stride or data_cfg.stride % getattr(net, "stride", 1):
            raise ValueError(f"data.stride {data_cfg.stride} must be a multiple of the model's stride {net.stride}")
        method = Supervised(net, cfg.train, dist.device, wrap(net.to(dist.device), dist))
        train_set = PairedScans(manifest, "train", data_cfg, fold, cfg.train.seed)
        validate = Validator(PairedScans(manifest, "val", data_cfg, fold, cfg.train.seed)) if dist.main else None
        if dist.main:
            out.mkdir(parents=True, exist_ok=True)
            import yaml

            atomic_write_text(out / "config.yaml", yaml.safe_dump({**plain(cfg), "fold": fold}, sort_keys=False))

        speed_factor = 1.0 if data_cfg.pairs == "emanet" else train_set.items[0].speed_factor

        def export(m, run: Path) -> None:
            description = (
                f"{manifest} ({len(train_set.patients)} training patients, fold {fold}, {data_cfg.pairs} pairs)"
            )
            save_weights(
                m.inference_net(),
                run / "model",
                cfg.model.name,
                model_args(cfg),
                {"method": data_cfg.normalisation, "fixed_counts_per_unit": data_cfg.fixed_counts_per_unit},
                description,
                extra={"data": plain(cfg)["data"], "speed_factor": speed_factor},
            )

        metrics = fit(method, train_set, cfg.train, out, dist, validate, resume, export, progress)
        barrier(dist)
        return metrics
    finally:
        teardown(dist)
