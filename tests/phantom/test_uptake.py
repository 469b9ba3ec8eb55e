import numpy as np
import pytest

from lowcount.phantom.uptake import Kinetics, decay_factor, sample_uptake, uptake_at


def test_tc99m_decays_with_a_six_hour_half_life():
    assert decay_factor(6.02 * 60) == pytest.approx(0.5)
    assert decay_factor(10.0) == pytest.approx(0.981, abs=0.001)  # -1.9 % per 10 min [G16]


@pytest.mark.parametrize("voided", [False, True])
def test_between_scans_bone_stays_soft_tissue_clears_bladder_fills_or_restarts(voided):
    base = sample_uptake(np.random.default_rng(0), 60.0)
    kinetics = Kinetics(
        soft_factor_per_30min=0.9, bladder_fill_ml_per_min=2.0, voided=voided, volume_after_void_ml=30.0
    )
    later = uptake_at(base, kinetics, 30.0)
    assert later.spine == base.spine and later.rib == base.rib
    assert later.soft == pytest.approx(0.9 * base.soft)
    assert later.kidney == pytest.approx(0.9 * base.kidney)
    start = 30.0 if voided else base.bladder_volume_ml
    assert later.bladder_volume_ml == pytest.approx(start + 60.0)
    with pytest.raises(ValueError, match="minutes_after_standard"):
        uptake_at(base, kinetics, -1.0)


def test_superscan_raises_bone_and_removes_kidneys():
    normal = sample_uptake(np.random.default_rng(1), 60.0)
    superscan = sample_uptake(np.random.default_rng(1), 60.0, superscan=True)
    assert superscan.spine > 1.9 * normal.spine
    assert superscan.kidney < 0.11 * normal.kidney
    assert superscan.soft < normal.soft
