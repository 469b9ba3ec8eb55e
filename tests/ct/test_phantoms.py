"""The procedural mouse, the QA phantom and the shapes they are painted with."""

import numpy as np
import pytest

from lowcount.ct.materials import LABELS
from lowcount.ct.mouse import CONTRAST_GAIN_HU, draw_animal, paint_mouse
from lowcount.ct.qa_phantom import INSERTS_HU, paint_qa_phantom, qa_discs, sections
from lowcount.ct.scanner import Scanner
from lowcount.ct.shapes import Canvas, Grid

MOUSE_GRID = Grid((256, 96, 96), 0.35)


@pytest.fixture(scope="module")
def mouse():
    animal = draw_animal(np.random.default_rng(11))
    return animal, *paint_mouse(MOUSE_GRID, animal)


def test_ellipsoid_volume_matches_formula():
    grid = Grid((40, 40, 40), 0.5)
    canvas = Canvas(grid)
    canvas.ellipsoid((10.0, 10.0, 10.0), (6.0, 4.0, 5.0), 1, 1000.0)
    hu, _ = canvas.volumes()
    painted_mm3 = float(((hu + 1000.0) / 2000.0).sum()) * grid.voxel_mm**3  # partial volume counts in fractions
    assert painted_mm3 == pytest.approx(4 / 3 * np.pi * 6 * 4 * 5, rel=0.02)


def test_supersampling_gives_partial_volume_at_an_edge():
    grid = Grid((1, 8, 8), 1.0, supersample=4)
    canvas = Canvas(grid)
    canvas.tube((0.0, 1.0), (4.0, 4.5), (4.0, 4.5), (100.0, 0.25), (100.0, 0.25), 1, 0.0)  # x in [4.25, 4.75]
    hu, labels = canvas.volumes()
    np.testing.assert_allclose(hu[0, :, 4], -500.0)  # two of the voxel's four sub-columns are water
    np.testing.assert_allclose(hu[0, :, 3], -1000.0)
    assert labels[0, :, 4].tolist() == [1] * 8  # labels are read at the voxel's centre


def test_mouse_has_its_tissues_and_fits_the_scanner(mouse):
    animal, hu, labels = mouse
    present = set(np.unique(labels).tolist())
    for name in ("soft tissue", "fat", "lung", "heart", "liver", "kidney", "brain", "bone", "gut gas"):
        assert LABELS[name] in present, name
    lung = hu[labels == LABELS["lung"]]
    assert np.median(lung) == pytest.approx(animal.lung_hu, abs=1.0)
    assert np.percentile(hu[labels == LABELS["bone"]], 90) > 1000.0
    Scanner().line_integrals(hu[::32], MOUSE_GRID.voxel_mm)  # raises if the body leaves the inscribed circle


def test_mice_differ_and_repeat():
    a, b = draw_animal(np.random.default_rng(1)), draw_animal(np.random.default_rng(2))
    assert a != b
    small = Grid((96, 96, 96), 0.35)
    np.testing.assert_array_equal(
        paint_mouse(small, a)[0], paint_mouse(small, draw_animal(np.random.default_rng(1)))[0]
    )


def test_contrast_agent_brightens_the_kidneys():
    animal = draw_animal(np.random.default_rng(3))
    grid = Grid((256, 96, 96), 0.35)
    plain = animal.__class__(**{**animal.__dict__, "contrast": False})
    dyed = animal.__class__(**{**animal.__dict__, "contrast": True})
    (hu0, lab0), (hu1, _) = paint_mouse(grid, plain), paint_mouse(grid, dyed)
    kidney = lab0 == LABELS["kidney"]
    assert np.median(hu1[kidney] - hu0[kidney]) == pytest.approx(CONTRAST_GAIN_HU["kidney"])


def test_qa_phantom_inserts_hold_their_ct_numbers():
    grid = Grid((30, 96, 96), 0.35)
    hu, _ = paint_qa_phantom(grid)
    yy, xx = np.mgrid[:96, :96]
    for disc in qa_discs(grid):
        cy, cx = (v / grid.voxel_mm - 0.5 for v in disc.centre_yx_mm)
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= (disc.radius_mm / grid.voxel_mm - 1) ** 2
        z0, z1 = disc.slices
        np.testing.assert_allclose(hu[z0:z1][:, inside], disc.hu, err_msg=disc.name)
    assert len([d for d in qa_discs(grid) if d.name in INSERTS_HU]) == len(INSERTS_HU)
    ranges = sections(grid)
    assert ranges["inserts"][1] <= ranges["uniform"][0] and ranges["uniform"][1] <= ranges["edge"][0]


ILL_CASES = [
    (lambda: Grid((4, 4), 1.0), "three"),
    (lambda: Grid((4, 4, 4), 0.0), "voxel_mm"),
    (lambda: Grid((4, 4, 4), 1.0, supersample=0), "supersample"),
    (lambda: qa_discs(Grid((30, 40, 40), 0.35)), "field"),
    (lambda: sections(Grid((5, 96, 96), 0.35)), "10 slices"),
    (lambda: Canvas(Grid((4, 4, 4), 1.0)).ellipsoid((1, 1, 1), (0, 1, 1), 1, 0.0), "radii"),
    (lambda: Canvas(Grid((4, 4, 4), 1.0)).tube((2, 1), (1, 1), (1, 1), (1, 1), (1, 1), 1, 0.0), "z_mm"),
]


@pytest.mark.parametrize(("make", "word"), ILL_CASES)
def test_bad_shapes_raise(make, word):
    with pytest.raises(ValueError, match=word):
        make()
