import copy
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from lowcount.io.dicom import (
    ENHANCED_MARKER,
    DicomInputError,
    NMHeader,
    read_wholebody,
    write_enhanced,
    write_wholebody,
)

ROWS, COLS = 64, 32


def _views(seed=0):
    rng = np.random.default_rng(seed)
    return rng.poisson(20, (ROWS, COLS)).astype(np.float32), rng.poisson(30, (ROWS, COLS)).astype(np.float32)


def _header(**changes) -> NMHeader:
    base = dict(
        patient_name="TEST^PATIENT",
        patient_id="ID-12345",
        study_uid=generate_uid(),
        series_uid=generate_uid(),
        sop_uid=generate_uid(),
        pixel_spacing_mm=(2.4, 2.4),
        scan_velocity_cm_min=45.0,
        frame_duration_ms=300_000.0,
        frame_of_reference_uid=generate_uid(),
    )
    return NMHeader(**{**base, **changes})


@pytest.fixture
def written(tmp_path):
    ant, post = _views()
    return write_wholebody(tmp_path, ant, post, _header()), ant, post


def _save(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


def test_write_then_read_gives_identical_counts_and_metadata(written):
    path, ant, post = written
    scan = read_wholebody(path)
    np.testing.assert_array_equal(scan.anterior, ant)
    np.testing.assert_array_equal(scan.posterior, post)
    assert scan.scan_velocity_cm_min == 45.0
    assert scan.frame_duration_ms == 300_000.0
    assert scan.pixel_spacing_mm == (2.4, 2.4)
    assert scan.counts_accumulated == int(ant.sum() + post.sum())
    assert "399321004" in scan.view_rules["anterior"] and "399001007" in scan.view_rules["posterior"]
    assert not scan.view_guessed
    assert path.name == f"{scan.sop_uids[0]}.dcm"
    assert "12345" not in path.name and "PATIENT" not in path.name


def test_written_files_pass_dciodvfy(written, dciodvfy_errors):
    assert dciodvfy_errors(written[0]) == []


def test_reads_the_independent_reference_file(reference_nm):
    scan = read_wholebody(reference_nm)
    ds = pydicom.dcmread(reference_nm)
    frames = ds.pixel_array
    np.testing.assert_array_equal(scan.anterior, frames[0])  # detector 1 carries the anterior view code
    np.testing.assert_array_equal(scan.posterior, frames[1])
    assert scan.anterior.shape == (1024, 256)
    assert scan.counts_accumulated == int(frames.sum())
    assert scan.scan_velocity_cm_min == 30.0


def test_frames_are_found_through_the_detector_vector(written, tmp_path):
    path, ant, post = written
    ds = pydicom.dcmread(path)
    # Store the posterior first: frame order flips, the Detector Vector says which detector each frame is.
    ds.set_pixel_data(np.stack([post, ant]).astype(np.uint16), "MONOCHROME2", 16, generate_instance_uid=False)
    ds.DetectorVector = [2, 1]
    scan = read_wholebody(_save(ds, tmp_path / "swapped.dcm"))
    np.testing.assert_array_equal(scan.anterior, ant)
    np.testing.assert_array_equal(scan.posterior, post)


def test_dual_window_picks_the_photopeak_and_honours_a_request(written, tmp_path):
    path, ant, post = written
    ds = pydicom.dcmread(path)
    scatter_ant, scatter_post = ant // 3, post // 3
    ds.set_pixel_data(
        np.stack([scatter_ant, scatter_post, ant, post]).astype(np.uint16),
        "MONOCHROME2",
        16,
        generate_instance_uid=False,
    )
    ds.NumberOfFrames = 4
    ds.EnergyWindowVector = [1, 1, 2, 2]
    ds.DetectorVector = [1, 2, 1, 2]
    ds.NumberOfEnergyWindows = 2
    scatter = Dataset()
    scatter.EnergyWindowName = "SCATTER"
    peak = copy.deepcopy(ds.EnergyWindowInformationSequence[0])
    ds.EnergyWindowInformationSequence = Sequence([scatter, peak])
    dual = _save(ds, tmp_path / "dual.dcm")
    scan = read_wholebody(dual)
    assert scan.energy_window == 2
    np.testing.assert_array_equal(scan.anterior, ant)
    requested = read_wholebody(dual, energy_window=1)
    np.testing.assert_array_equal(requested.posterior, scatter_post)
    with pytest.raises(DicomInputError, match="no window 3"):
        read_wholebody(dual, energy_window=3)
    (out,) = write_enhanced(dual, ant, post, tmp_path / "enh", "unit-test", "0", "input at 45 cm/min")
    enhanced = pydicom.dcmread(out)
    assert int(enhanced.NumberOfFrames) == 2 and int(enhanced.NumberOfEnergyWindows) == 1


def _single_view(path: Path, frame: int, tmp_path: Path, name: str, label: str | None, keep_code: bool) -> Path:
    ds = pydicom.dcmread(path)
    pixels = ds.pixel_array[frame]
    ds.set_pixel_data(pixels, "MONOCHROME2", 16, generate_instance_uid=False)
    ds.NumberOfFrames = 1
    ds.DetectorVector = [1]
    ds.EnergyWindowVector = [1]
    ds.NumberOfDetectors = 1
    item = ds.DetectorInformationSequence[frame]
    if not keep_code:
        del item.ViewCodeSequence
    ds.DetectorInformationSequence = Sequence([item])
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    if label is not None:
        block = ds.private_block(0x0011, "GEMS_GENIE_1", create=True)
        block.add_new(0x12, "LO", label)
    return _save(ds, tmp_path / name)


def test_separate_single_frame_views_are_paired(written, tmp_path):
    path, ant, post = written
    a = _single_view(path, 0, tmp_path, "a.dcm", None, keep_code=True)
    p = _single_view(path, 1, tmp_path, "p.dcm", None, keep_code=True)
    scan = read_wholebody([p, a])
    np.testing.assert_array_equal(scan.anterior, ant)
    np.testing.assert_array_equal(scan.posterior, post)
    assert len(scan.sop_uids) == 2 and not scan.view_guessed


def test_ge_private_label_decides_when_there_is_no_view_code(written, tmp_path):
    path, ant, post = written
    a = _single_view(path, 0, tmp_path, "a.dcm", "ANT", keep_code=False)
    p = _single_view(path, 1, tmp_path, "p.dcm", "POST", keep_code=False)
    scan = read_wholebody([p, a])
    np.testing.assert_array_equal(scan.anterior, ant)
    assert "GEMS_GENIE_1" in scan.view_rules["anterior"] and not scan.view_guessed


def test_views_no_rule_decides_are_guessed_and_flagged(written, tmp_path):
    path, ant, _ = written
    ds = pydicom.dcmread(path)
    for item in ds.DetectorInformationSequence:
        del item.ViewCodeSequence
    scan = read_wholebody(_save(ds, tmp_path / "nocode.dcm"))
    assert scan.view_guessed
    assert "guessed" in scan.view_rules["anterior"]
    np.testing.assert_array_equal(scan.anterior, ant)


@pytest.mark.parametrize("syntax", ["RLELossless", "JPEG2000Lossless"])
def test_compressed_transfer_syntaxes_decode_to_the_same_counts(written, tmp_path, syntax):
    path, ant, post = written
    ds = pydicom.dcmread(path)
    ds.compress(getattr(pydicom.uid, syntax))
    scan = read_wholebody(_save(ds, tmp_path / f"{syntax}.dcm"))
    np.testing.assert_array_equal(scan.anterior, ant)
    np.testing.assert_array_equal(scan.posterior, post)


def test_empty_pixel_spacing_is_read_as_unknown_with_a_note(written, tmp_path):
    ds = pydicom.dcmread(written[0])
    ds.PixelSpacing = None
    scan = read_wholebody(_save(ds, tmp_path / "nospacing.dcm"))
    assert scan.pixel_spacing_mm is None
    assert any("Pixel Spacing" in note for note in scan.notes)


def test_enhanced_output_is_a_derived_object_in_a_new_series(written, tmp_path, dciodvfy_errors):
    path, ant, post = written
    (out,) = write_enhanced(
        path,
        ant * 1.4,
        post * 1.4,
        tmp_path / "enhanced",
        "se_unet",
        "0.1.0",
        "input acquired at 45 cm/min",
        uid_entropy=["test"],
    )
    src, ds = pydicom.dcmread(path), pydicom.dcmread(out)
    assert list(ds.ImageType) == ["DERIVED", "PRIMARY", "WHOLE BODY", "EMISSION"]
    assert ds.StudyInstanceUID == src.StudyInstanceUID
    assert ds.SeriesInstanceUID != src.SeriesInstanceUID and ds.SOPInstanceUID != src.SOPInstanceUID
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ENHANCED_MARKER in ds.SeriesDescription and ENHANCED_MARKER in ds.ImageComments
    assert "45 cm/min" in ds.DerivationDescription
    assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID == src.SOPInstanceUID
    assert ds.DerivationCodeSequence[0].CodeValue == "113087"
    assert ds.ContributingEquipmentSequence[0].PurposeOfReferenceCodeSequence[0].CodeValue == "109103"
    scan = read_wholebody(out)
    np.testing.assert_array_equal(scan.anterior, np.rint(ant * 1.4))
    assert int(ds.CountsAccumulated) == int(np.rint(ant * 1.4).sum() + np.rint(post * 1.4).sum())
    assert out.name == f"{ds.SOPInstanceUID}.dcm"
    assert dciodvfy_errors(out) == []


def _text_file(tmp_path, written):
    path = tmp_path / "notes.dcm"
    path.write_text("this is not DICOM")
    return path


def _truncated(tmp_path, written):
    data = written[0].read_bytes()
    path = tmp_path / "truncated.dcm"
    path.write_bytes(data[: len(data) // 3])
    return path


def _edited(tmp_path, written, name, edit):
    ds = pydicom.dcmread(written[0])
    edit(ds)
    return _save(ds, tmp_path / name)


def _screenshot(tmp_path, written):
    ds = pydicom.dcmread(written[0])
    rgb = np.zeros((ROWS, COLS, 3), np.uint8)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.set_pixel_data(rgb, "RGB", 8, generate_instance_uid=False)
    ds.NumberOfFrames = 1
    return _save(ds, tmp_path / "screenshot.dcm")


def _no_pixels(ds):
    del ds.PixelData


def _odd_frames(ds):
    ant = ds.pixel_array[0]
    ds.set_pixel_data(np.stack([ant, ant, ant]), "MONOCHROME2", 16, generate_instance_uid=False)
    ds.NumberOfFrames = 3
    ds.DetectorVector = [1, 2, 1]
    ds.EnergyWindowVector = [1, 1, 1]


def _signed_negative(ds):
    frames = ds.pixel_array.astype(np.int16)
    frames[0, 0, 0] = -5
    ds.set_pixel_data(frames, "MONOCHROME2", 16, generate_instance_uid=False)


ILL_FILES = [
    (lambda t, w: t / "missing.dcm", "no such file"),
    (_text_file, "not a DICOM file"),
    (_truncated, "truncated|cannot be decoded|Number of Frames"),
    (lambda t, w: _edited(t, w, "ct.dcm", lambda ds: setattr(ds, "Modality", "CT")), "Modality"),
    (_screenshot, "colour screenshot holds display colours"),
    (lambda t, w: _edited(t, w, "nopix.dcm", _no_pixels), "Pixel Data"),
    (lambda t, w: _edited(t, w, "odd.dcm", _odd_frames), "Number of Frames"),
    (lambda t, w: _edited(t, w, "neg.dcm", _signed_negative), "negative"),
]


@pytest.mark.parametrize("make, message", ILL_FILES)
def test_bad_files_get_a_clear_error_naming_the_file(tmp_path, written, make, message):
    path = make(tmp_path, written)
    with pytest.raises(DicomInputError, match=message) as info:
        read_wholebody(path)
    assert str(path) in str(info.value)


def test_one_view_alone_is_a_single_view_study_and_its_derived_object_keeps_the_view(
    written, tmp_path, dciodvfy_errors
):
    path, ant, post = written
    p = _single_view(path, 1, tmp_path, "p.dcm", None, keep_code=True)
    scan = read_wholebody([p])
    assert scan.view_names == ("posterior",) and scan.anterior is None and not scan.view_guessed
    np.testing.assert_array_equal(scan.views(), post[None])
    assert any("single view" in note for note in scan.notes)
    with pytest.raises(DicomInputError, match="--view says anterior but the file says posterior"):
        read_wholebody([p], view="anterior")
    with pytest.raises(ValueError, match="do not match the source's views"):
        write_enhanced(p, ant, None, tmp_path / "enh", "unit-test", "0", "input at 45 cm/min")
    (out,) = write_enhanced(p, None, post + 1, tmp_path / "enh", "unit-test", "0", "input at 45 cm/min")
    derived = read_wholebody(out)
    assert derived.view_names == ("posterior",) and derived.posterior.sum() == post.sum() + post.size
    assert int(pydicom.dcmread(out).CountsAccumulated) == post.sum() + post.size
    assert dciodvfy_errors(out) == []


def test_a_lone_view_no_rule_names_is_guessed_and_flagged_unless_given(written, tmp_path):
    a = _single_view(written[0], 0, tmp_path, "a.dcm", None, keep_code=False)
    guessed = read_wholebody(a)
    assert guessed.view_names == ("anterior",) and guessed.view_guessed
    assert "--view" in guessed.view_rules["anterior"]
    given = read_wholebody(a, view="posterior")
    assert given.view_names == ("posterior",) and not given.view_guessed
    assert given.view_rules["posterior"] == "given by the user (--view)"
    with pytest.raises(DicomInputError, match="hold 2 views"):
        read_wholebody(written[0], view="anterior")
    with pytest.raises(DicomInputError, match="--view must be one of"):
        read_wholebody(a, view="lateral")


ILL_WRITES = [
    (lambda a, p: (a * np.nan, p), {}, "NaN"),
    (lambda a, p: (a - 100, p), {}, "negative"),
    (lambda a, p: (a, p[:10]), {}, "equal shape"),
    (lambda a, p: (a, p), {"pixel_spacing_mm": (0.0, 2.4)}, "pixel_spacing_mm"),
    (lambda a, p: (a, p), {"scan_velocity_cm_min": 0.0}, "scan_velocity_cm_min"),
]


@pytest.mark.parametrize("change, header, message", ILL_WRITES)
def test_writer_refuses_bad_arrays_and_leaves_nothing_behind(tmp_path, change, header, message):
    ant, post = change(*_views())
    with pytest.raises(ValueError, match=message):
        write_wholebody(tmp_path, ant, post, _header(**header))
    assert list(tmp_path.iterdir()) == []


def test_large_counts_are_clipped_to_uint16(tmp_path):
    ant, post = _views()
    ant[0, 0] = 1e6
    scan = read_wholebody(write_wholebody(tmp_path, ant, post, _header()))
    assert scan.anterior[0, 0] == 65535


def test_enhanced_output_of_separate_files_is_one_derived_object_per_file(written, tmp_path, dciodvfy_errors):
    path, ant, post = written
    a = _single_view(path, 0, tmp_path, "a.dcm", None, keep_code=True)
    p = _single_view(path, 1, tmp_path, "p.dcm", None, keep_code=True)
    outs = write_enhanced([p, a], ant + 1, post + 2, tmp_path / "enhanced", "edsr", "1", "input at 30 cm/min")
    assert len(outs) == 2
    derived = [pydicom.dcmread(o) for o in outs]
    assert derived[0].SeriesInstanceUID == derived[1].SeriesInstanceUID
    assert derived[0].SOPInstanceUID != derived[1].SOPInstanceUID
    assert derived[0].SourceImageSequence[0].ReferencedSOPInstanceUID == pydicom.dcmread(p).SOPInstanceUID
    scan = read_wholebody(outs)
    np.testing.assert_array_equal(scan.anterior, ant + 1)
    np.testing.assert_array_equal(scan.posterior, post + 2)
    for out in outs:
        assert dciodvfy_errors(out) == []


def test_enhanced_output_keeps_the_source_frame_order(written, tmp_path):
    path, ant, post = written
    ds = pydicom.dcmread(path)
    ds.set_pixel_data(np.stack([post, ant]).astype(np.uint16), "MONOCHROME2", 16, generate_instance_uid=False)
    ds.DetectorVector = [2, 1]
    swapped = _save(ds, tmp_path / "swapped.dcm")
    (out,) = write_enhanced(swapped, ant * 2, post * 2, tmp_path / "enhanced", "unet", "1", "3x")
    frames = pydicom.dcmread(out).pixel_array
    np.testing.assert_array_equal(frames[0], post * 2)  # the posterior stays in frame 1, as in the source
    np.testing.assert_array_equal(read_wholebody(out).anterior, ant * 2)


def test_enhanced_views_must_keep_the_geometry(written, tmp_path):
    path, ant, post = written
    with pytest.raises(ValueError, match="source geometry"):
        write_enhanced(path, ant[:10], post, tmp_path / "enhanced", "unet", "1", "3x")


@pytest.mark.parametrize("option, syntax", [("+e1", "1.2.840.10008.1.2.4.70"), ("+el", "1.2.840.10008.1.2.4.57")])
def test_jpeg_lossless_decodes_to_the_same_counts(written, tmp_path, option, syntax):
    import shutil
    import subprocess

    encoder = shutil.which("dcmcjpeg")
    if encoder is None:
        pytest.skip("dcmcjpeg (Debian package dcmtk) is not installed; `make test` installs it as root")
    path, ant, post = written
    out = tmp_path / "jpegls.dcm"
    subprocess.run([encoder, option, str(path), str(out)], check=True, capture_output=True)  # JPEG lossless
    assert pydicom.dcmread(out).file_meta.TransferSyntaxUID == syntax
    scan = read_wholebody(out)
    np.testing.assert_array_equal(scan.anterior, ant)
    np.testing.assert_array_equal(scan.posterior, post)
