"""The reader under several hundred deterministic mutants: it refuses every invalid file with a
DicomInputError naming the file, never raises anything else, and what it accepts has sane values."""

import math
import re

import numpy as np
import pytest

from lowcount.io.dicom import DicomInputError, read_wholebody
from lowcount.io.dicom.values import UID, codestream_size

from .mutations import mutants
from .seeds import write_seeds


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return write_seeds(tmp_path_factory.mktemp("seeds"))


def _sane(scan) -> list[str]:
    problems = []
    if scan.pixel_spacing_mm is not None and not all(math.isfinite(v) and v > 0 for v in scan.pixel_spacing_mm):
        problems.append(f"pixel spacing {scan.pixel_spacing_mm}")
    for name in ("scan_velocity_cm_min", "frame_duration_ms"):
        value = getattr(scan, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            problems.append(f"{name} {value}")
    if scan.counts_accumulated is not None and scan.counts_accumulated < 0:
        problems.append(f"counts accumulated {scan.counts_accumulated}")
    for value in (scan.study_uid, scan.series_uid, *scan.sop_uids):
        if not UID.fullmatch(value) or len(value) > 64:
            problems.append(f"UID {value!r}")
    views = scan.views()
    if not np.isfinite(views).all() or views.min() < 0 or len(views) != len(scan.view_names):
        problems.append("pixel values")
    return problems


def test_every_mutant_is_read_or_refused_cleanly_and_no_invalid_one_is_accepted(seeds, tmp_path):
    counts = {"mutants": 0, "refused": 0, "read": 0, "invalid_accepted": 0, "other_exceptions": 0, "insane": 0}
    failures = []
    for k, (name, data, invalid) in enumerate(mutants(seeds, seed=7)):
        path = tmp_path / f"m{k}.dcm"
        path.write_bytes(data)
        counts["mutants"] += 1
        try:
            scan = read_wholebody(path)
        except DicomInputError as exc:
            counts["refused"] += 1
            if not str(exc).startswith(str(path)):
                failures.append(f"{name}: message does not start with the file: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            counts["other_exceptions"] += 1
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        counts["read"] += 1
        if invalid:
            counts["invalid_accepted"] += 1
            failures.append(f"{name}: accepted")
        if problems := _sane(scan):
            counts["insane"] += 1
            failures.append(f"{name}: read with {problems}")
    print(counts)
    assert counts["mutants"] > 300 and counts["refused"] > 0 and counts["read"] > 0
    assert not failures, "\n".join(failures[:20])


def test_a_decompression_bomb_is_refused_from_its_header_before_decoding(seeds, tmp_path, monkeypatch):
    import pydicom

    decoded = []
    monkeypatch.setattr(pydicom.dataset.Dataset, "pixel_array", property(lambda self: decoded.append(1)))
    j2k = next(p for p in seeds if p.name == "j2k.dcm")
    ds = pydicom.dcmread(j2k)
    ds.Rows, ds.Columns, ds.NumberOfFrames = 8192, 8192, 2
    ds.save_as(tmp_path / "bomb.dcm", enforce_file_format=True)
    with pytest.raises(DicomInputError, match=re.escape("8192 x 8192")):
        read_wholebody(tmp_path / "bomb.dcm")
    assert not decoded


def test_a_codestream_that_declares_another_matrix_than_the_header_is_refused(seeds, tmp_path):
    import pydicom
    from pydicom.encaps import encapsulate, generate_frames

    j2k = next(p for p in seeds if p.name == "j2k.dcm")
    ds = pydicom.dcmread(j2k)
    frames = [bytearray(f) for f in generate_frames(ds.PixelData, number_of_frames=2)]
    assert codestream_size(bytes(frames[0])) == (64, 32)
    for frame in frames:  # Xsiz, Ysiz of the SIZ segment: 8192 x 8192
        start = frame.find(b"\xff\x4f\xff\x51")
        frame[start + 8 : start + 16] = (8192).to_bytes(4, "big") * 2
    ds.PixelData = encapsulate([bytes(f) for f in frames])
    ds.save_as(tmp_path / "lying.dcm", enforce_file_format=True)
    with pytest.raises(DicomInputError, match="declares 8192 x 8192"):
        read_wholebody(tmp_path / "lying.dcm")
