import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from lowcount.losses.pixel import (
    LOSSES,
    REDUCTIONS,
    CharbonnierLoss,
    CompositeLoss,
    L1Loss,
    LowPassL1Loss,
    MSELoss,
    SSIMLoss,
    gaussian_blur,
)


@pytest.fixture
def pair():
    g = torch.Generator().manual_seed(0)
    pred = torch.rand(2, 1, 24, 20, generator=g)
    target = torch.rand(2, 1, 24, 20, generator=g)
    weight = (torch.rand(2, 1, 24, 20, generator=g) > 0.3).float()
    return pred, target, weight


@pytest.mark.parametrize(
    "cls, pointwise",
    [
        (L1Loss, lambda d: np.abs(d)),
        (MSELoss, lambda d: d**2),
        (CharbonnierLoss, lambda d: np.sqrt(d**2 + 1e-6)),
    ],
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pixel_losses_match_numpy_for_every_reduction(pair, cls, pointwise, reduction):
    pred, target, weight = pair
    values = pointwise((pred - target).numpy().astype(np.float64)) * weight.numpy()
    expected = {"mean": values.sum() / weight.numpy().sum(), "sum": values.sum(), "none": values}[reduction]
    got = cls(reduction=reduction)(pred, target, weight)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_unweighted_mean_is_the_plain_mean(pair):
    pred, target, _ = pair
    assert L1Loss()(pred, target).item() == pytest.approx(torch.nn.functional.l1_loss(pred, target).item(), rel=1e-6)


@pytest.mark.parametrize("data_range", [1.0, 2.5])
def test_ssim_matches_scikit_image(pair, data_range):
    pred, target, _ = pair
    for i in range(2):
        reference = structural_similarity(
            target[i, 0].numpy().astype(np.float64),
            pred[i, 0].numpy().astype(np.float64),
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=data_range,
        )
        loss = SSIMLoss(data_range=data_range)(pred[i : i + 1], target[i : i + 1])
        assert 1.0 - loss.item() == pytest.approx(reference, abs=1e-4)


def test_ssim_loss_is_zero_for_identical_images_and_respects_the_weight(pair):
    pred, target, weight = pair
    assert SSIMLoss()(target, target).item() == pytest.approx(0.0, abs=1e-6)
    zero_weight = torch.zeros_like(weight)
    assert SSIMLoss(reduction="sum")(pred, target, zero_weight).item() == 0.0


def test_composite_loss_adds_weighted_terms(pair):
    pred, target, weight = pair
    loss = CompositeLoss([{"name": "l1", "weight": 1.0}, {"name": "ssim", "weight": 0.5, "data_range": 1.0}])
    total, parts = loss(pred, target, weight)
    assert total.item() == pytest.approx(parts["l1"] + 0.5 * parts["ssim"], rel=1e-6)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: L1Loss(reduction="max"), "reduction"),
        (lambda: SSIMLoss(window=4), "window"),
        (lambda: CharbonnierLoss(eps=0.0), "eps"),
        (lambda: LowPassL1Loss(sigma_px=0.0), "sigma_px"),
        (lambda: CompositeLoss([{"name": "lpips"}]), "unknown loss"),
        (lambda: CompositeLoss([{"name": "l1", "delta": 1}]), "delta"),
        (lambda: CompositeLoss([]), "at least one"),
    ],
)
def test_bad_losses_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_shape_mismatch_raises(pair):
    pred, target, _ = pair
    with pytest.raises(ValueError, match="shape"):
        L1Loss()(pred, target[..., :10])
    assert set(LOSSES) == {"l1", "mse", "charbonnier", "ssim", "lowpass_l1", "perceptual"}
    with pytest.raises(ValueError, match="shape"):
        LowPassL1Loss()(pred, target[..., :10])


def test_gaussian_blur_matches_scipy_and_keeps_constants():
    from scipy.ndimage import gaussian_filter

    image = torch.rand(1, 1, 40, 30, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    expected = gaussian_filter(image[0, 0].numpy(), 1.5, mode="mirror", truncate=3.0)
    np.testing.assert_allclose(gaussian_blur(image, 1.5)[0, 0].numpy(), expected, rtol=1e-10, atol=1e-12)
    assert torch.allclose(gaussian_blur(torch.full((1, 1, 9, 9), 2.0), 2.0), torch.full((1, 1, 9, 9), 2.0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_lowpass_l1_ignores_noise_but_not_a_regional_bias(reduction):
    g = torch.Generator().manual_seed(5)
    truth = torch.ones(1, 1, 64, 64)
    noisy_a = truth + 0.3 * torch.randn(truth.shape, generator=g)
    noisy_b = truth + 0.3 * torch.randn(truth.shape, generator=g)
    loss = LowPassL1Loss(reduction="mean", sigma_px=3.0)
    assert loss(noisy_a, noisy_b) < 0.2 * L1Loss()(noisy_a, noisy_b)
    assert loss(truth + 0.5, truth).item() == pytest.approx(0.5, rel=1e-5)
    weight = torch.zeros_like(truth)
    weight[..., :32, :] = 1
    out = LowPassL1Loss(reduction=reduction)(truth + 0.5, truth, weight)
    expected = {"mean": 0.5, "sum": 0.5 * 32 * 64}
    if reduction == "none":
        assert out.shape == truth.shape and out[..., 40:, :].abs().sum() == 0
    else:
        assert out.item() == pytest.approx(expected[reduction], rel=1e-5)
