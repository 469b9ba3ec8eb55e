"""CT training from the shipped micro-CT recipes: one step, bit-exact resume, config errors, enhancement."""

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.config import ConfigError, recipe_path
from lowcount.inference.volume import VolumeEnhancer
from lowcount.io.ct_scans import read_scans, volumes_of
from lowcount.io.nifti import read_nifti
from lowcount.models.weights import load_weights
from lowcount.train.run import train
from lowcount.train.volume_run import volume_run_config

TINY = {
    "microct_unet2d": ("model.args.channels=[4,8,16,32]", "volume.patch=[32,32]", "train.batch_size=2"),
    "microct_unet3d": ("model.args.channels=[2,4,8,16]", "volume.patch=[8,16,16]", "train.batch_size=2"),
}
BOOKS = ("volume.patches_per_volume=4", "train.checkpoint_every=1", "train.validate_every=2", "train.log_every=1")


@pytest.mark.parametrize("recipe", sorted(TINY))
def test_one_step_trains_validates_and_exports(ct_cohort, tmp_path, recipe):
    metrics = train(
        recipe_path(recipe),
        ct_cohort,
        tmp_path / "run",
        progress=False,
        overrides=(*TINY[recipe], *BOOKS, "train.steps=1"),
    )
    for key in ("psnr", "ssim", "mae_hu", "vs_truth_psnr", "input_psnr"):
        assert np.isfinite(metrics[key]), key
    net, meta = load_weights(tmp_path / "run" / "model.safetensors")
    assert meta["volume"]["dims"] == (3 if recipe.endswith("3d") else 2)
    assert meta["validation"]["metrics"]["psnr"] == pytest.approx(metrics["psnr"])


@pytest.mark.parametrize("recipe", sorted(TINY))
def test_resume_continues_bit_for_bit(ct_cohort, tmp_path, recipe):
    overrides = (*TINY[recipe], *BOOKS, "train.scheduler=constant")  # the same lr whatever train.steps
    config = recipe_path(recipe)
    train(config, ct_cohort, tmp_path / "straight", progress=False, overrides=(*overrides, "train.steps=4"))
    train(config, ct_cohort, tmp_path / "split", progress=False, overrides=(*overrides, "train.steps=2"))
    train(config, ct_cohort, tmp_path / "split", resume=True, progress=False, overrides=(*overrides, "train.steps=4"))
    a = torch.load(tmp_path / "straight" / "last.pt", weights_only=True)["method"]["net"]
    b = torch.load(tmp_path / "split" / "last.pt", weights_only=True)["method"]["net"]
    for key in a:
        assert torch.equal(a[key], b[key]), key


ILL_CASES = [
    ({"model": {"name": "unet3d"}, "volume": {"dims": 2}}, "3-D"),
    (
        {"model": {"name": "unet"}, "volume": {}, "supervised": {"loss": [{"name": "perceptual", "weight": 1}]}},
        "perceptual",
    ),
    ({"model": {"name": "unet"}, "volume": {}, "data": {}}, "do not belong"),
    ({"model": {"name": "unet"}, "volume": {}, "train": {"method": "gan"}}, "supervised"),
    ({"model": {"name": "unet"}, "volume": {"patchh": [8, 8]}}, "patchh"),
]


@pytest.mark.parametrize(("sections", "word"), ILL_CASES)
def test_bad_ct_configs_are_named(sections, word):
    with pytest.raises(ConfigError, match=word):
        volume_run_config(sections, "ct.yaml")


def test_a_patch_off_the_stride_is_refused_and_leaves_no_run(ct_cohort, tmp_path):
    with pytest.raises(ValueError, match="stride"):
        train(
            recipe_path("microct_unet2d"),
            ct_cohort,
            tmp_path / "run",
            progress=False,
            overrides=(*TINY["microct_unet2d"], "volume.patch=[36,36]"),
        )
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def trained_2d(ct_cohort, tmp_path_factory):
    run = tmp_path_factory.mktemp("ct_run") / "run"
    train(
        recipe_path("microct_unet2d"),
        ct_cohort,
        run,
        progress=False,
        overrides=(*TINY["microct_unet2d"], *BOOKS, "train.steps=1"),
    )
    return run


def test_enhance_writes_a_derived_volume_named_by_hash(ct_cohort, trained_2d, tmp_path):
    low = volumes_of(read_scans(ct_cohort), "test", "low")["M0002"]
    source = ct_cohort / low["path"]
    result = CliRunner().invoke(
        app, ["enhance", str(source), "--model", str(trained_2d), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    (written,) = list((tmp_path / "out").glob("*.nii.gz"))
    assert written.name != source.name and "M0002" not in written.name
    volume, voxel_mm = read_nifti(written)
    hu, expected_voxel = read_nifti(source)
    assert voxel_mm == expected_voxel
    np.testing.assert_allclose(volume, VolumeEnhancer.from_run(trained_2d, "cpu")(hu), atol=1e-3)
    nm_model = CliRunner().invoke(app, ["enhance", str(source), "--model", "se_unet", "--out", str(tmp_path / "o")])
    assert nm_model.exit_code == 2 and "not a CT model" in nm_model.output


def test_enhance_turns_a_dicom_ct_series_into_a_derived_series(ct_cohort, trained_2d, tmp_path):
    from lowcount.io.dicom.ct_series import CTHeader, read_ct_series, write_ct_series

    low = volumes_of(read_scans(ct_cohort), "test", "low")["M0002"]
    hu, voxel_mm = read_nifti(ct_cohort / low["path"])
    write_ct_series(hu, voxel_mm, tmp_path / "series", CTHeader("PHANTOM^MOUSE", "M0002", "1.2.3", "1.2.3.4", "1.2.5"))
    result = CliRunner().invoke(
        app, ["enhance", str(tmp_path / "series"), "--model", str(trained_2d), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    expected = VolumeEnhancer.from_run(trained_2d, "cpu")(read_ct_series([tmp_path / "series"]).hu)
    np.testing.assert_allclose(read_ct_series([tmp_path / "out"]).hu, expected, atol=0.501)
