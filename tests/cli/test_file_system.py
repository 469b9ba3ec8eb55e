"""Full and read-only disks, output collisions and failed starts: a clear message, nothing half-written."""

import errno

import numpy as np
import pytest
from typer.testing import CliRunner

import lowcount.io.atomic as atomic
from lowcount.cli import app

runner = CliRunner()
MESSAGES = {errno.ENOSPC: "No space left on device", errno.EROFS: "Read-only file system"}


def _disk(monkeypatch, code: int, after: int = 0):
    """Every atomic write after the first ``after`` fails as a full (ENOSPC) or read-only (EROFS) disk would."""
    real, calls = atomic.tempfile.mkstemp, []

    def mkstemp(*args, **kwargs):
        calls.append(1)
        if len(calls) > after:
            raise OSError(code, MESSAGES[code], kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_simulate_on_a_failing_disk_says_so_and_leaves_no_cohort(monkeypatch, tmp_path, code):
    _disk(monkeypatch, code, after=3)
    args = ["simulate", "--out", str(tmp_path / "c"), "--patients", "2", "--workers", "1", "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.output.startswith("error: "), result.output
    assert "disk has space" in result.output
    assert [p for p in (tmp_path / "c").rglob("*") if p.is_file()] == []  # no DICOM without its truth and manifest


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_enhance_and_index_on_a_failing_disk_say_so(small_cohort, monkeypatch, tmp_path, code):
    from lowcount.io.manifest import read_manifest

    source = next(r["dicom_path"] for r in read_manifest(small_cohort) if r["acquisition"] == "fast3x")
    _disk(monkeypatch, code)
    out = tmp_path / "out"
    result = runner.invoke(app, ["enhance", source, "--method", "gaussian", "--speed-factor", "3", "--out", str(out)])
    assert result.exit_code == 2 and result.output.startswith("error: "), result.output
    assert [p for p in out.rglob("*") if p.is_file()] == []
    result = runner.invoke(app, ["index", str(small_cohort.parent / "dicom"), "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 2 and result.output.startswith("error: "), result.output


def test_train_on_a_failing_disk_says_so_and_removes_the_run_folder_it_made(small_cohort, monkeypatch, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "model: {name: unet, args: {channels: [4, 8, 16]}}\ndata: {patch: [32, 32]}\ntrain: {steps: 2, batch_size: 2}\n"
    )
    _disk(monkeypatch, errno.ENOSPC)
    args = ["train", str(config), "--data", str(small_cohort.parent), "--out", str(tmp_path / "run")]
    result = runner.invoke(app, [*args, "--no-progress"])
    assert result.exit_code == 2 and "No space left on device" in result.output, result.output
    assert not (tmp_path / "run").exists()


def test_inputs_whose_outputs_would_collide_are_refused_before_anything_is_written(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        np.save(tmp_path / folder / "scan.npy", np.full((2, 32, 16), 5.0, np.float32))
    out = tmp_path / "out"
    args = ["enhance", str(tmp_path / "a" / "scan.npy"), str(tmp_path / "b" / "scan.npy"), "--method", "gaussian"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2 and "both would be written as" in result.output
    assert not out.exists() or not any(out.iterdir())
