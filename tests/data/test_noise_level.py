"""The classical noise-level estimators recover known EMANet levels, and ``lowcount estimate-noise`` prints them.

Tolerances: the DWTNE estimate averages some 16 000 Haar coefficients, so its own spread is about 1 % and
5 % leaves room for what the smooth test image leaks into the diagonal band; HBNE takes the mode of a
histogram, which is noisier and leaks more signal, and the EMANet paper finds both classical estimators
reasonable at levels 5-25 only: 15 % there.
"""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from typer.testing import CliRunner

from lowcount.cli import app
from lowcount.data.degrade import emanet_noise
from lowcount.data.noise_level import dwtne, hbne


def _smooth_image(seed: int = 0) -> np.ndarray:
    """A noiseless test image: a smooth random background of 20-220 grey levels and a bright block."""
    rng = np.random.default_rng(seed)
    image = gaussian_filter(rng.random((256, 256)), 8)
    image = (image - image.min()) / np.ptp(image) * 200 + 20
    image[100:140, 60:90] += 300
    return gaussian_filter(image, 1.5)


@pytest.mark.parametrize("level", [5, 10, 20, 30, 40])
def test_dwtne_recovers_the_level_within_5_percent(level):
    noisy = emanet_noise(_smooth_image(), level, np.random.default_rng(level))
    assert dwtne(noisy) == pytest.approx(level, rel=0.05)


@pytest.mark.parametrize("level", [5, 10, 15, 20, 25])
def test_hbne_recovers_the_level_within_15_percent_where_the_paper_says_it_works(level):
    noisy = emanet_noise(_smooth_image(1), level, np.random.default_rng(100 + level))
    assert hbne(noisy) == pytest.approx(level, rel=0.15)


def test_a_raw_count_image_has_the_level_of_its_counts_and_added_noise_adds_in_quadrature():
    clean = _smooth_image(2)
    peak_counts = 120.0
    counts = np.random.default_rng(3).poisson(clean * (peak_counts / gaussian_filter(clean, 2.0).max()))
    own = np.sqrt(128 * 255 / peak_counts)  # a = peak / 255 counts per grey level
    assert dwtne(counts) == pytest.approx(own, rel=0.05)
    added = emanet_noise(counts.astype(np.float64), 20, np.random.default_rng(4))
    assert dwtne(added) == pytest.approx(np.hypot(own, 20), rel=0.05)


@pytest.mark.parametrize(
    "image, match",
    [
        (np.zeros((3, 64, 64)), "2-D"),
        (np.zeros((4, 64)), "2-D"),
        (-np.ones((64, 64)), "non-negative"),
        (np.zeros((64, 64)), "empty"),
        (np.full((64, 64), 1.0) * np.eye(64), "too little signal"),
    ],
)
def test_images_without_a_measurable_level_are_refused(image, match):
    for estimator in (dwtne, hbne):
        with pytest.raises(ValueError, match=match):
            estimator(image)


def test_estimate_noise_prints_a_level_per_view_and_names_a_bad_file(small_cohort, tmp_path):
    from lowcount.data.degrade import thin
    from lowcount.io.dicom import read_wholebody
    from lowcount.io.manifest import read_manifest

    standard = next(r["dicom_path"] for r in read_manifest(small_cohort) if r["acquisition"] == "standard")
    thinned = tmp_path / "third.npy"  # the same scan with a third of its counts: the same peak / 3
    np.save(thinned, thin(read_wholebody(standard).views(), 3.0, np.random.default_rng(0)))
    result = CliRunner().invoke(app, ["estimate-noise", standard, str(thinned), "--method", "dwtne"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()[1:]]
    assert [" ".join(line[1:-2]) for line in lines] == ["anterior", "posterior", "view 1", "view 2"]
    for view in (0, 1):
        standard_level, third_level = float(lines[view][-1]), float(lines[2 + view][-1])
        assert third_level == pytest.approx(standard_level * np.sqrt(3), rel=0.05)
    bad = tmp_path / "bad.npy"
    np.save(bad, -np.ones((64, 64)))
    result = CliRunner().invoke(app, ["estimate-noise", str(bad), "--method", "hbne"])
    assert result.exit_code == 2 and str(bad) in result.output and "negative" in result.output
    result = CliRunner().invoke(app, ["estimate-noise", standard, "--method", "bm3d"])
    assert result.exit_code == 2 and "method must be one of" in result.output


def test_the_network_estimate_ignores_the_units_and_needs_an_estimator(small_cohort, tmp_path):
    import torch

    from lowcount.io.dicom import read_wholebody
    from lowcount.io.manifest import read_manifest
    from lowcount.models import build_model
    from lowcount.models.weights import save_weights

    torch.manual_seed(0)
    args = {"channels": [4, 8], "levels": 50}
    weights = save_weights(
        build_model("noise_level_estimator", **args), tmp_path / "nle", "noise_level_estimator", args
    )
    standard = next(r["dicom_path"] for r in read_manifest(small_cohort) if r["acquisition"] == "standard")
    rescaled = tmp_path / "rescaled.npy"  # an export in other units: the same image times 7.5
    np.save(rescaled, read_wholebody(standard).views() * np.float32(7.5))
    result = CliRunner().invoke(
        app, ["estimate-noise", standard, str(rescaled), "--method", "network", "--model", str(weights)]
    )
    assert result.exit_code == 0, result.output
    levels = [float(line.split()[-1]) for line in result.output.splitlines()[1:]]
    assert len(levels) == 4 and all(1 <= level <= 50 for level in levels)
    assert levels[:2] == pytest.approx(levels[2:], rel=1e-4)
    result = CliRunner().invoke(app, ["estimate-noise", standard, "--method", "network"])
    assert result.exit_code == 2 and "needs --model" in result.output
    other = save_weights(
        build_model("dncnn", depth=3, channels=4), tmp_path / "dn", "dncnn", {"depth": 3, "channels": 4}
    )
    result = CliRunner().invoke(app, ["estimate-noise", standard, "--method", "network", "--model", str(other)])
    assert result.exit_code == 2 and "not a noise_level_estimator" in result.output
