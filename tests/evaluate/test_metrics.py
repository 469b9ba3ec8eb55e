import numpy as np
import pytest
from skimage.metrics import mean_squared_error, normalized_root_mse, peak_signal_noise_ratio, structural_similarity

from lowcount.evaluate.metrics import mae, ms_ssim, mse, nrmse, psnr, rmse, ssim


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    ref = rng.poisson(30, (64, 48)).astype(np.float64)
    pred = ref + rng.normal(0, 4, ref.shape)
    return pred, ref


@pytest.mark.parametrize("data_range", [60.0, 100.0])
def test_psnr_and_ssim_match_scikit_image(images, data_range):
    pred, ref = images
    assert psnr(pred, ref, data_range) == pytest.approx(
        peak_signal_noise_ratio(ref, pred, data_range=data_range), abs=1e-4
    )
    reference = structural_similarity(
        ref, pred, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=data_range
    )
    assert ssim(pred, ref, data_range) == pytest.approx(reference, abs=1e-4)


def test_error_metrics_and_masks(images):
    pred, ref = images
    assert mse(pred, ref) == pytest.approx(mean_squared_error(ref, pred))
    assert rmse(pred, ref) == pytest.approx(np.sqrt(mean_squared_error(ref, pred)))
    assert mae(pred, ref) == pytest.approx(np.abs(pred - ref).mean())
    mask = np.zeros(ref.shape, bool)
    mask[:10] = True
    assert mse(pred, ref, mask) == pytest.approx(((pred - ref)[:10] ** 2).mean())
    assert psnr(ref, ref, 10.0) == float("inf")


@pytest.mark.parametrize("normalization", ["euclidean", "min-max", "mean"])
def test_nrmse_matches_scikit_image(images, normalization):
    pred, ref = images
    assert nrmse(pred, ref, normalization) == pytest.approx(
        normalized_root_mse(ref, pred, normalization=normalization), rel=1e-10
    )


def _smooth_pair(cols: int = 192):
    r, c = np.mgrid[0:256, 0:cols].astype(np.float64)
    ref = 50 + 200 * np.exp(-((r - 120) ** 2 + (c - 90) ** 2) / 800.0) + 30 * np.sin(r / 9.0)
    pred = ref + 20 * np.sin(r * 0.7) * np.cos(c * 1.3) + 0.05 * ref * np.cos(c / 17.0)
    return pred, ref


def test_ms_ssim_matches_pytorch_msssim():
    """pytorch-msssim 1.0.0 ms_ssim(pred, ref, data_range=ref.max()) gave 0.8857412 (float32) on this pair."""
    pred, ref = _smooth_pair()
    assert ms_ssim(pred, ref, float(ref.max())) == pytest.approx(0.8857412, abs=1e-5)
    assert ms_ssim(ref, ref, float(ref.max())) == pytest.approx(1.0)
    noisier = ref + 2 * (pred - ref)
    assert ms_ssim(noisier, ref, float(ref.max())) < ms_ssim(pred, ref, float(ref.max()))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p, r: psnr(p, r, 0.0), "data_range"),
        (lambda p, r: mse(p, r[:5]), "shape"),
        (lambda p, r: mse(p, r, np.zeros(r.shape, bool)), "no pixel"),
        (lambda p, r: ssim(p[None], r[None], 10.0), "2-D"),
        (lambda p, r: ms_ssim(p, r, 10.0), "at least 176 px"),
        (lambda p, r: nrmse(p, r, "max"), "normalization must be one of"),
    ],
)
def test_bad_metric_calls_raise(images, call, message):
    with pytest.raises(ValueError, match=message):
        call(*images)
