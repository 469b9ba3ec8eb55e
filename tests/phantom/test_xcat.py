"""The real-anatomy (mesh50_XCAT) phantom family: its shipped volume, regions, deformations and findings."""

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lowcount.phantom.anatomy import sample_body
from lowcount.phantom.camera import CameraConfig, project
from lowcount.phantom.findings import SITE_HOSTS
from lowcount.phantom.lesions import Diagnosis, label_map, render_lesion, sample_lesions
from lowcount.phantom.patient import xcat_uptake
from lowcount.phantom.uptake import sample_uptake
from lowcount.phantom.xcat.anatomy import build_xcat_anatomy
from lowcount.phantom.xcat.regions import REGION_IDS, REGIONS
from lowcount.phantom.xcat.volume import load_arrays

CAMERA = CameraConfig()
GRID = CAMERA.grid
ZIP = Path(__file__).resolve().parents[2].parent / "shared/data/mesh50_xcat/Voxelized_mesh50XCAT_WholeBody.zip"


def _patient(seed: int, **overrides):
    rng = np.random.default_rng(seed)
    body = sample_body(rng, GRID, 0.0)
    body = replace(body, **overrides) if overrides else body
    uptake = xcat_uptake(sample_uptake(rng, body.age_years), 12.0)
    return body, uptake, build_xcat_anatomy(body, uptake, GRID)


@pytest.fixture(scope="module")
def arrays():
    return load_arrays()


def test_every_bone_cell_has_exactly_one_region_and_every_region_has_bone(arrays):
    bone = (arrays["cortex"].astype(int) + arrays["core"]) > 0
    region = arrays["region"]
    assert np.all(region[bone] > 0), "bone without a region"
    assert not np.any(region[~bone]), "a region outside the bone"
    assert set(np.unique(region[bone]).tolist()) == set(REGION_IDS.values())


def test_anterior_is_the_front_and_the_patients_right_is_the_image_left(arrays):
    """The sternum lies in front of the spine, the liver on the patient's right (low x)."""

    def centre(mask):
        return np.argwhere(mask).mean(axis=0)

    sternum = centre(arrays["region"] == REGION_IDS["sternum_body"])
    spine = centre(arrays["region"] == REGION_IDS["vertebra_T8"])
    liver = centre(arrays["liver"] > 128)
    assert sternum[1] < spine[1] - 20  # AP index: 0 is anterior, cells of 2.4 mm
    assert liver[2] < spine[2] - 10


def test_ribs_are_numbered_downwards_on_both_sides(arrays):
    for side in ("left", "right"):
        tops = [np.argwhere(arrays["region"] == REGION_IDS[f"rib_{side}_{n}"])[:, 0].min() for n in range(1, 13)]
        assert np.all(np.diff(tops) >= 0), (side, tops)


@pytest.mark.skipif(not os.environ.get("LOWCOUNT_REBUILD_XCAT"), reason="rebuilds from the zip: about 5 minutes")
def test_rebuild_from_the_zip_labels_every_skeleton_voxel_once(tmp_path):
    from lowcount.phantom.xcat.build import bone_regions, build, read_volume

    volume = read_volume(ZIP)
    points, region = bone_regions(volume)
    assert len(points) == int((volume == 7).sum()) and np.all(region > 0)
    out = build(ZIP, tmp_path / "rebuilt.npz")
    assert np.array_equal(load_arrays(out)["region"], load_arrays()["region"])


@pytest.mark.parametrize("seed", [3, 4])
def test_anterior_and_posterior_differ_as_depth_says(seed):
    _, uptake, anatomy = _patient(seed)

    def post_over_ant(prefix: str) -> float:
        without = [p for p in anatomy.pieces if not p.name.startswith(prefix)]
        assert len(without) < len(anatomy.pieces), prefix
        ant, post = (project(anatomy.pieces, uptake.soft, CAMERA) - project(without, uptake.soft, CAMERA)).sum(
            axis=(1, 2)
        )
        return float(post / ant)

    assert post_over_ant("vertebra_T") > 1.5
    assert post_over_ant("kidney_") > 1.5
    assert post_over_ant("scapula_") > 1.2
    assert post_over_ant("sternum_") < 0.75
    assert post_over_ant("mandible") < 0.8  # the face
    assert post_over_ant("patella_") < 0.8


