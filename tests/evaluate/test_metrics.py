import numpy as np
import pytest
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

from lowcount.evaluate.metrics import mae, mse, psnr, rmse, ssim


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


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p, r: psnr(p, r, 0.0), "data_range"),
        (lambda p, r: mse(p, r[:5]), "shape"),
        (lambda p, r: mse(p, r, np.zeros(r.shape, bool)), "no pixel"),
        (lambda p, r: ssim(p[None], r[None], 10.0), "2-D"),
    ],
)
def test_bad_metric_calls_raise(images, call, message):
    with pytest.raises(ValueError, match=message):
        call(*images)
