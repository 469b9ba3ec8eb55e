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