def _footprint(pieces) -> np.ndarray:
    out = np.zeros((GRID.rows, GRID.cols), bool)
    for p in pieces:
        out[p.row0 : p.row0 + p.shape[0], p.col0 : p.col0 + p.shape[1]] |= p.thickness_cm > 0
    return out


def test_every_metastasis_is_centred_on_its_region_and_lies_on_bone():
    """A metastasis sits on the bone it names; the larger ones (up to 40 mm) spill onto its neighbours."""
    for seed in (1, 2):
        _, uptake, anatomy = _patient(seed)
        rng = np.random.default_rng(seed)
        pieces = {p.name: p for p in anatomy.pieces}
        bone = _footprint([p for p in anatomy.pieces if p.tissue == "bone"])
        hosts = tuple(prefix for prefixes in SITE_HOSTS.values() for prefix in prefixes)
        for primary in ("prostate", "breast", "lung"):
            for lesion in sample_lesions(rng, anatomy, GRID, uptake, Diagnosis(primary, True, False), 70.0):
                if not lesion.malignant or lesion.kind == "superscan":
                    continue
                assert lesion.site.startswith(hosts)
                on_host = _footprint([pieces[lesion.site]])
                mask = label_map(render_lesion(lesion, anatomy, GRID), GRID) > 0
                row, col = int(lesion.y_cm / GRID.pixel_cm), int(lesion.x_cm / GRID.pixel_cm)
                assert on_host[row, col], (lesion.kind, lesion.site)
                assert mask.any() and (mask & bone).sum() >= 0.6 * mask.sum(), (lesion.kind, lesion.site)
                assert (mask & on_host).sum() >= 0.3 * mask.sum(), (lesion.kind, lesion.site)


def test_body_follows_height_width_and_placement():
    base = _patient(5)[0]
    short, tall = (_patient(5, height_cm=h, top_cm=3.0)[2] for h in (150.0, 190.0))
    narrow, wide = (_patient(5, shoulder_half_cm=w)[2] for w in (16.0, 23.0))

    def extent(anatomy, axis):
        pieces = [p for p in anatomy.pieces if p.tissue == "bone"]
        if axis == 0:
            return max(p.row0 + p.shape[0] for p in pieces) - min(p.row0 for p in pieces)
        scapulae = [p for p in pieces if p.name.startswith("scapula_")]
        return max(p.col0 + p.shape[1] for p in scapulae) - min(p.col0 for p in scapulae)

    assert extent(tall, 0) / extent(short, 0) == pytest.approx(190.0 / 150.0, rel=0.03)
    assert extent(wide, 1) / extent(narrow, 1) == pytest.approx(23.0 / 16.0, rel=0.1)
    moved = _patient(5, midline_cm=base.midline_cm + 2.4)[2]
    spine = {
        a: next(p for p in an.pieces if p.name == "vertebra_L3") for a, an in (("b", _patient(5)[2]), ("m", moved))
    }
    assert spine["m"].col0 - spine["b"].col0 == 10


def test_scoliosis_bends_the_spine_and_arms_stay_in_the_field():
    straight = _patient(6, scoliosis_cm=0.0)[2]
    bent = _patient(6, scoliosis_cm=2.5)[2]

    def spine_col(anatomy, level):
        p = next(p for p in anatomy.pieces if p.name == f"vertebra_{level}")
        return p.col0 + p.shape[1] / 2

    assert spine_col(bent, "T10") - spine_col(straight, "T10") > 8  # 2.5 cm is ~10 pixels at the apex
    assert abs(spine_col(bent, "C2") - spine_col(straight, "C2")) < 1
    for arms in ("sides", "abducted"):
        anatomy = _patient(7, arm_position=arms, shoulder_half_cm=23.0)[2]
        hands = [p for p in anatomy.pieces if p.name.startswith("hand_")]
        assert len(hands) == 2 and min(p.col0 for p in hands) >= 0
        assert max(p.col0 + p.shape[1] for p in hands) <= GRID.cols


def test_bone_regions_take_their_uptake_class():
    _, uptake, anatomy = _patient(8)
    for piece in anatomy.pieces:
        name = piece.name.removeprefix("marrow_")
        if piece.tissue == "bone" and name in REGIONS:
            region = REGIONS[name]
            expected = uptake.for_bone(region.uptake) * region.factor
            expected *= region.core_weight if piece.name.startswith("marrow_") else 1.0
            assert piece.concentration == pytest.approx(expected)
