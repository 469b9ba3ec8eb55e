"""The counts check tells raw Poisson counts from processed images."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from typer.testing import CliRunner

from lowcount.io.counts_check import check_counts_image


@pytest.fixture(scope="module")
def scan():
    """A phantom 3x fast scan (seed 960) and its standard scan."""
    from lowcount.phantom.patient import acquire, sample_patient
    from lowcount.phantom.protocol import PhantomConfig

    cfg = replace(PhantomConfig(), speed_factors=(3.0,))
    rng = np.random.default_rng(960)
    standard, fast = acquire(sample_patient(rng, cfg), cfg, rng)
    return standard.counts, fast.counts


def test_raw_counts_pass_and_processed_images_are_told_apart(scan):
    standard, fast = scan
    for counts in (standard, fast):
        check = check_counts_image(counts)
        assert check.ok and 0.9 < check.dispersion < 1.1, check
    processed = {
        "smoothed": np.rint(gaussian_filter(standard, (0, 0.7, 0.7))),
        "doubled": 2 * standard,
        "halved": np.rint(standard / 2),
        "8-bit": np.rint(standard * 255 / standard.max()),
        "not whole": standard + 0.5,
        "negative": standard - 1,
    }
    for name, image in processed.items():
        assert not check_counts_image(image).ok, name
    assert not check_counts_image(standard, rescaled=True).ok


def test_enhance_refuses_a_processed_image_unless_told_and_info_reports_the_check(scan, tmp_path, reference_nm):
    from lowcount.cli import app

    np.save(tmp_path / "smooth.npy", np.rint(gaussian_filter(scan[1], (0, 1.0, 1.0))).astype(np.float32))
    args = ["enhance", str(tmp_path / "smooth.npy"), "--method", "gaussian", "--speed-factor", "3", "--no-preview"]
    refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 2 and "NOT counts" in refused.output and "--not-counts" in refused.output
    forced = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--not-counts"])
    assert forced.exit_code == 0 and "warning:" in forced.output and (tmp_path / "b" / "smooth.npy").is_file()
    info = CliRunner().invoke(app, ["info", str(reference_nm)])
    assert "counts check: dispersion" in info.output and ": counts" in info.output
