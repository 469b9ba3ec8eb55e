"""16-bit NM Secondary Capture views (a common vendor export of one whole-body view) through info, enhance and
evaluate --truth-free; screenshots and processed captures refused with the reason."""

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from scipy.ndimage import gaussian_filter
from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.io.dicom import DicomInputError, read_wholebody

SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"


@pytest.fixture(scope="module")
def standard_views():
    """Two phantom patients' standard scans (seeds 961, 962), (2, 1024, 256) counts each."""
    from lowcount.phantom.patient import acquire, sample_patient
    from lowcount.phantom.protocol import PhantomConfig

    cfg = replace(PhantomConfig(), speed_factors=(3.0,))
    scans = []
    for seed in (961, 962):
        rng = np.random.default_rng(seed)
        standard, _ = acquire(sample_patient(rng, cfg), cfg, rng)
        scans.append(standard.counts)
    return scans


def capture(path: Path, pixels: np.ndarray, description: str = "WB ANT", **changes) -> Path:
    """A Secondary Capture of one view as a vendor workstation exports it (16-bit MONOCHROME2, Modality NM)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = changes.pop("sop_class", SC_IMAGE)
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["DERIVED", "PRIMARY", "WHOLE BODY", "EMISSION"]
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "CAPTURE^TEST", "SC-0042", "", "O"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.StudyDate = ds.ContentDate = "20260101"
    ds.StudyTime = ds.ContentTime = "090000"
    ds.ReferringPhysicianName, ds.StudyID, ds.AccessionNumber = "", "1", ""
    ds.Modality, ds.SeriesNumber, ds.SeriesDescription, ds.Laterality = "NM", 3, description, ""
    ds.Manufacturer, ds.ConversionType = "GE MEDICAL SYSTEMS", "WSD"
    ds.InstanceNumber, ds.PatientOrientation = 1, ""
    ds.PixelSpacing = ["2.26", "2.26"]
    ds.BurnedInAnnotation = "NO"
    photometric = changes.pop("photometric", "MONOCHROME2")
    bits = 8 if pixels.dtype == np.uint8 else 16
    ds.set_pixel_data(pixels, photometric, bits, generate_instance_uid=False)
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    ds.save_as(path, enforce_file_format=True)
    return path


def test_a_16_bit_capture_is_read_as_one_view_and_info_says_how(standard_views, tmp_path):
    ant = standard_views[0][0]
    path = capture(tmp_path / "ant.dcm", ant.astype(np.uint16))
    scan = read_wholebody(path)
    assert scan.view_names == ("anterior",) and scan.secondary_capture and not scan.view_guessed
    np.testing.assert_array_equal(scan.anterior, ant)
    assert scan.view_rules["anterior"] == "text of SeriesDescription"
    info = CliRunner().invoke(app, ["info", str(path)])
    assert info.exit_code == 0, info.output
    assert "16-bit Secondary Capture" in info.output and "posterior not in this acquisition" in info.output
    assert ": counts" in info.output and "SC-0042" not in info.output and "CAPTURE" not in info.output
    by_type = capture(tmp_path / "t.dcm", ant.astype(np.uint16), "WB", ImageType=["ORIGINAL", "PRIMARY", "POST"])
    assert read_wholebody(by_type).view_rules["posterior"] == "Image Type (0008,0008)"
    unnamed = capture(tmp_path / "u.dcm", ant.astype(np.uint16), "WHOLE BODY")
    assert read_wholebody(unnamed).view_guessed
    assert read_wholebody(unnamed, view="posterior").view_names == ("posterior",)


def test_enhance_writes_a_conformant_derived_capture_in_the_same_study(standard_views, tmp_path, dciodvfy_errors):
    rng = np.random.default_rng(0)
    fast = rng.binomial(standard_views[0][1].astype(np.int64), 1 / 3).astype(np.uint16)
    source = capture(tmp_path / "post.dcm", fast, "WB POST")
    result = CliRunner().invoke(app, ["enhance", str(source), "--out", str(tmp_path / "out"), "--no-preview"])
    assert result.exit_code == 0, result.output
    assert f"{source}: estimated gain over gaussian" in result.output
    (out,) = sorted((tmp_path / "out").glob("*.dcm"))
    derived, src = pydicom.dcmread(out), pydicom.dcmread(source)
    assert derived.SOPClassUID == SC_IMAGE and derived.StudyInstanceUID == src.StudyInstanceUID
    assert derived.SeriesInstanceUID != src.SeriesInstanceUID and list(derived.ImageType)[0] == "DERIVED"
    assert derived.SourceImageSequence[0].ReferencedSOPInstanceUID == src.SOPInstanceUID
    assert "NumberOfFrames" not in derived and "CountsAccumulated" not in derived  # not in the SC Image IOD
    assert "AI-ENHANCED" in derived.SeriesDescription and "self-check" in derived.DerivationDescription
    again = read_wholebody(out)
    assert again.view_names == ("posterior",) and again.view_rules["posterior"] == "Image Type (0008,0008)"
    assert abs(again.posterior.sum() / (3 * fast.sum()) - 1) < 0.05  # counts at the standard scan's level
    assert dciodvfy_errors(out) == []
    log = json.loads((tmp_path / "out" / "enhance-log.json").read_text())
    assert log[0]["views"] == ["posterior"] and log[0]["self_check"]["gain_db"] is not None


def test_evaluate_truth_free_scores_single_view_captures_and_lists_a_screenshot(standard_views, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    for index, views in enumerate(standard_views):
        for view, name in ((0, "ANT"), (1, "POST")):
            capture(folder / f"{index}{name}.dcm", views[view].astype(np.uint16), f"WB {name}", PatientID=f"P{index}")
    screenshot = capture(folder / "shot.dcm", np.zeros((64, 32), np.uint8))
    args = ["evaluate", "--truth-free", "--manifest", str(folder), "--filters", "gaussian"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "truth_free.json").read_text())
    meta = report["metadata"]
    assert meta["scans"] == 4 and meta["patients"] == 2  # a patient's ANT and POST captures are one patient
    assert len(meta["refused"]) == 1 and str(screenshot) in meta["refused"][0] and "Bits Stored" in meta["refused"][0]
    views = list(csv.DictReader(open(tmp_path / "r" / "tables" / "truth_free_views.csv")))
    assert {row["view"] for row in views} == {"anterior", "posterior"}
    patients = list(csv.DictReader(open(tmp_path / "r" / "tables" / "truth_free_patients.csv")))
    assert len(patients) == 2 * len(report["summary"])
    assert all(row["patients"] == 2 for row in report["summary"])


REFUSED = [
    ("8bit.dcm", lambda v: capture_args(v.astype(np.uint8)), "Bits Stored.*is 8.*not counts"),
    ("rgb.dcm", lambda v: capture_args(np.repeat(v[..., None], 3, -1).astype(np.uint8), photometric="RGB"), "colour"),
    ("inverted.dcm", lambda v: capture_args(v.astype(np.uint16), photometric="MONOCHROME1"), "MONOCHROME1"),
    ("ot.dcm", lambda v: capture_args(v.astype(np.uint16), Modality="OT"), "Modality.*'OT'"),
    ("byte.dcm", lambda v: capture_args(v.astype(np.uint16), sop_class=SC_IMAGE + ".2"), "8-bit greyscale capture"),
]


def capture_args(pixels, **changes):
    return pixels, changes


@pytest.mark.parametrize("name, make, message", REFUSED)
def test_screenshots_and_renderings_are_refused_naming_the_file_and_the_reason(
    standard_views, tmp_path, name, make, message
):
    view = np.minimum(standard_views[0][0], 255)
    pixels, changes = make(view)
    path = capture(tmp_path / name, pixels, **changes)
    with pytest.raises(DicomInputError, match=message) as info:
        read_wholebody(path)
    assert str(path) in str(info.value)
    result = CliRunner().invoke(app, ["enhance", str(path), "--out", str(tmp_path / "out"), "--method", "gaussian"])
    assert result.exit_code == 2 and str(path) in result.output


def test_a_smoothed_16_bit_capture_is_refused_by_enhance_unless_told(standard_views, tmp_path):
    smooth = np.rint(gaussian_filter(standard_views[0][0] / 3, 1.0)).astype(np.uint16)
    path = capture(tmp_path / "smooth.dcm", smooth)
    assert ": NOT counts" in CliRunner().invoke(app, ["info", str(path)]).output
    args = ["enhance", str(path), "--method", "gaussian", "--speed-factor", "3", "--no-preview"]
    refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 2 and str(path) in refused.output and "NOT counts" in refused.output
    assert not list((tmp_path / "a").glob("*.dcm"))
    forced = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--not-counts"])
    assert forced.exit_code == 0 and len(list((tmp_path / "b").glob("*.dcm"))) == 1


def test_index_skips_a_single_view_capture_and_says_why(standard_views, tmp_path):
    from lowcount.io.index import index_folder

    (tmp_path / "site").mkdir()
    path = capture(tmp_path / "site" / "ant.dcm", standard_views[0][0].astype(np.uint16))
    with pytest.raises(ValueError, match="no usable whole-body NM acquisition") as info:
        index_folder(tmp_path / "site", tmp_path / "manifest.csv")
    assert f"{path} (series" in str(info.value) and "one view only (anterior)" in str(info.value)
