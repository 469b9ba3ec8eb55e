"""What a run writes as it trains: ``log.csv`` (one row per logged step and per validation) and TensorBoard
events in ``tensorboard/`` (``train/<loss>`` and ``val/<metric>``). A resumed run keeps the rows up to its
checkpoint's step and purges later TensorBoard events, so the record reads as one uninterrupted run."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lowcount.io.atomic import atomic_write_text


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


class RunLog:
    """The CSV log and the TensorBoard writer of one run (process 0 only)."""

    def __init__(self, run: Path, step: int = 0, resume: bool = False) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.csv = CsvLog(run / "log.csv", keep_until_step=step if resume else -1)
        self.writer = SummaryWriter(str(run / "tensorboard"), purge_step=step if resume else None)

    def step(self, step: int, epoch: int, metrics: dict[str, float], steps_per_s: float) -> None:
        self.csv.append({"step": step, "epoch": epoch, **metrics, "steps_per_s": steps_per_s})
        for key, value in metrics.items():
            self.writer.add_scalar(f"train/{key}", value, step)

    def validation(self, step: int, epoch: int, metrics: dict[str, float]) -> None:
        self.csv.append({"step": step, "epoch": epoch, **{f"val_{k}": v for k, v in metrics.items()}})
        for key, value in metrics.items():
            self.writer.add_scalar(f"val/{key}", value, step)

    def close(self) -> None:
        self.writer.close()
