from dataclasses import replace

import numpy as np
import pytest

from lowcount.phantom.patient import acquire, sample_patient
from lowcount.phantom.protocol import PhantomConfig, acquisition_name


@pytest.fixture(scope="module")
def independent():
    cfg = PhantomConfig()
    rng = np.random.default_rng(31)
    patient = sample_patient(rng, cfg)
    return cfg, patient, acquire(patient, cfg, rng)


@pytest.fixture(scope="module")
def thinned():
    cfg = replace(PhantomConfig(), fast_mode="thinned")
    rng = np.random.default_rng(32)
    patient = sample_patient(rng, cfg)
    return cfg, patient, acquire(patient, cfg, rng)


def _poisson_checks(acq):
    """Counts minus truth: mean zero, and standardised residuals of variance 1 (Poisson)."""
    e, c = acq.expected.astype(np.float64), acq.counts.astype(np.float64)
    assert (c - e).sum() == pytest.approx(0.0, abs=4 * np.sqrt(e.sum()))
    # The variance equals the mean at low and at high count levels alike.
    for lo, hi in ((0.5, 5.0), (5.0, 20.0), (20.0, 1e9)):
        sel = (e > lo) & (e <= hi)
        z2 = (c[sel] - e[sel]) ** 2 / e[sel]
        standard_error = np.sqrt((2.0 + (1.0 / e[sel]).mean()) / sel.sum())
        assert sel.sum() > 1000
        assert z2.mean() == pytest.approx(1.0, abs=5 * standard_error)


def test_standard_and_fast_counts_are_poisson_around_the_truth(independent):
    _, _, acquisitions = independent
    assert [a.name for a in acquisitions] == ["standard", "fast2x", "fast3x"]
    for acq in acquisitions:
        _poisson_checks(acq)


def test_standard_scan_hits_its_count_level(independent):
    cfg, patient, acquisitions = independent
    std = acquisitions[0]
    assert std.expected.sum(axis=(1, 2)).mean() == pytest.approx(patient.counts_per_view, rel=1e-4)
    lo, hi = cfg.standard_counts_per_view
    assert lo <= patient.counts_per_view <= hi


def test_independent_fast_scans_are_about_one_kth_but_not_exactly(independent):
    _, _, (std, fast2, fast3) = independent
    for fast, k in ((fast2, 2.0), (fast3, 3.0)):
        ratio = fast.expected.sum() / std.expected.sum()
        # Decay (~2 % per 10 min) and soft-tissue clearance lower the ratio below 1/k, within 15 %.
        assert 0.85 / k < ratio < 1.0 / k
        assert abs(ratio * k - 1.0) > 0.005
        # Shift and redistribution: the fast truth is not a scaled copy of the standard truth.
        scaled = fast.expected * (std.expected.sum() / fast.expected.sum())
        assert np.abs(scaled - std.expected).sum() / std.expected.sum() > 0.02
        assert fast.start_min > std.start_min + std.duration_min
        assert fast.velocity_cm_min == pytest.approx(k * std.velocity_cm_min)


def test_fast_scans_keep_the_lesions_where_the_patient_moved(independent):
    _, patient, (std, _, fast3) = independent
    dx_px = fast3.motion.shift_cm[0] / 0.24
    ids = [lesion.lesion_id for lesion in patient.lesions if lesion.kind != "superscan"]
    for lesion_id in ids:
        if not (std.labels[0] == lesion_id).any():
            continue
        cols_std = np.nonzero(std.labels[0] == lesion_id)[1].mean()
        cols_fast = np.nonzero(fast3.labels[0] == lesion_id)[1].mean()
        segment_dx = (
            sum(
                dx
                for name, dx, _ in fast3.motion.segments
                if name == next(le.segment for le in patient.lesions if le.lesion_id == lesion_id)
            )
            / 0.24
        )
        assert cols_fast - cols_std == pytest.approx(dx_px + segment_dx, abs=1.0)


def test_thinned_fast_scans_are_binomial_and_nested(thinned):
    _, _, (std, fast2, fast3) = thinned
    for fast, k in ((fast2, 2.0), (fast3, 3.0)):
        assert np.all(fast.counts <= std.counts)
        np.testing.assert_allclose(fast.expected, std.expected / k, rtol=1e-6)
        n, p = std.counts.astype(np.float64), 1.0 / k
        kept = fast.counts.astype(np.float64)
        # Conditional on the standard counts: mean n p, variance n p (1 - p).
        assert kept.sum() == pytest.approx(p * n.sum(), abs=4 * np.sqrt(n.sum() * p * (1 - p)))
        assert ((kept - p * n) ** 2).sum() / (n.sum() * p * (1 - p)) == pytest.approx(1.0, abs=0.01)
        np.testing.assert_array_equal(fast.labels, std.labels)


def test_same_seed_same_patient_and_scans():
    cfg = PhantomConfig(speed_factors=(3.0,))
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(5)
        patient = sample_patient(rng, cfg)
        runs.append(acquire(patient, cfg, rng))
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a.counts, b.counts)
        np.testing.assert_array_equal(a.expected, b.expected)


def test_acquisition_names():
    assert acquisition_name(1.0) == "standard"
    assert acquisition_name(3.0) == "fast3x"
    assert acquisition_name(2.5) == "fast2.5x"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fast_mode": "resampled"}, "fast_mode"),
        ({"speed_factors": (1.0,)}, "speed_factors"),
        ({"speed_factors": (2.0, 2.0)}, "repeat"),
        ({"standard_counts_per_view": (3e6, 1e6)}, "standard_counts_per_view"),
        ({"metastatic_fraction": 2.0}, "metastatic_fraction"),
        ({"standard_velocity_cm_min": 0.0}, "standard_velocity_cm_min"),
        ({"max_shift_px": -1.0}, "max_shift_px"),
    ],
)
def test_ill_protocols_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PhantomConfig(**kwargs)
