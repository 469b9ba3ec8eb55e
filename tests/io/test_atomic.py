import pytest

from lowcount.io.atomic import atomic_open, atomic_write_text


def test_failure_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "result.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as fh:
        fh.write("half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.txt"]


def test_success_replaces_and_creates_folders(tmp_path):
    target = tmp_path / "deep" / "result.txt"
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    with pytest.raises(ValueError, match="writes only"):
        with atomic_open(target, "r"):
            pass


def test_stale_temporary_files_and_staging_folders_are_removed_and_fresh_ones_kept(tmp_path):
    import os
    import time

    from lowcount.io.atomic import remove_stale_parts, remove_stale_staging

    old, fresh = tmp_path / ".last.pt.abc.part", tmp_path / ".model.json.def.part"
    for path in (old, fresh):
        path.write_text("half")
    stage = tmp_path / ".staging-xyz"
    stage.mkdir()
    (stage / "a.dcm").write_text("half")
    hour_ago = time.time() - 3600
    for path in (old, stage):
        os.utime(path, (hour_ago, hour_ago))
    assert remove_stale_parts(tmp_path) == [old]
    remove_stale_staging(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name]  # a fresh one may be a write in progress


def test_a_staged_folder_moves_everything_in_or_nothing(tmp_path):
    from lowcount.io.atomic import staged_folder

    with staged_folder(tmp_path) as stage:
        atomic_write_text(stage / "x.dcm", "x")
        atomic_write_text(stage / "sub" / "y.png", "y")
    assert (tmp_path / "x.dcm").read_text() == "x" and (tmp_path / "sub" / "y.png").read_text() == "y"
    with pytest.raises(OSError), staged_folder(tmp_path / "other") as stage:
        atomic_write_text(stage / "z.dcm", "z")
        raise OSError(28, "No space left on device")
    assert list((tmp_path / "other").iterdir()) == []
