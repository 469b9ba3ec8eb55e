"""The CT noise model: noise variance scales as 1 / dose, the mean is unbiased, two scans are independent."""

import numpy as np
import pytest

from lowcount.ct.materials import MU_WATER_PER_MM, hu_to_mu_per_mm, mu_per_mm_to_hu
from lowcount.ct.scanner import Scanner
from lowcount.ct.shapes import Canvas, Grid

VOXEL_MM = 0.5
MATRIX = 64


def _water_cylinder(slices: int = 6) -> np.ndarray:
    grid = Grid((slices, MATRIX, MATRIX), VOXEL_MM)
    canvas = Canvas(grid)
    centre = (MATRIX * VOXEL_MM / 2,) * 2
    canvas.tube((0.0, slices * VOXEL_MM), centre, centre, (12.0, 12.0), (12.0, 12.0), 10, 0.0)
    return canvas.volumes()[0]


def _central_roi(radius_px: float = 14.0) -> np.ndarray:
    yy, xx = np.mgrid[:MATRIX, :MATRIX]
    c = (MATRIX - 1) / 2
    return (yy - c) ** 2 + (xx - c) ** 2 <= radius_px**2


@pytest.fixture(scope="module")
def water():
    scanner = Scanner()
    hu = _water_cylinder()
    line_integrals = scanner.line_integrals(hu, VOXEL_MM)
    truth = scanner.reconstruct(line_integrals, VOXEL_MM)
    return scanner, line_integrals, truth


def _scan(water, dose: float, seed: int) -> np.ndarray:
    scanner, line_integrals, _ = water
    return scanner.reconstruct(scanner.acquire(line_integrals, dose, np.random.default_rng(seed)), VOXEL_MM)


def test_hu_round_trip():
    hu = np.array([-1000.0, -100.0, 0.0, 40.0, 1400.0])
    np.testing.assert_allclose(mu_per_mm_to_hu(hu_to_mu_per_mm(hu)), hu, atol=1e-9)
    assert hu_to_mu_per_mm(np.array([0.0]))[0] == pytest.approx(MU_WATER_PER_MM)


def test_noiseless_reconstruction_gives_water_its_ct_number(water):
    _, _, truth = water
    assert abs(float(truth[:, _central_roi()].mean())) < 3.0


def test_noise_variance_scales_as_one_over_dose(water):
    _, _, truth = water
    roi = _central_roi()
    variances = {d: float((_scan(water, d, seed=1) - truth)[:, roi].var()) for d in (0.25, 1.0, 4.0)}
    assert variances[0.25] / variances[1.0] == pytest.approx(4.0, rel=0.15)
    assert variances[1.0] / variances[4.0] == pytest.approx(4.0, rel=0.15)


def test_mean_reconstruction_is_unbiased_in_water(water):
    _, _, truth = water
    roi = _central_roi()
    noisy = _scan(water, 0.25, seed=2)
    # the standard error of a mean over correlated FBP noise is a few times sd / sqrt(n); 2 HU is about 6 of it
    assert abs(float(noisy[:, roi].mean() - truth[:, roi].mean())) < 2.0


def test_two_scans_have_uncorrelated_noise(water):
    _, _, truth = water
    roi = _central_roi()
    low = (_scan(water, 0.25, seed=3) - truth)[:, roi].ravel()
    high = (_scan(water, 1.0, seed=4) - truth)[:, roi].ravel()
    assert abs(float(np.corrcoef(low, high)[0, 1])) < 0.08


def test_same_rng_state_gives_same_scan(water):
    np.testing.assert_array_equal(_scan(water, 0.5, seed=7), _scan(water, 0.5, seed=7))


ILL_CASES = [
    ({"views": 1}, "views"),
    ({"photons_per_ray": 0.0}, "photons_per_ray"),
    ({"electronic_sd": -1.0}, "electronic_sd"),
    ({"filter_name": "butterworth"}, "filter_name"),
]


@pytest.mark.parametrize(("kwargs", "word"), ILL_CASES)
def test_bad_scanner_settings_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Scanner(**kwargs)


def test_bad_inputs_raise(water):
    scanner, line_integrals, _ = water
    with pytest.raises(ValueError, match="dose"):
        scanner.acquire(line_integrals, 0.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="square"):
        scanner.line_integrals(np.zeros((2, 8, 6)), VOXEL_MM)
    with pytest.raises(ValueError, match="sinogram"):
        scanner.reconstruct(line_integrals[..., :5], VOXEL_MM)
    filled = np.zeros((1, 16, 16))  # water in the corners: outside the inscribed circle
    with pytest.raises(ValueError, match="circle"):
        scanner.line_integrals(filled, VOXEL_MM)
