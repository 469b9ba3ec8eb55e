"""Shared fixtures. Caches and config folders go to a temporary place so tests never touch $HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_SANDBOX = Path(tempfile.mkdtemp(prefix="lowcount-tests-"))
for _name in ("MPLCONFIGDIR", "TORCH_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_SANDBOX / _name.lower())
    Path(os.environ[_name]).mkdir(parents=True, exist_ok=True)

# Under pytest-xdist every worker would start one compute thread per core: on a 2-core machine 2 workers x 2
# threads oversubscribe it and torch's thread pools spin against each other (a 12 s training test took 300 s).
# One thread per worker keeps the workers from fighting; numbers do not depend on it.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE_NM = SHARED / "fixtures" / "nm_wholebody_2frame_reference.dcm"


@pytest.fixture(scope="session")
def reference_nm() -> Path:
    if not REFERENCE_NM.is_file():
        pytest.skip(f"reference file {REFERENCE_NM} not found (../shared is expected beside the repository)")
    return REFERENCE_NM


@pytest.fixture(scope="session")
def dciodvfy_errors():
    """A function giving the lines dciodvfy reports as errors for a file (skips when dciodvfy is missing)."""
    exe = shutil.which("dciodvfy")
    if exe is None:
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed; `make test` installs it as root")

    def errors(path: Path) -> list[str]:
        result = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=60)
        return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]

    return errors


@pytest.fixture(scope="session")
def small_cohort(tmp_path_factory) -> Path:
    """Three patients, standard + 2x + 3x independent scans, written to disk once per session."""
    from lowcount.phantom.cohort import simulate_cohort

    out = tmp_path_factory.mktemp("cohort")
    return simulate_cohort(out, patients=3, seed=11, workers=1, progress=False)


@pytest.fixture(scope="session")
def thinned_cohort(tmp_path_factory) -> Path:
    from dataclasses import replace

    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import PhantomConfig

    out = tmp_path_factory.mktemp("thinned")
    cfg = replace(PhantomConfig(), fast_mode="thinned")
    return simulate_cohort(out, patients=2, seed=12, cfg=cfg, workers=1, progress=False)


@pytest.fixture(scope="session")
def gan_cohort(tmp_path_factory) -> Path:
    """Eight patients (six for training), standard + 3x: enough for unpaired halves and held-out scoring."""
    from dataclasses import replace

    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import PhantomConfig

    out = tmp_path_factory.mktemp("gan_cohort")
    cfg = replace(PhantomConfig(), speed_factors=(3.0,))
    return simulate_cohort(out, patients=8, seed=31, cfg=cfg, workers=1, progress=False)


@pytest.fixture(scope="session")
def unpaired_cohort(tmp_path_factory) -> Path:
    """Twenty patients (sixteen for training), standard + 3x: the smallest cohort on which a short
    SE-LiteCycleGAN run learns (settings were chosen on a cohort of seed 98; this one, seed 23, only measures)."""
    from dataclasses import replace

    from lowcount.phantom.cohort import simulate_cohort
    from lowcount.phantom.protocol import PhantomConfig

    out = tmp_path_factory.mktemp("unpaired_cohort")
    cfg = replace(PhantomConfig(), speed_factors=(3.0,))
    return simulate_cohort(out, patients=20, seed=23, cfg=cfg, workers=2, progress=False)


@pytest.fixture(scope="session")
def ct_cohort(tmp_path_factory) -> Path:
    """Three mice (train, val, test) of 16 slices and the QA phantom, the default 96^2 matrix."""
    from lowcount.ct.cohort import CTCohortConfig, simulate_ct_cohort

    out = tmp_path_factory.mktemp("ct_cohort")
    cfg = CTCohortConfig(animals=3, split=(1, 1), shape=(16, 96, 96), seed=21, ladder_doses=(0.25, 1.0))
    simulate_ct_cohort(cfg, out)
    return out
