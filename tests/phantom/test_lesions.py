import numpy as np
import pytest

from lowcount.phantom.anatomy import build_anatomy, sample_body
from lowcount.phantom.camera import CameraConfig, project
from lowcount.phantom.geometry import Grid
from lowcount.phantom.lesions import (
    MALIGNANT_KINDS,
    Diagnosis,
    render_lesion,
    sample_diagnosis,
    sample_lesions,
)
from lowcount.phantom.uptake import sample_uptake

GRID = Grid()


@pytest.fixture(scope="module")
def patient():
    rng = np.random.default_rng(21)
    body = sample_body(rng, GRID)
    uptake = sample_uptake(rng, body.age_years)
    return body, uptake, build_anatomy(body, uptake, GRID)


def _metastases(patient, primary: str, n_patients: int, seed: int):
    body, uptake, anatomy = patient
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_patients):
        out += [
            lesion
            for lesion in sample_lesions(rng, anatomy, GRID, uptake, Diagnosis(primary, True, False), 70.0)
            if lesion.malignant
        ]
    return out


def _site_family(site: str) -> str:
    for family, prefixes in {
        "spine": ("vertebra_",),
        "pelvis": ("ilium_", "sacrum", "acetabulum_", "obturator_"),
    }.items():
        if site.startswith(prefixes):
            return family
    return "other"


@pytest.mark.parametrize("primary, expected", [("prostate", 0.81), ("breast", 0.42)])
def test_site_frequencies_follow_the_primary(patient, primary, expected):
    lesions = _metastases(patient, primary, 150, seed=1)
    share = np.mean([_site_family(lesion.site) in ("spine", "pelvis") for lesion in lesions])
    assert len(lesions) > 300
    assert share == pytest.approx(expected, abs=0.05)


def test_metastasis_sizes_and_contrasts_stay_in_range(patient):
    lesions = _metastases(patient, "lung", 100, seed=2)
    focal = [lesion for lesion in lesions if lesion.kind == "metastasis"]
    assert all(5.0 <= lesion.size_mm <= 40.0 for lesion in focal)
    assert all(1.5 <= lesion.contrast <= 10.0 for lesion in focal)
    kinds = {lesion.kind for lesion in lesions}
    assert {"metastasis", "rib_elongated", "vertebra_whole", "lytic"} <= kinds
    assert all(0.1 <= lesion.contrast <= 0.4 for lesion in lesions if lesion.kind == "lytic")


def test_benign_findings_are_not_malignant(patient):
    body, uptake, anatomy = patient
    rng = np.random.default_rng(3)
    found = []
    for _ in range(200):
        found += sample_lesions(rng, anatomy, GRID, uptake, Diagnosis("prostate", False, False), 75.0)
    kinds = {lesion.kind for lesion in found}
    assert {"fracture", "degenerative", "extravasation"} <= kinds
    assert not any(lesion.malignant for lesion in found)
    assert not kinds & MALIGNANT_KINDS


def test_primary_follows_sex_and_superscans_are_metastatic():
    rng = np.random.default_rng(4)
    women = [sample_diagnosis(rng, "F", 1.0, superscan_fraction=0.5) for _ in range(200)]
    men = [sample_diagnosis(rng, "M", 0.0) for _ in range(200)]
    assert "prostate" not in {d.primary for d in women}
    assert "breast" not in {d.primary for d in men}
    assert any(d.superscan for d in women) and not any(d.superscan for d in men)
    with pytest.raises(ValueError, match="metastatic_fraction"):
        sample_diagnosis(rng, "F", 1.5)


def test_hot_lesions_raise_and_lytic_cores_lower_the_counts(patient):
    body, uptake, anatomy = patient
    cam = CameraConfig()
    base = project(anatomy.pieces, uptake.soft, cam)[1]
    lesions = _metastases(patient, "other", 40, seed=5)
    for kind, sign in (("metastasis", 1.0), ("lytic", -1.0)):
        lesion = next(le for le in lesions if le.kind == kind and le.site.startswith("vertebra_") and le.size_mm > 20)
        pieces = render_lesion(lesion, anatomy, GRID)
        with_lesion = project(anatomy.pieces + pieces, uptake.soft, cam)[1]
        row = int(lesion.y_cm / GRID.pixel_cm)
        col = GRID.cols - 1 - int(lesion.x_cm / GRID.pixel_cm)  # posterior is mirrored
        window = (slice(row - 1, row + 2), slice(col - 1, col + 2))
        change = with_lesion[window].sum() - base[window].sum()
        assert sign * change > 0.1 * base[window].sum(), kind


def test_children_get_no_primary_and_no_metastases():
    rng = np.random.default_rng(9)
    assert {sample_diagnosis(rng, "M", 1.0, age_years=12.0).metastatic for _ in range(20)} == {False}
