import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from lowcount.ct.qa_phantom import INSERTS_HU, paint_qa_phantom
from lowcount.ct.shapes import Grid
from lowcount.evaluate.ct_quality import dose_reduction_factor, qa_figures
from lowcount.evaluate.ct_scores import CT_RANGE_HU, ct_scores

GRID = Grid((30, 96, 96), 0.35)


@pytest.fixture(scope="module")
def phantom():
    return paint_qa_phantom(GRID)[0]


@pytest.mark.parametrize("sigma_vox", [1.0, 1.5, 2.0])
def test_mtf50_of_a_gaussian_blur_matches_the_formula(phantom, sigma_vox):
    blurred = gaussian_filter(phantom, (0, sigma_vox, sigma_vox))
    expected = np.sqrt(np.log(2) / 2) / (np.pi * sigma_vox * GRID.voxel_mm)  # MTF = exp(-2 pi^2 s^2 f^2)
    assert qa_figures(blurred, GRID)["mtf50_per_mm"] == pytest.approx(expected, rel=0.05)


def test_noise_ct_numbers_and_cnr_of_a_known_scan(phantom):
    noisy = phantom + np.random.default_rng(0).normal(0, 30.0, phantom.shape)
    figures = qa_figures(noisy, GRID)
    assert figures["noise_hu"] == pytest.approx(30.0, rel=0.05)
    clean = qa_figures(phantom, GRID)
    for name, nominal in INSERTS_HU.items():
        key = name.replace(" ", "_")
        assert clean[f"{key}_hu"] == pytest.approx(nominal, abs=0.5)
        assert figures[f"{key}_cnr"] == pytest.approx(abs(nominal) / 30.0, rel=0.2)


def test_dose_reduction_factor_inverts_a_power_law():
    doses = np.array([0.125, 0.25, 0.5, 1.0, 2.0])
    noise = 60.0 * doses**-0.5
    result = dose_reduction_factor(doses, noise, method_figure=30.0, low_dose=0.25)
    assert result["exponent"] == pytest.approx(-0.5)
    assert result["equivalent_dose"] == pytest.approx(4.0)
    assert result["factor"] == pytest.approx(16.0)
    cnr = dose_reduction_factor(doses, 2.0 * doses**0.5, method_figure=2.0, low_dose=0.25)
    assert cnr["factor"] == pytest.approx(4.0)


def test_ct_scores_of_a_known_offset():
    ref = np.zeros((3, 16, 16))
    mask = np.zeros_like(ref, bool)
    mask[:, 4:12, 4:12] = True
    scores = ct_scores(ref + 10.0, ref, mask)
    assert scores["mae_hu"] == pytest.approx(10.0) and scores["rmse_hu"] == pytest.approx(10.0)
    assert scores["psnr"] == pytest.approx(20 * np.log10(CT_RANGE_HU / 10.0))


ILL_CASES = [
    (lambda: dose_reduction_factor([1.0], [2.0], 1.0, 0.25), "two or more"),
    (lambda: dose_reduction_factor([1.0, 2.0], [2.0, 2.0], 1.0, 0.25), "do not change"),
    (lambda: dose_reduction_factor([1.0, 2.0], [2.0, 1.0], 0.0, 0.25), "positive"),
    (lambda: qa_figures(np.zeros((3, 3, 3)), GRID), "grid"),
    (lambda: ct_scores(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), np.zeros((2, 2, 2), bool)), "no voxel"),
]


@pytest.mark.parametrize(("call", "word"), ILL_CASES)
def test_bad_inputs_raise(call, word):
    with pytest.raises(ValueError, match=word):
        call()
