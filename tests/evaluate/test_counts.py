"""Invented hot spots, and which of them the input explains (lowcount.evaluate.counts)."""

import numpy as np
import pytest

from lowcount.evaluate.counts import created_hot_spots, fidelity, invented_hot_spots

SHAPE = (64, 64)


def _bump(center: tuple[int, int], counts: float, sigma_px: float = 1.5) -> np.ndarray:
    rows, cols = np.mgrid[: SHAPE[0], : SHAPE[1]]
    return counts * np.exp(-((rows - center[0]) ** 2 + (cols - center[1]) ** 2) / (2 * sigma_px**2))


@pytest.fixture
def truth():
    return np.full(SHAPE, 100.0)  # flat body: the envelope's 5 SD at sigma 1.5 px is about 9.5 counts


def test_hot_spots_are_focal_maxima_above_the_envelope_outside_dilated_lesions(truth):
    none = np.zeros(SHAPE, np.int32)
    assert invented_hot_spots(truth, truth, none) == []
    image = truth + _bump((20, 20), 40.0) + _bump((44, 44), 40.0) + _bump((20, 44), 8.0)  # last: below 5 SD
    assert invented_hot_spots(image, truth, none) == [(20, 20), (44, 44)]
    labels = none.copy()
    labels[43:46, 43:46] = 1  # a known lesion there: not invented
    assert invented_hot_spots(image, truth, labels) == [(20, 20)]


def test_a_hot_spot_is_created_unless_the_input_exceeds_the_envelope_near_it(truth):
    none = np.zeros(SHAPE, np.int32)
    image = truth + _bump((20, 20), 30.0) + _bump((44, 44), 40.0)
    scan = truth + _bump((21, 22), 60.0) + _bump((44, 34), 60.0)  # one excess 2-3 px away, one 10 px away
    assert created_hot_spots(image, scan, truth, none) == [(44, 44)]
    # the same excesses below the envelope in the input explain nothing
    weak = truth + _bump((21, 22), 8.0) + _bump((44, 34), 8.0)
    assert created_hot_spots(image, weak, truth, none) == [(20, 20), (44, 44)]
    assert created_hot_spots(truth, scan, truth, none) == []


def test_created_hot_spots_refuses_a_scan_of_another_shape(truth):
    with pytest.raises(ValueError, match="same shape"):
        created_hot_spots(truth, truth[:32], truth, np.zeros(SHAPE, np.int32))


def test_fidelity_counts_created_hot_spots_only_when_given_the_input(truth):
    none = np.zeros(SHAPE, np.int32)
    image = truth + _bump((20, 20), 30.0) + _bump((44, 44), 40.0)
    scan = truth + _bump((21, 22), 60.0)  # explains the first
    assert "created_hot_spots" not in fidelity(image, truth, none)
    summary = fidelity(image, truth, none, scan=scan)
    assert (summary["hot_spots"], summary["created_hot_spots"]) == (2.0, 1.0)
