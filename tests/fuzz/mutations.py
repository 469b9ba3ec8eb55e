"""Deterministic mutants of whole-body NM files, for the in-suite fuzz tests and as seeds of the Atheris run.

Each mutant is ``(name, bytes, invalid)``: ``invalid`` is True when the mutation breaks a rule lowcount must
enforce (a reader that accepts it is wrong), False when the file may still be a valid acquisition (a byte
flip in the pixel data, say), in which case reading it must either succeed with sane values or fail with a
DicomInputError. Every draw comes from ``numpy.random.default_rng(seed)``: the same seed, the same mutants.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

BAD_NUMBERS = ["nan", "inf", "-inf", "0", "-1", "abc", "1e999"]
BAD_UIDS = ["..", "/abs/x", "1.2.3\n4", "1.02.3", "1." + "2" * 70, "1.2.abc", ""]


def encode(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def _with(ds: Dataset, **values) -> Dataset:
    out = copy.deepcopy(ds)
    for keyword, value in values.items():
        if value is None:
            if keyword in out:
                delattr(out, keyword)
        else:
            setattr(out, keyword, value)
    return out


def _raw_value(ds: Dataset, keyword: str, vr: str, text: str) -> Dataset:
    """Store ``text`` as the raw bytes of ``keyword``, bypassing pydicom's validation on assignment."""
    out = copy.deepcopy(ds)
    tag = pydicom.datadict.tag_for_keyword(keyword)
    payload = text.encode("latin-1", "replace")
    if len(payload) % 2:
        payload += b" "
    out[tag] = pydicom.dataelem.RawDataElement(tag, vr, len(payload), payload, 0, False, True)
    return out


def _raw_bytes(ds: Dataset, keyword: str, vr: str, payload: bytes) -> Dataset:
    out = copy.deepcopy(ds)
    tag = pydicom.datadict.tag_for_keyword(keyword)
    out[tag] = pydicom.dataelem.RawDataElement(tag, vr, len(payload), payload, 0, False, True)
    return out


def attribute_mutants(ds: Dataset) -> list[tuple[str, bytes, bool]]:
    """Invalid values of every attribute lowcount reads (numbers, vectors, UIDs, sizes, modality)."""
    out = []
    for value in BAD_NUMBERS:
        out.append((f"PixelSpacing={value}", encode(_raw_value(ds, "PixelSpacing", "DS", f"{value}\\{value}")), True))
        out.append((f"ScanVelocity={value}", encode(_raw_value(ds, "ScanVelocity", "DS", value)), True))
        out.append((f"RescaleSlope={value}", encode(_raw_value(ds, "RescaleSlope", "DS", value)), value != "0"))
    for value in ("0", "-5", "abc", "nan"):
        out.append((f"ActualFrameDuration={value}", encode(_raw_value(ds, "ActualFrameDuration", "IS", value)), True))
    for value in ("abc", "-5", "1.5"):
        out.append((f"CountsAccumulated={value}", encode(_raw_value(ds, "CountsAccumulated", "IS", value)), True))
    out.append(("PixelSpacing single", encode(_raw_value(ds, "PixelSpacing", "DS", "2.26")), True))
    out.append(("PixelSpacing three", encode(_raw_value(ds, "PixelSpacing", "DS", "1\\2\\3")), True))
    for values in ((0, 1), (1, 7), (1, 1, 1), (2, 2)):
        out.append((f"DetectorVector={values}", encode(_with(ds, DetectorVector=list(values))), True))
    out.append(("DetectorVector empty", encode(_raw_bytes(ds, "DetectorVector", "US", b"")), False))
    for value in ("0", "3", "abc", "-1"):
        out.append((f"NumberOfFrames={value}", encode(_raw_value(ds, "NumberOfFrames", "IS", value)), True))
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        for value in BAD_UIDS:
            out.append((f"{keyword}={value!r}", encode(_raw_value(ds, keyword, "UI", value)), True))
    out.append(("Rows smaller", encode(_with(ds, Rows=int(ds.Rows) - 4)), True))
    out.append(("Columns larger", encode(_with(ds, Columns=int(ds.Columns) + 4)), True))
    out.append(("BitsAllocated 12", encode(_with(ds, BitsAllocated=12)), True))
    out.append(("no PixelData", encode(_with(ds, PixelData=None)), True))
    out.append(("Modality CT", encode(_with(ds, Modality="CT")), True))
    out.append(("Samples 3", encode(_with(ds, SamplesPerPixel=3)), True))
    out.append(("huge matrix", encode(_with(ds, Rows=8192, Columns=8192)), True))
    window = Dataset()
    limits = Dataset()
    limits.EnergyWindowLowerLimit, limits.EnergyWindowUpperLimit = "129.5", "150.5"
    window.EnergyWindowRangeSequence = Sequence([limits])
    broken = _with(ds, EnergyWindowVector=[1, 2], NumberOfEnergyWindows=2, NumberOfFrames=2)
    broken.EnergyWindowInformationSequence = Sequence([window, copy.deepcopy(window)])
    broken = _raw_value(broken, "NumberOfDetectors", "US", "1")
    out.append(("energy windows of one detector", encode(broken), True))
    return out


def byte_mutants(data: bytes, rng: np.random.Generator, flips: int, truncations: int) -> list[tuple[str, bytes, bool]]:
    """Random single-byte flips (mostly in the header, where they matter) and truncations."""
    out = []
    header = min(len(data), 2048)
    for k in range(flips):
        mutant = bytearray(data)
        position = int(rng.integers(128, header)) if k % 4 else int(rng.integers(128, len(data)))
        mutant[position] ^= int(rng.integers(1, 256))
        out.append((f"flip@{position}", bytes(mutant), False))
    for _ in range(truncations):
        cut = int(rng.integers(0, len(data) - 1))
        out.append((f"truncated@{cut}", data[:cut], True))
    return out


def mutants(seed_files: list[Path], seed: int = 0, flips: int = 60, truncations: int = 20) -> list:
    """Every mutant of every seed file: the attribute mutants and ``flips`` + ``truncations`` byte mutants."""
    rng = np.random.default_rng(seed)
    out = []
    for path in seed_files:
        data = path.read_bytes()
        ds = pydicom.dcmread(io.BytesIO(data))
        out += [(f"{path.name}:{name}", mutant, invalid) for name, mutant, invalid in attribute_mutants(ds)]
        out += [
            (f"{path.name}:{name}", mutant, invalid)
            for name, mutant, invalid in byte_mutants(data, rng, flips, truncations)
        ]
    return out
