"""Atomic file writes: a temporary file in the target folder, renamed over the target when complete.

An interrupted run therefore leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed.

    Example:
        >>> with atomic_open(tmp_path / "x.txt", "w") as fh:  # doctest: +SKIP
        ...     fh.write("done")
    """
    if "w" not in mode:
        raise ValueError(f"atomic_open writes only; got mode {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


STALE_PART_S = 60.0  # older than this, a .part file is left from a killed write (a write takes seconds)


def remove_stale_parts(folder: str | os.PathLike, older_than_s: float = STALE_PART_S) -> list[Path]:
    """Remove the temporary ``.<name>.*.part`` files that killed writes left in ``folder`` (not below it);
    recent ones may belong to a write in progress and stay. Returns what was removed."""
    import time

    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for part in folder.glob(".*.part"):
        with contextlib.suppress(FileNotFoundError):
            if time.time() - part.stat().st_mtime > older_than_s:
                part.unlink()
                removed.append(part)
    return removed


@contextlib.contextmanager
def staged_folder(out_dir: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder inside ``out_dir`` for outputs that belong together; on success every file in it
    (and in its sub-folders) is moved to the same place under ``out_dir`` and the folder removed, on error the
    folder and everything in it are removed, so ``out_dir`` gets all of the outputs or none of them.

    Example:
        >>> with staged_folder(out) as stage:  # doctest: +SKIP
        ...     write_dicom(stage / "x.dcm"); write_preview(stage / "x.png")
    """
    import shutil

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        yield stage
        for path in sorted(p for p in stage.rglob("*") if p.is_file()):
            target = out / path.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def remove_stale_staging(out_dir: str | os.PathLike, older_than_s: float = STALE_PART_S) -> None:
    """Remove staging folders (:func:`staged_folder`) that a killed run left in ``out_dir``."""
    import shutil
    import time

    for stage in Path(out_dir).glob(".staging-*"):
        with contextlib.suppress(FileNotFoundError):
            if stage.is_dir() and time.time() - stage.stat().st_mtime > older_than_s:
                shutil.rmtree(stage, ignore_errors=True)
