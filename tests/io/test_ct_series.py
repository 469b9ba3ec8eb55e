"""DICOM CT series: the volume survives a round trip, slices are sorted and checked, derived series are marked."""

import shutil

import numpy as np
import pydicom
import pytest

from lowcount.io.dicom.ct_series import (
    CTHeader,
    is_ct_dicom,
    read_ct_series,
    write_ct_series,
    write_derived_ct_series,
)
from lowcount.io.dicom.scan import ENHANCED_MARKER, DicomInputError

VOXEL_MM = (0.5, 0.35, 0.3)


def _header(tag: str = "a") -> CTHeader:
    from pydicom.uid import generate_uid

    uid = lambda what: generate_uid(entropy_srcs=[tag, what])  # noqa: E731
    return CTHeader("PHANTOM^MOUSE", "M0001", uid("study"), uid("series"), uid("frame"))


@pytest.fixture()
def series(tmp_path):
    hu = np.random.default_rng(0).normal(0, 300, (6, 16, 20)).astype(np.float32)
    hu[0, 0, 0] = -1000.0
    write_ct_series(hu, VOXEL_MM, tmp_path / "ct", _header())
    return hu, tmp_path / "ct"


def test_round_trip_keeps_hu_and_geometry(series, dciodvfy_errors):
    hu, folder = series
    back = read_ct_series([folder])
    np.testing.assert_allclose(back.hu, hu, atol=0.501)  # stored as whole HU
    assert back.voxel_mm == pytest.approx(VOXEL_MM)
    assert is_ct_dicom(folder)
    assert dciodvfy_errors(next(folder.glob("*.dcm"))) == []


def test_slices_are_sorted_by_position_not_by_name(series, tmp_path):
    hu, folder = series
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for k, path in enumerate(sorted(folder.glob("*.dcm"), key=lambda p: pydicom.dcmread(p).InstanceNumber)):
        shutil.copy(path, shuffled / f"{(7 * k) % 6}.dcm")
    np.testing.assert_allclose(read_ct_series([shuffled]).hu, hu, atol=0.501)


def test_uneven_slices_other_modalities_and_two_series_are_refused(series, tmp_path, reference_nm):
    _, folder = series
    files = sorted(folder.glob("*.dcm"), key=lambda p: pydicom.dcmread(p).InstanceNumber)
    with pytest.raises(DicomInputError, match="ImagePositionPatient"):
        read_ct_series([files[0], files[1], files[3]])
    with pytest.raises(DicomInputError, match="Modality"):
        read_ct_series([files[0], reference_nm])
    write_ct_series(np.zeros((2, 16, 20)), VOXEL_MM, tmp_path / "other", _header("b"))
    with pytest.raises(DicomInputError, match="2 series"):
        read_ct_series([folder, tmp_path / "other"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DicomInputError, match="no .dcm"):
        read_ct_series([tmp_path / "empty"])


def test_derived_series_is_marked_and_references_its_source(series, tmp_path, dciodvfy_errors):
    hu, folder = series
    source = read_ct_series([folder])
    written = write_derived_ct_series(source, hu + 7.0, tmp_path / "out", "unet2d", "1")
    derived = sorted((pydicom.dcmread(p) for p in written), key=lambda d: d.InstanceNumber)
    assert {d.SeriesInstanceUID for d in derived} != {source.datasets[0].SeriesInstanceUID}
    assert {d.StudyInstanceUID for d in derived} == {source.datasets[0].StudyInstanceUID}
    assert all(d.ImageType[0] == "DERIVED" and ENHANCED_MARKER in d.SeriesDescription for d in derived)
    refs = [d.SourceImageSequence[0].ReferencedSOPInstanceUID for d in derived]
    assert refs == [d.SOPInstanceUID for d in source.datasets]
    np.testing.assert_allclose(read_ct_series([tmp_path / "out"]).hu, hu + 7.0, atol=0.501)
    assert dciodvfy_errors(written[0]) == []
    with pytest.raises(ValueError, match="source series"):
        write_derived_ct_series(source, hu[:2], tmp_path / "bad", "unet2d")
