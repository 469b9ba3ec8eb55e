"""The training loop shared by every method: batches, logs, validation, checkpoints, resume.

Order of samples: epoch ``e`` visits ``permutation(seed, e)``; with N processes, process r takes every
N-th index from r (so the global batch of N processes with batch b is the single-process batch N x b).
A run stopped at step s restarts at epoch s // steps_per_epoch, batch s % steps_per_epoch, with the
optimiser, scheduler, EMA and RNG states of its checkpoint: it continues bit for bit.

The run directory holds ``config.yaml`` (the resolved config), ``log.csv`` (one row per logged step
and per validation), TensorBoard event files in ``tensorboard/``, ``last.pt`` (every
``checkpoint_every`` steps and at the end), ``best.pt`` (the validation that ranks first by
lowcount.train.selection.rank: fewest created hot spots, then PSNR) and the deployment weights
``model.safetensors`` + ``model.json``: the last step's, or with ``train.export: best`` best.pt's. Only
process 0 writes.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from lowcount.io.atomic import atomic_write_text
from lowcount.train.checkpoint import BEST, LAST, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from lowcount.train.config import TrainConfig
from lowcount.train.distributed import Dist
from lowcount.train.selection import card, rank


def epoch_indices(n: int, seed: int, epoch: int, rank: int = 0, world: int = 1) -> np.ndarray:
    """This process's sample order in ``epoch`` (equal length on every process)."""
    order = np.random.default_rng([seed, epoch, 1_000_003]).permutation(n)
    usable = (n // world) * world
    return order[:usable][rank::world]


class CsvLog:
    """Append-only CSV whose columns grow as new keys appear; rewritten atomically when they do."""

    def __init__(self, path: Path, keep_until_step: int | None = None) -> None:
        self.path = path
        self.rows: list[dict] = []
        if keep_until_step is not None and path.is_file():
            with open(path, newline="") as fh:
                self.rows = [r for r in csv.DictReader(fh) if int(float(r["step"])) <= keep_until_step]
        self.columns: list[str] = []
        for row in self.rows:
            self.columns += [k for k in row if k not in self.columns]
        self._rewrite()

    def _rewrite(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, buffer.getvalue())

    def append(self, row: dict) -> None:
        self.rows.append(row)
        new = [k for k in row if k not in self.columns]
        if new:
            self.columns += new
            self._rewrite()
            return
        with open(self.path, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=self.columns, lineterminator="\n").writerow(row)


def fit(
    method,
    train_set,
    cfg: TrainConfig,
    run_dir: str | Path,
    dist: Dist | None = None,
    validate: Callable[[object], dict[str, float]] | None = None,
    resume: bool = False,
    export: Callable[[object, Path, dict], None] | None = None,
    progress: bool = True,
) -> dict[str, float]:
    """Train ``method`` for ``cfg.steps`` steps; returns the exported weights' validation metrics (the last
    validation's, or with ``cfg.export == "best"`` best.pt's), or the last losses without validation.

    Args:
        method: has ``step(batch) -> dict``, ``state_dict()``, ``load_state_dict()``.
        train_set: map-style dataset with ``set_epoch``.
        cfg: the train section.
        run_dir: where logs and checkpoints go (created).
        dist: process layout (single process when None).
        validate: called with the method on process 0 every ``validate_every`` steps and at the end;
            returns metrics (``psnr``, ``truth_psnr``, ``created_hot_spots``... rank them for best.pt).
        resume: continue from ``run_dir/last.pt``.
        export: called on process 0 at the end with the method (holding the weights to export: with
            ``cfg.export == "best"`` best.pt's are loaded into it first), the run directory and the
            validation card of those weights (lowcount.train.selection.card).
        progress: show a progress bar on process 0.
    """
    from torch.utils.data import DataLoader
    from tqdm import tqdm

    dist = dist or Dist()
    run = Path(run_dir)
    if dist.main:
        run.mkdir(parents=True, exist_ok=True)
    n = len(train_set)
    per_rank = len(epoch_indices(n, cfg.seed, 0, dist.rank, dist.world))
    steps_per_epoch = per_rank // cfg.batch_size
    if steps_per_epoch < 1:
        raise ValueError(
            f"the training set has {n} samples, fewer than one batch of {cfg.batch_size} per process "
            f"x {dist.world} processes; lower train.batch_size or use more patients"
        )
    step = 0
    best, best_step, best_metrics = (-float("inf"), -float("inf")), 0, {}
    if resume:
        state = load_checkpoint(run / LAST, dist.device)
        method.load_state_dict(state["method"])
        step = int(state["step"])
        if isinstance(state["best"], list | tuple):  # older checkpoints ranked by PSNR alone: rank afresh
            best, best_step, best_metrics = tuple(state["best"]), int(state["best_step"]), state["best_metrics"]
        set_rng_state(state["rng"])
    writer = log = None
    if dist.main:
        from torch.utils.tensorboard import SummaryWriter

        log = CsvLog(run / "log.csv", keep_until_step=step if resume else -1)
        writer = SummaryWriter(str(run / "tensorboard"), purge_step=step if resume else None)
    bar = tqdm(total=cfg.steps, initial=step, desc="training", unit="step", disable=not (progress and dist.main))
    last_metrics: dict[str, float] = {}
    metrics: dict[str, float] = {}
    started, started_step = time.perf_counter(), step

    def checkpoint(name: str) -> None:
        save_checkpoint(
            run / name,
            {
                "method": method.state_dict(),
                "step": step,
                "best": list(best),
                "best_step": best_step,
                "best_metrics": best_metrics,
                "rng": rng_state(),
            },
        )

    while step < cfg.steps:
        epoch, offset = divmod(step, steps_per_epoch)
        train_set.set_epoch(epoch)
        order = epoch_indices(n, cfg.seed, epoch, dist.rank, dist.world)
        batches = [
            order[k * cfg.batch_size : (k + 1) * cfg.batch_size].tolist() for k in range(offset, steps_per_epoch)
        ]
        loader = DataLoader(train_set, batch_sampler=batches, num_workers=cfg.num_workers)
        for batch in loader:
            metrics = method.step(batch)
            step += 1
            bar.update()
            if dist.main and (step % cfg.log_every == 0 or step == cfg.steps):
                rate = (step - started_step) / max(time.perf_counter() - started, 1e-9)
                bar.set_postfix(loss=f"{metrics['loss']:.4g}", steps_per_s=f"{rate:.2f}")
                log.append({"step": step, "epoch": epoch, **metrics, "steps_per_s": rate})
                for key, value in metrics.items():
                    writer.add_scalar(f"train/{key}", value, step)
            if validate is not None and dist.main and (step % cfg.validate_every == 0 or step == cfg.steps):
                last_metrics = validate(method)
                log.append({"step": step, "epoch": epoch, **{f"val_{k}": v for k, v in last_metrics.items()}})
                for key, value in last_metrics.items():
                    writer.add_scalar(f"val/{key}", value, step)
                if rank(last_metrics) > best:
                    best, best_step, best_metrics = rank(last_metrics), step, dict(last_metrics)
                    checkpoint(BEST)
            if dist.main and (step % cfg.checkpoint_every == 0 or step == cfg.steps):
                checkpoint(LAST)
            if step >= cfg.steps:
                break
    bar.close()
    if dist.active:
        _check_ranks_agree(method, dist, run)
    chosen = card("last", step, last_metrics)
    if dist.main:
        writer.close()
        if cfg.export == "best" and best_metrics:
            method.load_state_dict(load_checkpoint(run / BEST, dist.device)["method"])
            chosen = card("best", best_step, best_metrics)
        if export is not None:
            export(method, run, chosen)
    return (best_metrics if chosen["checkpoint"] == "best" else last_metrics) or metrics


def _check_ranks_agree(method, dist: Dist, run: Path) -> None:
    """All processes must end with the same weights; process 0 records the per-rank checksums."""
    import json

    import torch.distributed as tdist

    params = [p.detach().double().sum() + (p.detach().double() ** 2).sum() for p in method.net.parameters()]
    local = torch.stack(params).sum().reshape(1).to(dist.device)
    gathered = [torch.zeros_like(local) for _ in range(dist.world)]
    tdist.all_gather(gathered, local)
    sums = [float(g.item()) for g in gathered]
    identical = all(value == sums[0] for value in sums)
    if dist.main:
        atomic_write_text(
            run / "distributed.json",
            json.dumps({"world_size": dist.world, "checksums": sums, "identical": identical}, indent=2),
        )
    if not identical:
        raise RuntimeError(f"processes ended with different weights (checksums {sums}); the run is not trustworthy")
