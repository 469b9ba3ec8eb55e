from pathlib import Path

import numpy as np
import pydicom
import pytest
import torch
from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.inference import Enhancer
from lowcount.io.dicom import ENHANCED_MARKER, read_wholebody
from lowcount.io.manifest import read_manifest
from lowcount.models import build_model
from lowcount.models.weights import save_weights


def _weights(tmp_path, name="edsr", args=None, extra=None, identity=False):
    torch.manual_seed(0)
    args = args or {"n_blocks": 2, "channels": 8}
    net = build_model(name, **args)
    if identity:  # a residual EDSR whose last layer is zero returns its input exactly
        with torch.no_grad():
            net.tail.weight.zero_()
            net.tail.bias.zero_()
    return save_weights(
        net,
        tmp_path / f"{name}_model",
        name,
        args,
        "test",
        extra={"data": {"normalisation": "mean"}, "speed_factor": 3.0, **(extra or {})},
    )


@pytest.fixture(scope="module")
def fast_scan(small_cohort):
    row = next(r for r in read_manifest(small_cohort) if r["acquisition"] == "fast3x")
    return Path(row["dicom_path"]), read_wholebody(row["dicom_path"]).views()


def test_enhanced_counts_are_at_the_standard_level(tmp_path, fast_scan):
    enhancer = Enhancer.load(_weights(tmp_path, identity=True), "cpu", "fp32")
    _, views = fast_scan
    out = enhancer.enhance(views)
    assert out.shape == views.shape and out.min() >= 0
    # Through an identity network, counts come back multiplied by k: the standard scan's level.
    np.testing.assert_allclose(out, 3.0 * views, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(enhancer.enhance(views, speed_factor=2.0), 2.0 * views, rtol=1e-5, atol=1e-4)


def test_tiled_and_whole_image_inference_agree(tmp_path, fast_scan):
    enhancer = Enhancer.load(_weights(tmp_path), "cpu", "fp32", tile=(128, 128), overlap=32)
    view = fast_scan[1][0]
    whole = enhancer.enhance(view, tiled=False)
    tiled = enhancer.enhance(view, tiled=True)
    assert np.abs(tiled - whole).max() <= 1e-3 * whole.max()


def test_bf16_inference_is_close_to_fp32(tmp_path, fast_scan):
    path = _weights(tmp_path, "se_unet", {"channels": (8, 16, 32)})
    view = fast_scan[1][0]
    fp32 = Enhancer.load(path, "cpu", "fp32").enhance(view)
    bf16 = Enhancer.load(path, "cpu", "bf16").enhance(view)
    assert np.abs(bf16 - fp32).mean() < 0.02 * fp32.mean()
    assert bf16.sum() == pytest.approx(fp32.sum(), rel=0.01)


def test_cli_enhance_writes_valid_derived_dicom_and_a_preview(tmp_path, fast_scan, dciodvfy_errors):
    source, views = fast_scan
    result = CliRunner().invoke(
        app,
        [
            "enhance",
            str(source),
            "--model",
            str(_weights(tmp_path, identity=True)),
            "--out",
            str(tmp_path / "out"),
            "--precision",
            "fp32",
        ],
    )
    assert result.exit_code == 0, result.output
    (written,) = sorted((tmp_path / "out").glob("*.dcm"))
    src, ds = pydicom.dcmread(source), pydicom.dcmread(written)
    assert ds.StudyInstanceUID == src.StudyInstanceUID and ds.SeriesInstanceUID != src.SeriesInstanceUID
    assert ds.ImageType[0] == "DERIVED" and ENHANCED_MARKER in ds.SeriesDescription
    assert "45 cm/min" in ds.DerivationDescription
    assert "self-check: estimated gain over gaussian" in ds.DerivationDescription  # the identity is judged
    assert "estimated gain over gaussian" in result.output
    assert dciodvfy_errors(written) == []
    assert (tmp_path / "out" / f"{written.stem}_preview.png").stat().st_size > 5000
    np.testing.assert_allclose(read_wholebody(written).anterior, np.rint(3.0 * views[0]))


@pytest.mark.parametrize("suffix", [".npy", ".tif", ".png"])
def test_images_in_give_the_same_format_out(tmp_path, fast_scan, suffix):
    from lowcount.io.images import read_counts_image, write_counts_image

    counts = fast_scan[1] if suffix != ".png" else fast_scan[1][0]
    path = write_counts_image(tmp_path / f"scan{suffix}", counts)
    result = CliRunner().invoke(
        app, ["enhance", str(path), "--model", str(_weights(tmp_path)), "--out", str(tmp_path / "out"), "--no-preview"]
    )
    assert result.exit_code == 0, result.output
    out = read_counts_image(tmp_path / "out" / f"scan{suffix}")
    assert out.shape == counts.shape


def test_model_input_mismatch_is_a_clear_error(tmp_path, fast_scan):
    path = _weights(tmp_path, "unet3d", {"channels": (2, 4)})
    result = CliRunner().invoke(app, ["enhance", str(fast_scan[0]), "--model", str(path), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "3-D" in result.output
    missing = CliRunner().invoke(
        app, ["enhance", str(fast_scan[0]), "--model", str(tmp_path / "none"), "--out", str(tmp_path)]
    )
    assert missing.exit_code == 2 and "no weights" in missing.output


def test_onnx_export_matches_pytorch(tmp_path):
    pytest.importorskip("onnxruntime")
    from lowcount.models.export import compare_with_onnxruntime, export_onnx
    from lowcount.models.weights import load_weights

    for name, args in (
        ("unet", {"channels": (4, 8, 16)}),
        ("swinir", {"embed_dim": 12, "depths": (2,), "heads": 2, "window": 4}),
        ("se_unet", {"channels": (4, 8, 16)}),
        ("resnet_generator", {"channels": 4, "n_blocks": 1}),
    ):
        path = _weights(tmp_path, name, args)
        onnx_path = export_onnx(path, tmp_path / f"{name}.onnx", example_shape=(64, 32))
        net, _ = load_weights(path)
        x = np.random.default_rng(0).random((1, 1, 64, 32)).astype(np.float32)
        assert compare_with_onnxruntime(net, onnx_path, x) < 1e-4
    result = CliRunner().invoke(app, ["export-onnx", str(_weights(tmp_path)), "--out", str(tmp_path / "edsr.onnx")])
    assert result.exit_code == 0, result.output


def test_separate_ant_and_post_files_are_enhanced_together(tmp_path, fast_scan):
    from lowcount.inference import enhance_files

    source, views = fast_scan
    ds = pydicom.dcmread(source)
    paths = []
    for frame in range(2):
        single = pydicom.dcmread(source)
        single.set_pixel_data(ds.pixel_array[frame], "MONOCHROME2", 16, generate_instance_uid=False)
        single.NumberOfFrames, single.NumberOfDetectors = 1, 1
        single.DetectorVector, single.EnergyWindowVector = [1], [1]
        single.DetectorInformationSequence = pydicom.Sequence([ds.DetectorInformationSequence[frame]])
        single.SOPInstanceUID = single.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
        paths.append(tmp_path / f"view{frame}.dcm")
        single.save_as(paths[-1], enforce_file_format=True)
    enhancer = Enhancer.load(_weights(tmp_path, identity=True), "cpu", "fp32")
    written = enhance_files(enhancer, paths, tmp_path / "out", preview=False)
    assert len(written) == 2
    np.testing.assert_allclose(read_wholebody(written).posterior, np.rint(3.0 * views[1]))


@pytest.mark.parametrize("created, warned", [(0.5, True), (0.0, False), (None, False)])
def test_enhance_warns_when_the_models_card_records_created_hot_spots(tmp_path, fast_scan, created, warned):
    from lowcount.io.images import write_counts_image

    card = {"checkpoint": "best", "step": 7, "metrics": {"truth_psnr": 40.0, "created_hot_spots": created}}
    path = write_counts_image(tmp_path / "scan.npy", fast_scan[1])
    weights = _weights(tmp_path, extra={"validation": card})
    result = CliRunner().invoke(app, ["enhance", str(path), "--model", str(weights), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert ("0.5 per image on its validation images" in result.output) is warned
    assert (tmp_path / "out" / "scan.npy").is_file()  # a warning, not a refusal
