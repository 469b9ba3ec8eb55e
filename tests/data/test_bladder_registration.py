import numpy as np
import pytest
from scipy import ndimage

from lowcount.data.bladder import bladder_mask
from lowcount.data.registration import estimate_shift, register
from lowcount.phantom.patient import acquire, sample_patient
from lowcount.phantom.protocol import PhantomConfig


@pytest.fixture(scope="module")
def scans():
    cfg = PhantomConfig(speed_factors=(3.0,), limb_motion_probability=0.0)
    out = []
    for seed in (50, 51, 52):  # not the patients the whitening power was chosen on (40-42)
        rng = np.random.default_rng(seed)
        patient = sample_patient(rng, cfg)
        out.append((patient, acquire(patient, cfg, rng)))
    return out


def _true_bladder(patient, grid_shape):
    piece = next(p for p in patient.anatomy.pieces if p.name == "bladder")
    mask = np.zeros(grid_shape, bool)
    core = piece.thickness_cm > 0.3 * piece.thickness_cm.max()
    mask[piece.row0 : piece.row0 + piece.shape[0], piece.col0 : piece.col0 + piece.shape[1]] = core
    return mask


def test_bladder_mask_finds_the_bladder_in_noisy_fast_scans(scans):
    for patient, (std, fast) in scans:
        truth = _true_bladder(patient, std.counts.shape[1:])
        for image in (std.counts[0], fast.counts[0]):
            found = bladder_mask(image)
            overlap = (found & truth).sum() / truth.sum()
            assert overlap > 0.9
            assert found.sum() < 4 * truth.sum()


def test_bladder_mask_input_checks():
    assert not bladder_mask(np.zeros((64, 32))).any()
    with pytest.raises(ValueError, match="one view"):
        bladder_mask(np.zeros((2, 64, 32)))


@pytest.mark.parametrize("shift", [(2.5, -1.25), (-3.0, 2.0)])
def test_estimate_shift_recovers_a_known_subpixel_shift_under_poisson_noise(scans, shift):
    std = scans[0][1][0]
    rng = np.random.default_rng(0)
    moved = ndimage.shift(std.expected[1] / 3, shift, order=3, mode="constant")
    noisy = rng.poisson(np.clip(moved, 0, None)).astype(np.float32)
    dy, dx = estimate_shift(std.counts[1], noisy)
    assert dy == pytest.approx(shift[0], abs=0.25)
    assert dx == pytest.approx(shift[1], abs=0.25)


def test_register_finds_the_simulated_patient_shift_and_reduces_the_mismatch(scans):
    for _, (std, fast) in scans:
        true_dx = fast.motion.shift_cm[0] / 0.24
        true_dy = fast.motion.shift_cm[1] / 0.24
        aligned, alignment = register(std.counts[0], fast.counts[0])
        assert alignment.global_shift_px[0] == pytest.approx(true_dy, abs=0.5)
        assert alignment.global_shift_px[1] == pytest.approx(true_dx, abs=0.5)
        # On the noiseless truth, the registered fast scan is closer to the standard one.
        warped, _ = register(std.expected[0], fast.expected[0])
        k = std.expected[0].sum() / fast.expected[0].sum()
        before = np.abs(fast.expected[0] * k - std.expected[0]).sum()
        after = np.abs(warped * k - std.expected[0]).sum()
        assert after < 0.8 * before
