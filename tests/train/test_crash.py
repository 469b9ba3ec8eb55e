"""Training killed inside each of its atomic writes (kill -9: no clean-up runs), then resumed: nothing half-written
survives, and the run ends with the weights and the validation card of a run that was never interrupted."""

import json
import os
import subprocess
import sys
import time

import pytest
from safetensors.torch import load_file

CONFIG = (
    "model: {name: unet, args: {channels: [4, 8, 16]}}\n"
    "data: {patch: [32, 32], patches_per_image: 2, register: false}\n"
    "train: {steps: 6, batch_size: 2, checkpoint_every: 2, validate_every: 3, log_every: 1, seed: 2}\n"
    "supervised: {loss: [{name: l1, weight: 1.0}]}\n"
)
RUN = """
import os, signal, sys
import lowcount.io.atomic as atomic

target, nth, resume = sys.argv[4], int(sys.argv[5]), sys.argv[6] == "resume"
real, seen = os.replace, []

def replace(src, dst):  # the moment a finished temporary file would become the target: die there
    if os.path.basename(dst) == target:
        seen.append(dst)
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)

atomic.os.replace = replace
from lowcount.train.run import train
train(sys.argv[1], sys.argv[2], sys.argv[3], resume=resume, progress=False)
"""


def _train(config, data, out, target="none", nth=0, resume=False):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-c", RUN, str(config), str(data), str(out), target, str(nth), "resume" if resume else "-"]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def straight(small_cohort, tmp_path_factory):
    folder = tmp_path_factory.mktemp("straight")
    (folder / "c.yaml").write_text(CONFIG)
    result = _train(folder / "c.yaml", small_cohort.parent, folder / "run")
    assert result.returncode == 0, result.stderr[-2000:]
    return folder


@pytest.mark.parametrize(
    ("target", "nth"),
    [("last.pt", 2), ("best.pt", 2), ("model.safetensors", 1), ("model.json", 1), ("log.csv", 3)],
)
def test_a_kill_inside_a_write_leaves_a_run_that_resumes_to_the_uninterrupted_result(
    straight, small_cohort, tmp_path, target, nth
):
    config = straight / "c.yaml"
    killed = _train(config, small_cohort.parent, tmp_path / "run", target, nth)
    assert killed.returncode == -9, killed.stderr[-2000:]
    parts = list((tmp_path / "run").glob(".*.part"))
    assert parts, "the kill came inside a write: its temporary file is still there"
    for part in parts:  # as if the next run came a while later
        os.utime(part, (time.time() - 3600, time.time() - 3600))
    resumed = _train(config, small_cohort.parent, tmp_path / "run", resume=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert not list((tmp_path / "run").glob(".*.part"))
    expected = load_file(str(straight / "run" / "model.safetensors"))
    got = load_file(str(tmp_path / "run" / "model.safetensors"))
    assert all((got[k] == v).all() for k, v in expected.items())
    card = json.loads((straight / "run" / "model.json").read_text())["validation"]
    assert json.loads((tmp_path / "run" / "model.json").read_text())["validation"] == card
    assert card["metrics"]  # the card holds the validation figures, which enhance's warning reads


def test_resuming_a_finished_run_trains_nothing_and_keeps_its_card(straight, small_cohort):
    before = json.loads((straight / "run" / "model.json").read_text())["validation"]
    log = (straight / "run" / "log.csv").read_text()
    again = _train(straight / "c.yaml", small_cohort.parent, straight / "run", resume=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads((straight / "run" / "model.json").read_text())["validation"] == before
    assert (straight / "run" / "log.csv").read_text() == log
