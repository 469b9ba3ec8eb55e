from dataclasses import replace

import numpy as np
import pytest

from lowcount.phantom.anatomy import build_anatomy, sample_body
from lowcount.phantom.camera import (
    CameraConfig,
    Motion,
    place,
    project,
)
from lowcount.phantom.geometry import Grid, Piece, ellipsoid
from lowcount.phantom.uptake import sample_uptake

SMALL = Grid(rows=96, cols=64, pixel_cm=0.24)


def test_collimator_resolution_matches_published_lehr_values():
    # FWHM 4.1, 7.4, 14.0 mm at 0, 10, 25 cm (shared/docs/phantom-physics.md, Siemens LEHR).
    cam = CameraConfig()
    assert cam.fwhm_mm(0.0) == pytest.approx(4.1, abs=0.15)
    assert cam.fwhm_mm(10.0) == pytest.approx(7.4, abs=0.15)
    assert cam.fwhm_mm(25.0) == pytest.approx(14.0, abs=0.15)


def _slab(thickness_cm: float) -> Piece:
    t = np.full((SMALL.rows, SMALL.cols), thickness_cm, np.float32)
    return Piece("soft_slab", "soft", "trunk", 0, 0, t, t / 2, 0.0)


def test_projection_in_air_conserves_emission_in_both_views():
    cam = CameraConfig(grid=SMALL)
    source = ellipsoid(SMALL, "src", "kidney", "trunk", (7.7, 11.5, 5.0), (1.0, 1.0, 1.0), 2.0)
    out = project([source], 0.0, cam)
    total = float(source.emission().sum())
    assert out[0].sum() == pytest.approx(total, rel=1e-3)
    assert out[1].sum() == pytest.approx(total * cam.table_transmission, rel=1e-3)


def test_attenuation_and_scatter_follow_depth_in_water():
    cam = CameraConfig(grid=SMALL)
    depth_from_table, body = 2.0, 20.0
    source = ellipsoid(SMALL, "src", "kidney", "trunk", (7.7, 11.5, depth_from_table), (0.8, 0.8, 0.5), 1.0)
    out = project([_slab(body), source], 0.0, cam)
    mu, s_max, s_len = cam.water_mu_per_cm, cam.scatter_to_primary_max, cam.scatter_depth_cm
    ant_path, post_path = body - depth_from_table, depth_from_table
    expected_ant = np.exp(-mu * ant_path) * (1 + s_max * (1 - np.exp(-ant_path / s_len)))
    expected_post = np.exp(-mu * post_path) * (1 + s_max * (1 - np.exp(-post_path / s_len))) * cam.table_transmission
    emitted = float(source.emission().sum())
    assert out[0].sum() / emitted == pytest.approx(expected_ant, rel=0.02)
    assert out[1].sum() / emitted == pytest.approx(expected_post, rel=0.02)


def test_deeper_sources_are_blurred_more():
    cam = CameraConfig(grid=Grid(rows=128, cols=128, pixel_cm=0.24))
    g = cam.grid
    near = ellipsoid(g, "near", "bone", "trunk", (15.4, 15.4, 1.0), (0.2, 0.2, 0.2), 1.0)
    far = replace(near, z_cm=near.z_cm + 24.0)
    img_near, img_far = project([near], 0.0, cam)[1], project([far], 0.0, cam)[1]
    assert img_far.max() / img_far.sum() < 0.5 * img_near.max() / img_near.sum()


def test_posterior_is_stored_mirrored():
    cam = CameraConfig(grid=SMALL)
    left = ellipsoid(SMALL, "src", "bone", "trunk", (2.0, 11.5, 5.0), (0.5, 0.5, 0.5), 1.0)
    out = project([left], 0.0, cam)
    assert np.argmax(out[0].sum(axis=0)) < SMALL.cols // 4
    assert np.argmax(out[1].sum(axis=0)) > 3 * SMALL.cols // 4


def test_motion_moves_whole_pixels_exactly_and_keeps_mass_for_fractions():
    piece = ellipsoid(SMALL, "src", "bone", "arm_left", (7.7, 11.5, 5.0), (1.0, 1.5, 1.0), 1.0)
    moved = place([piece], Motion(shift_cm=(0.48, -0.24), segments=(("arm_left", 0.24, 0.0),)), SMALL)[0]
    assert (moved.row0, moved.col0) == (piece.row0 - 1, piece.col0 + 3)
    np.testing.assert_array_equal(moved.thickness_cm, piece.thickness_cm)
    other = place([replace(piece, segment="trunk")], Motion(shift_cm=(0.1, 0.05)), SMALL)[0]
    assert other.thickness_cm.sum() == pytest.approx(piece.thickness_cm.sum(), rel=1e-5)


def _own_signal(pieces, soft, prefix: str, cam: CameraConfig) -> np.ndarray:
    """Counts a structure adds to each view: projection with it minus projection without it."""
    without = [p for p in pieces if not p.name.startswith(prefix)]
    assert len(without) < len(pieces), prefix
    return (project(pieces, soft, cam) - project(without, soft, cam)).sum(axis=(1, 2))


@pytest.mark.parametrize("seed", [3, 4])
def test_anterior_and_posterior_differ_as_depth_says(seed):
    cam = CameraConfig()
    rng = np.random.default_rng(seed)
    body = sample_body(rng, cam.grid)
    uptake = sample_uptake(rng, body.age_years)
    anatomy = build_anatomy(body, uptake, cam.grid)

    def post_over_ant(prefix: str) -> float:
        ant, post = _own_signal(anatomy.pieces, uptake.soft, prefix, cam)
        return float(post / ant)

    # shared/docs/phantom-physics.md: spine, scapulae, posterior ribs and kidneys brighter POST;
    # sternum, clavicles and patellae brighter ANT.
    assert post_over_ant("vertebra_T") > 1.5
    assert post_over_ant("kidney_") > 1.5
    assert post_over_ant("scapula_") > 1.2  # the blade is posterior, the acromion mid-depth
    assert post_over_ant("sternum_") < 0.67
    assert post_over_ant("clavicle_") < 0.8
    assert post_over_ant("patella_") < 0.8


ILL_CAMERAS = [
    ({"hole_length_mm": 0.5}, "hole_length_mm"),
    ({"intrinsic_fwhm_mm": 0.0}, "intrinsic_fwhm_mm"),
    ({"layer_count": 1}, "layer_count"),
    ({"table_transmission": 1.5}, "table_transmission"),
]


@pytest.mark.parametrize("kwargs, message", ILL_CAMERAS)
def test_ill_camera_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CameraConfig(**kwargs)
