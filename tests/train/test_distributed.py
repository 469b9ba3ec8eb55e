import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

CONFIG = (
    "model: {name: unet, args: {channels: [4, 8, 16]}}\n"
    "data: {patch: [32, 32], patches_per_image: 4, register: false, max_shift_px: 0}\n"
    "train: {steps: 6, batch_size: BATCH, lr: 1.0e-3, checkpoint_every: 6, validate_every: 6, log_every: 1, seed: 4}\n"
)


def _run(command, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_two_gloo_processes_agree_and_match_one_process_with_the_same_global_batch(small_cohort, tmp_path):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    if torchrun is None:
        pytest.skip("torchrun not found beside the Python executable")
    data = str(small_cohort.parent)
    two = tmp_path / "two.yaml"
    two.write_text(CONFIG.replace("BATCH", "2"))
    one = tmp_path / "one.yaml"
    one.write_text(CONFIG.replace("BATCH", "4"))
    _run(
        [
            torchrun,
            "--nproc-per-node",
            "2",
            "--master-port",
            "29517",
            "-m",
            "lowcount.cli",
            "train",
            str(two),
            "--data",
            data,
            "--out",
            str(tmp_path / "ddp"),
            "--device",
            "cpu",
            "--no-progress",
        ],
        tmp_path,
    )
    _run(
        [
            sys.executable,
            "-m",
            "lowcount.cli",
            "train",
            str(one),
            "--data",
            data,
            "--out",
            str(tmp_path / "single"),
            "--device",
            "cpu",
            "--no-progress",
        ],
        tmp_path,
    )
    report = json.loads((tmp_path / "ddp" / "distributed.json").read_text())
    assert report["world_size"] == 2 and report["identical"]
    assert report["checksums"][0] == report["checksums"][1]
    ddp = load_file(str(tmp_path / "ddp" / "model.safetensors"))
    single = load_file(str(tmp_path / "single" / "model.safetensors"))
    for key, value in single.items():
        torch.testing.assert_close(ddp[key], value, rtol=1e-3, atol=1e-4)


CYCLEGAN = (
    "model: {name: se_unet, args: {channels: [4, 8, 16]}}\n"
    "data: {patch: [32, 32], patches_per_image: 2, max_shift_px: 0}\n"
    "train: {method: cyclegan, steps: 4, batch_size: BATCH, lr: 1.0e-3, checkpoint_every: 4, validate_every: 4,"
    " log_every: 1, seed: 4}\n"
    "cyclegan: {critic: {name: patchgan, args: {channels: 4, n_layers: 2}}, pool_size: 0}\n"
)


@pytest.mark.slow
def test_cyclegan_under_two_gloo_processes_matches_one_process(gan_cohort, tmp_path):
    """GAN methods average gradients by hand (no DDP wrapper): two processes with batch 2 must follow one
    process with batch 4 (no image pool, whose history would be per process)."""
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    if torchrun is None:
        pytest.skip("torchrun not found beside the Python executable")
    data = str(gan_cohort.parent)
    runs = {}
    for name, batch, launcher in (
        ("ddp", 2, [torchrun, "--nproc-per-node", "2", "--master-port", "29519", "-m"]),
        ("single", 4, [sys.executable, "-m"]),
    ):
        config = tmp_path / f"{name}.yaml"
        config.write_text(CYCLEGAN.replace("BATCH", str(batch)))
        command = [*launcher, "lowcount.cli", "train", str(config), "--data", data, "--out", str(tmp_path / name)]
        _run([*command, "--device", "cpu", "--no-progress"], tmp_path)
        runs[name] = load_file(str(tmp_path / name / "model.safetensors"))
    report = json.loads((tmp_path / "ddp" / "distributed.json").read_text())
    assert report["world_size"] == 2 and report["identical"]
    for key, value in runs["single"].items():
        torch.testing.assert_close(runs["ddp"][key], value, rtol=1e-3, atol=1e-4)
