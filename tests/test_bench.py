import pytest

from lowcount.bench import bench_model
from lowcount.models import build_model

TINY = {
    "tiny_cyclegan": (
        "model: {name: se_unet, args: {channels: [4, 8, 16]}}\n"
        "data: {patch: [32, 32]}\n"
        "train: {method: cyclegan, batch_size: 2}\n"
        "cyclegan: {critic: {name: patchgan, args: {channels: 4, n_layers: 2}}}\n"
    ),
    "tiny_gan": (
        "model: {name: dncnn, args: {depth: 3, channels: 4}}\n"
        "data: {patch: [32, 32]}\n"
        "train: {method: gan, batch_size: 2}\n"
        "gan: {critic: {name: patchgan, args: {channels: 4, n_layers: 2}}, perceptual_weight: 0.1,"
        " perceptual: {network: domain, weights: not-fitted-yet/model.safetensors}}\n"
    ),
    "tiny_supervised": (
        "model: {name: dncnn, args: {depth: 3, channels: 4}}\ndata: {patch: [32, 32]}\ntrain: {batch_size: 2}\n"
    ),
}


@pytest.mark.parametrize("name", sorted(TINY))
def test_bench_reports_the_generator_size_and_times_the_whole_method_for_adversarial_configs(tmp_path, name):
    (tmp_path / f"{name}.yaml").write_text(TINY[name])
    row = bench_model(tmp_path / f"{name}.yaml", repeats=1, train_steps=1)
    model = (
        build_model("se_unet", channels=(4, 8, 16)) if "cyclegan" in name else build_model("dncnn", depth=3, channels=4)
    )
    assert row["parameters_M"] == pytest.approx(sum(p.numel() for p in model.parameters()) / 1e6)
    assert ("method_step_s" in row) == (name != "tiny_supervised")
    assert row["train_patch"] == "32x32" and row["train_batch"] == 2


@pytest.mark.slow  # times the shipped models at their real sizes
def test_bench_quality_writes_speed_and_the_report_s_quality_numbers(tmp_path):
    import json

    from lowcount import shipped
    from lowcount.bench import bench_quality

    result = bench_quality(tmp_path, patients=2, seed=4242, train_steps=1)
    saved = json.loads((tmp_path / "bench.json").read_text())
    assert set(result) == set(saved)
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert saved["quality"] == report["headline"]  # the table is the report's, not a second computation
    for name in shipped.MODELS:
        speed = saved["speed"][name]
        assert speed["study_s_fp32"] > 0 and speed["study_s_bf16"] > 0 and speed["train_steps_per_s_fp32"] > 0
    assert {"fast 3x (raw)", "standard", *shipped.MODELS} <= set(saved["quality"])
    assert saved["set"] == {"patients": 2, "seed": 4242} and saved["peak_rss_mb"] > 0


def test_bench_real_writes_the_truth_free_table_of_a_folder_of_scans(small_cohort, tmp_path):
    import json

    from typer.testing import CliRunner

    from lowcount.cli import app

    folder = tmp_path / "scans"
    folder.mkdir()
    for path in (small_cohort.parent / "dicom").iterdir():
        folder.joinpath(path.name).write_bytes(path.read_bytes())
    args = ["bench", "real", "--scans", str(folder), "--out", str(tmp_path / "b"), "--filters", "gaussian,wiener"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "b" / "bench.json").read_text())
    methods = {row["method"] for row in saved["summary"]}
    assert {"se_unet", "se_lite_cyclegan", "wiener (tuned on the other half)"} <= methods
    assert "| se_unet |" in result.output
