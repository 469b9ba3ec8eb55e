"""Regression tests from fuzzing: every saved crash input is now refused cleanly (or read with sane values)."""

from pathlib import Path

import pytest

from lowcount.io.dicom import DicomInputError, read_wholebody

from .test_reader import _sane

CRASHES = sorted(p for p in (Path(__file__).parent / "crashes").iterdir() if p.name != "README.md")


@pytest.mark.parametrize("path", CRASHES, ids=lambda p: p.name)
def test_a_saved_crash_input_is_handled(path, tmp_path):
    copy = tmp_path / "input.dcm"
    copy.write_bytes(path.read_bytes())
    try:
        scan = read_wholebody(copy)
    except DicomInputError as exc:
        assert str(exc).startswith(str(copy))
        return
    assert _sane(scan) == []
