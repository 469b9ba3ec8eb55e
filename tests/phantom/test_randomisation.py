"""Domain randomisation: each switch draws only when on and changes what it says."""

import csv
from dataclasses import replace

import numpy as np
import pytest

from lowcount.config import recipe_path
from lowcount.phantom.camera import COLLIMATORS
from lowcount.phantom.geometry import Grid
from lowcount.phantom.patient import acquire, sample_patient
from lowcount.phantom.protocol import PhantomConfig, load_phantom_config
from lowcount.phantom.randomisation import sample_camera, soft_texture


def test_switched_off_randomisation_draws_nothing():
    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    assert sample_camera(rng, PhantomConfig()) == PhantomConfig().camera
    assert rng.bit_generator.state == before


def test_pixel_size_and_collimator_are_drawn_per_patient():
    cfg = PhantomConfig(pixel_cm_range=(0.20, 0.28), collimators=("siemens_lehr", "ge_lehr"))
    rng = np.random.default_rng(2)
    cameras = [sample_camera(rng, cfg) for _ in range(40)]
    pixels = [c.grid.pixel_cm for c in cameras]
    assert min(pixels) >= 0.20 and max(pixels) <= 0.28 and np.std(pixels) > 0.015
    assert {(c.hole_diameter_mm, c.hole_length_mm) for c in cameras} == set(COLLIMATORS.values())
    ge = next(c for c in cameras if c.hole_diameter_mm == 1.50)
    siemens = next(c for c in cameras if c.hole_diameter_mm == 1.11)
    # GE's wider, longer holes blur more at the collimator face and less deep in the patient.
    assert ge.fwhm_mm(0.0) > siemens.fwhm_mm(0.0) and ge.fwhm_mm(25.0) < siemens.fwhm_mm(25.0)


def test_soft_texture_has_mean_one_the_asked_spread_and_length():
    grid = Grid()
    field = soft_texture(np.random.default_rng(3), grid, sd=0.2, length_cm=5.0)
    logs = np.log(field)
    assert field.mean() == pytest.approx(1.0, abs=0.03)
    assert logs.std() == pytest.approx(0.2, rel=0.05)
    near = np.corrcoef(logs[:, :-2].ravel(), logs[:, 2:].ravel())[0, 1]  # 0.48 cm apart
    far = np.corrcoef(logs[:, :-120].ravel(), logs[:, 120:].ravel())[0, 1]  # 29 cm apart
    assert near > 0.95 and abs(far) < 0.1


def _pieces(cfg, seed):
    patient = sample_patient(np.random.default_rng(seed), cfg)
    return patient, {p.name: p for p in patient.anatomy.pieces}


def test_heart_blood_pool_sits_left_of_the_midline_and_brightens_the_chest():
    base = PhantomConfig(speed_factors=(2.0,), family="xcat")
    with_heart = replace(base, heart_to_soft=(3.0, 3.0))
    patient, pieces = _pieces(with_heart, 4)
    heart = pieces["heart"]
    assert (heart.col0 + heart.shape[1] / 2) * 0.24 > patient.body.midline_cm  # the patient's left
    plain = acquire(sample_patient(np.random.default_rng(4), base), base, np.random.default_rng(0))[0]
    brighter = acquire(patient, with_heart, np.random.default_rng(0))[0]
    rows = slice(heart.row0, heart.row0 + heart.shape[0])
    cols = slice(heart.col0, heart.col0 + heart.shape[1])
    ratio = brighter.expected[0][rows, cols].sum() / plain.expected[0][rows, cols].sum()
    assert ratio > 1.05


def test_bone_uptake_spread_and_procedural_scale_change_bone_only():
    base = PhantomConfig(speed_factors=(2.0,))
    _, plain = _pieces(base, 5)
    _, spread = _pieces(replace(base, bone_uptake_spread=0.2), 5)
    ratios = np.array([spread[n].concentration / p.concentration for n, p in plain.items() if p.tissue == "bone"])
    assert np.log(ratios).std() == pytest.approx(0.2, rel=0.35) and len(ratios) > 100
    assert spread["kidney_left"].concentration == plain["kidney_left"].concentration
    _, dim = _pieces(replace(base, procedural_bone_scale=(0.5, 0.5)), 5)
    assert dim["vertebra_L3"].concentration == pytest.approx(0.5 * plain["vertebra_L3"].concentration, rel=1e-6)


def test_randomised_cohort_writes_each_patients_pixel_size(tmp_path):
    from lowcount.io.dicom import read_wholebody
    from lowcount.phantom.cohort import simulate_cohort

    cfg = replace(load_phantom_config(recipe_path("phantom_randomised")), speed_factors=(3.0,))
    manifest = simulate_cohort(tmp_path, patients=2, seed=8, cfg=cfg, workers=1, progress=False)
    patients = {row["patient_id"]: row for row in csv.DictReader((tmp_path / "patients.csv").open())}
    for row in csv.DictReader(manifest.open()):
        study = read_wholebody(tmp_path / row["dicom_path"])
        assert study.pixel_spacing_mm[0] == pytest.approx(float(patients[row["patient_id"]]["pixel_mm"]), abs=1e-3)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"collimators": ("nope",)}, "collimators"),
        ({"pixel_cm_range": (0.3, 0.2)}, "pixel_cm_range"),
        ({"soft_texture_sd": -0.1}, "soft_texture_sd"),
        ({"family": "cartoon"}, "family"),
        ({"xcat_spine_to_soft": (0.0, 5.0)}, "xcat_spine_to_soft"),
    ],
)
def test_ill_randomisation_settings_raise(change, message):
    with pytest.raises(ValueError, match=message):
        PhantomConfig(**change)
