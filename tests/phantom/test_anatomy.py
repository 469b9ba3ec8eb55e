from dataclasses import replace

import numpy as np
import pytest

from lowcount.phantom.anatomy import VERTEBRAE, Body, build_anatomy, sample_body
from lowcount.phantom.geometry import Grid
from lowcount.phantom.uptake import growth_plate_ratio, sample_uptake

GRID = Grid()
REQUIRED = [
    "skull_vault",
    "mandible_left",
    "mandible_right",
    "sternum_manubrium",
    "sternum_body",
    "sacrum",
    *[f"vertebra_{v}" for v in VERTEBRAE],
    *[f"rib_{side}_{n}" for side in ("left", "right") for n in range(1, 13)],
    *[
        f"{bone}_{side}"
        for side in ("left", "right")
        for bone in (
            "clavicle",
            "scapula",
            "ilium",
            "obturator_ring",
            "humerus_shaft",
            "radius",
            "ulna",
            "femur_head",
            "femur_shaft",
            "tibia_shaft",
            "fibula",
            "patella",
            "calcaneus",
            "kidney",
            "lung",
        )
    ],
    "bladder",
    "soft_torso",
    "soft_head",
]


def _patient(seed: int, **overrides):
    rng = np.random.default_rng(seed)
    body = sample_body(rng, GRID)
    body = replace(body, **overrides) if overrides else body
    uptake = sample_uptake(rng, body.age_years)
    return body, uptake, build_anatomy(body, uptake, GRID)


@pytest.mark.parametrize("seed", range(4))
def test_every_bone_and_organ_is_present(seed):
    _, _, anatomy = _patient(seed)
    names = {p.name for p in anatomy.pieces}
    missing = [name for name in REQUIRED if name not in names]
    assert not missing
    assert sum(name.startswith("hand_ray_") for name in names) == 10
    assert sum(name.startswith("metatarsal_") for name in names) == 10


def test_regional_uptake_spine_about_three_times_ribs():
    rng = np.random.default_rng(0)
    ratios = [(u.spine / u.rib) for u in (sample_uptake(rng, 50.0) for _ in range(200))]
    assert 2.6 <= min(ratios) and max(ratios) <= 3.4
    assert np.mean(ratios) == pytest.approx(3.0, abs=0.1)


def test_taller_patient_reaches_further_down_the_field():
    short, _, a_short = _patient(1, height_cm=150.0)
    tall, _, a_tall = _patient(1, height_cm=190.0)

    def lowest_row(anatomy):
        return max(p.row0 + p.shape[0] for p in anatomy.pieces if p.tissue == "bone")

    assert lowest_row(a_tall) - lowest_row(a_short) == pytest.approx(40.0 / GRID.pixel_cm, rel=0.1)


def test_scoliosis_bends_the_spine_sideways():
    _, _, straight = _patient(2, scoliosis_cm=0.0)
    _, _, curved = _patient(2, scoliosis_cm=2.5)

    def centre_col(anatomy, name):
        piece = next(p for p in anatomy.pieces if p.name == name)
        return piece.col0 + piece.shape[1] / 2

    shift_cm = (centre_col(curved, "vertebra_T12") - centre_col(straight, "vertebra_T12")) * GRID.pixel_cm
    assert shift_cm > 1.5
    assert centre_col(curved, "vertebra_C3") == centre_col(straight, "vertebra_C3")


def test_growth_plates_only_in_the_young():
    assert growth_plate_ratio(12.0) == pytest.approx(8.2, rel=0.05)
    assert growth_plate_ratio(25.0) == 1.0
    _, _, young = _patient(3, age_years=12.0)
    assert any(p.name.startswith("growth_plate_femur") for p in young.pieces)
    _, _, old = _patient(3, age_years=70.0)
    assert not any(p.name.startswith("growth_plate") for p in old.pieces)


def test_old_patients_have_fainter_bone():
    rng = np.random.default_rng(5)
    young = np.mean([sample_uptake(rng, 45.0).spine for _ in range(300)])
    old = np.mean([sample_uptake(rng, 80.0).spine for _ in range(300)])
    assert old < 0.92 * young


def test_arm_positions_change_where_the_hands_are():
    _, _, sides = _patient(6, arm_position="sides", arm_angle_rad=0.0)
    _, _, over = _patient(6, arm_position="over_pelvis", arm_angle_rad=0.0)
    mid = GRID.cols * GRID.pixel_cm / 2
    assert abs(over.landmarks["hand_left"][0] - mid) < abs(sides.landmarks["hand_left"][0] - mid) - 3.0


def test_cohort_varies_sex_age_and_size():
    rng = np.random.default_rng(7)
    bodies = [sample_body(rng, GRID) for _ in range(200)]
    assert {b.sex for b in bodies} == {"F", "M"}
    heights_m = [b.height_cm for b in bodies if b.sex == "M" and b.age_years >= 20]
    heights_f = [b.height_cm for b in bodies if b.sex == "F" and b.age_years >= 20]
    assert np.mean(heights_m) - np.mean(heights_f) > 8.0
    assert min(b.abdomen_ap_cm for b in bodies) < 20 < max(b.abdomen_ap_cm for b in bodies)
    assert {b.arm_position for b in bodies} == {"sides", "abducted", "over_pelvis"}


BODY = dict(
    sex="F",
    age_years=60.0,
    height_cm=165.0,
    shoulder_half_cm=18.0,
    pelvis_half_cm=15.0,
    chest_ap_cm=20.0,
    abdomen_ap_cm=22.0,
    arm_position="sides",
    arm_angle_rad=0.0,
    scoliosis_cm=0.0,
    leg_spread_cm=6.0,
    top_cm=4.0,
    midline_cm=30.0,
)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sex": "X"}, "sex"),
        ({"arm_position": "up"}, "arm_position"),
        ({"height_cm": 40.0}, "height_cm"),
    ],
)
def test_ill_bodies_raise(change, message):
    with pytest.raises(ValueError, match=message):
        Body(**{**BODY, **change})
