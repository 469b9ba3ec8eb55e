import pytest
import torch

from lowcount.models import build_model
from lowcount.models.patchgan import DISCRIMINATORS, MultiScalePatchGAN, PatchGAN, build_discriminator


def _receptive_field(critic: torch.nn.Module, size: int = 160) -> tuple[int, int]:
    """Rows and columns of the input that reach the central output value (by its gradient)."""
    critic = critic.eval()
    x = torch.randn(1, critic.in_channels, size, size, requires_grad=True)
    out = critic(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    touched = x.grad[0].abs().sum(0) > 0
    rows, cols = touched.any(1).nonzero(), touched.any(0).nonzero()
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


@pytest.mark.parametrize(("n_layers", "expected"), [(3, 70), (2, 34), (1, 16)])
def test_patchgan_receptive_field(n_layers, expected):
    torch.manual_seed(0)
    critic = PatchGAN(channels=4, n_layers=n_layers, norm_kind="none")
    assert _receptive_field(critic) == (expected, expected)


def test_patchgan_output_grid_and_conditional_input():
    critic = PatchGAN(in_channels=2, channels=4)
    assert critic(torch.rand(2, 2, 256, 128)).shape == (2, 1, 30, 14)
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\)"):
        critic(torch.rand(2, 1, 64, 64))


def test_multiscale_patchgan_returns_one_map_per_scale():
    maps = MultiScalePatchGAN(channels=4, n_scales=3)(torch.rand(1, 1, 256, 256))
    assert len(maps) == 3
    assert [m.shape[-1] for m in maps] == sorted((m.shape[-1] for m in maps), reverse=True)


ILL_CASES = [
    ("patchgan", {"n_layers": 0}),
    ("patchgan", {"norm_kind": "group"}),
    ("multiscale_patchgan", {"n_scales": 0}),
    ("patchgan", {"layers": 3}),
    ("vgg", {}),
]


@pytest.mark.parametrize(("name", "args"), ILL_CASES)
def test_bad_discriminator_settings_raise(name, args):
    with pytest.raises(ValueError):
        build_discriminator(name, **args)
    assert set(DISCRIMINATORS) == {"patchgan", "multiscale_patchgan"}


def _nyquist_share(image: torch.Tensor) -> float:
    """Share of the non-DC spectral power of a 2-D image at the period-2 frequencies (rows or columns)."""
    power = torch.fft.fft2(image - image.mean()).abs().square()
    h, w = image.shape
    nyquist = power[h // 2, :].sum() + power[:, w // 2].sum() - power[h // 2, w // 2]
    return float(nyquist / power.sum().clamp_min(1e-30))


class _TransposedUp(torch.nn.Module):
    """The checkerboard-prone up-sampling (3 x 3 transposed convolution, stride 2) as a control."""

    def __init__(self) -> None:
        super().__init__()
        self.down = torch.nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.up = torch.nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return self.up(torch.relu(self.down(x)))


GENERATORS = {
    "se_unet": {"channels": (8, 16, 32, 64)},
    "unet": {"channels": (8, 16, 32, 64)},
    "resnet_generator": {"channels": 8, "n_blocks": 2},
    "feature_autoencoder": {"channels": (8, 16, 32)},
    "rrdbnet": {"n_blocks": 1, "channels": 8, "growth": 4},
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_turn_a_constant_image_into_one_without_period_2_patterns(name):
    torch.manual_seed(0)
    x = torch.full((1, 1, 128, 128), 2.0)
    with torch.no_grad():
        control = _TransposedUp()(x)[0, 0, 16:-16, 16:-16]
        out = build_model(name, **GENERATORS[name]).eval()(x)[0, 0, 16:-16, 16:-16]
    assert _nyquist_share(control) > 0.5  # the measure sees a real checkerboard
    assert _nyquist_share(out) < 0.05
