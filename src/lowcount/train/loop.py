"""The training loop shared by every method: batches, logs, validation, checkpoints, resume.

Order of samples: epoch ``e`` visits ``permutation(seed, e)``; with N processes, process r takes every
N-th index from r (so the global batch of N processes with batch b is the single-process batch N x b).
A run stopped at step s restarts at epoch s // steps_per_epoch, batch s % steps_per_epoch, with the
optimiser, scheduler, EMA and RNG states of its checkpoint: it continues bit for bit. A finished run
resumed trains nothing and exports the same weights with the same validation card again (which also
completes an export that a kill interrupted); temporary files of killed writes are removed.

The run directory holds ``config.yaml`` (the resolved config), ``log.csv`` (one row per logged step
and per validation), TensorBoard event files in ``tensorboard/``, ``last.pt`` (every
``checkpoint_every`` steps and at the end), ``best.pt`` (the validation that ranks first by
lowcount.train.selection.rank: fewest created hot spots, then PSNR) and the deployment weights
``model.safetensors`` + ``model.json``: the last step's, or with ``train.export: best`` best.pt's. Only
process 0 writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from lowcount.io.atomic import atomic_write_text, remove_stale_parts
from lowcount.train.checkpoint import BEST, LAST, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from lowcount.train.config import TrainConfig
from lowcount.train.distributed import Dist
from lowcount.train.run_log import RunLog
from lowcount.train.selection import BestValidation, card


def epoch_indices(n: int, seed: int, epoch: int, rank: int = 0, world: int = 1) -> np.ndarray:
    """This process's sample order in ``epoch`` (equal length on every process)."""
    order = np.random.default_rng([seed, epoch, 1_000_003]).permutation(n)
    usable = (n // world) * world
    return order[:usable][rank::world]


def _steps_per_epoch(n: int, cfg: TrainConfig, dist: Dist) -> int:
    per_rank = len(epoch_indices(n, cfg.seed, 0, dist.rank, dist.world))
    steps = per_rank // cfg.batch_size
    if steps < 1:
        raise ValueError(
            f"the training set has {n} samples, fewer than one batch of {cfg.batch_size} per process "
            f"x {dist.world} processes; lower train.batch_size or use more patients"
        )
    return steps


def _loader(train_set, cfg: TrainConfig, dist: Dist, epoch: int, offset: int, steps_per_epoch: int):
    """The batches of ``epoch`` from batch ``offset`` on, for this process."""
    from torch.utils.data import DataLoader

    train_set.set_epoch(epoch)
    order = epoch_indices(len(train_set), cfg.seed, epoch, dist.rank, dist.world)
    batches = [order[k * cfg.batch_size : (k + 1) * cfg.batch_size].tolist() for k in range(offset, steps_per_epoch)]
    return DataLoader(train_set, batch_sampler=batches, num_workers=cfg.num_workers)


def _resume(method, run: Path, dist: Dist, best: BestValidation) -> tuple[int, dict[str, float]]:
    """Load ``run/last.pt`` into ``method``, ``best`` and the RNGs; returns its step and last validation."""
    state = load_checkpoint(run / LAST, dist.device)
    method.load_state_dict(state["method"])
    best.load_state_dict(state)
    set_rng_state(state["rng"])
    return int(state["step"]), dict(state.get("last_metrics", {}))


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
    from tqdm import tqdm

    dist = dist or Dist()
    run = Path(run_dir)
    if dist.main:
        run.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(run)  # left by a write that a kill interrupted
    steps_per_epoch = _steps_per_epoch(len(train_set), cfg, dist)
    best = BestValidation()
    step, last_metrics = _resume(method, run, dist, best) if resume else (0, {})
    log = RunLog(run, step, resume) if dist.main else None
    bar = tqdm(total=cfg.steps, initial=step, desc="training", unit="step", disable=not (progress and dist.main))
    metrics: dict[str, float] = {}
    started, started_step = time.perf_counter(), step

    def checkpoint(name: str) -> None:
        state = {"method": method.state_dict(), "step": step, **best.state_dict(), "last_metrics": last_metrics}
        save_checkpoint(run / name, {**state, "rng": rng_state()})

    while step < cfg.steps:
        epoch, offset = divmod(step, steps_per_epoch)
        for batch in _loader(train_set, cfg, dist, epoch, offset, steps_per_epoch):
            metrics = method.step(batch)
            step += 1
            bar.update()
            if dist.main and (step % cfg.log_every == 0 or step == cfg.steps):
                rate = (step - started_step) / max(time.perf_counter() - started, 1e-9)
                bar.set_postfix(loss=f"{metrics['loss']:.4g}", steps_per_s=f"{rate:.2f}")
                log.step(step, epoch, metrics, rate)
            if validate is not None and dist.main and (step % cfg.validate_every == 0 or step == cfg.steps):
                last_metrics = validate(method)
                log.validation(step, epoch, last_metrics)
                if best.offer(step, last_metrics):
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
        log.close()
        if cfg.export == "best" and best.metrics:
            method.load_state_dict(load_checkpoint(run / BEST, dist.device)["method"])
            chosen = card("best", best.step, best.metrics)
        if export is not None:
            export(method, run, chosen)
    return (best.metrics if chosen["checkpoint"] == "best" else last_metrics) or metrics


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
