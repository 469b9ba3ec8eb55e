import numpy as np
import pytest

from lowcount.phantom.geometry import Grid, chord_cm, ellipsoid, paste, plate, tube

GRID = Grid(rows=200, cols=200, pixel_cm=0.1)


def _volume(piece) -> float:
    return float(piece.thickness_cm.sum()) * GRID.pixel_cm**2


def test_chord_of_solid_and_shell():
    assert chord_cm(np.array(0.0), 2.0, 1.0) == pytest.approx(4.0)
    assert chord_cm(np.array(1.0), 2.0, 1.0) == pytest.approx(0.0)
    # A shell of relative thickness 0.25 at the centre: outer chord 4 minus inner chord 3.
    assert chord_cm(np.array(0.0), 2.0, 0.25) == pytest.approx(1.0)
    # Inside the hollow core the shell is thinner than the solid; near the rim they agree.
    assert chord_cm(np.array(0.5), 2.0, 0.25) < chord_cm(np.array(0.5), 2.0, 1.0)
    assert chord_cm(np.array(0.9), 2.0, 0.25) == pytest.approx(chord_cm(np.array(0.9), 2.0, 1.0))


def test_ellipsoid_projects_its_volume():
    piece = ellipsoid(GRID, "e", "bone", "trunk", (10.0, 10.0, 5.0), (3.0, 4.0, 2.0), 1.0, angle_rad=0.4)
    assert _volume(piece) == pytest.approx(4 / 3 * np.pi * 3 * 4 * 2, rel=0.01)
    assert piece.thickness_cm.max() == pytest.approx(4.0, rel=0.01)
    assert np.all(piece.z_cm == pytest.approx(5.0))


def test_tube_projects_cylinder_plus_caps():
    pts = np.array([(5.0, 10.0, 3.0), (15.0, 10.0, 7.0)])
    piece = tube(GRID, "t", "bone", "trunk", pts, 1.0, 1.0)
    assert _volume(piece) == pytest.approx(np.pi * 1.0**2 * 10.0 + 4 / 3 * np.pi, rel=0.02)
    # Depth follows the polyline: left end near z=3, right end near z=7.
    mid_row = piece.shape[0] // 2
    assert piece.z_cm[mid_row, 2] < 3.5 and piece.z_cm[mid_row, -3] > 6.5


def test_plate_projects_polygon_area_times_thickness():
    square = np.array([(5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)])
    piece = plate(GRID, "p", "bone", "trunk", square, 0.5, 3.0, 1.0, edge_cm=0.1)
    assert _volume(piece) == pytest.approx(100.0 * 0.5, rel=0.03)


def test_pieces_outside_the_grid_are_dropped():
    assert ellipsoid(GRID, "e", "bone", "trunk", (-50.0, -50.0, 1.0), (1.0, 1.0, 1.0), 1.0) is None


def test_paste_clips_at_the_border_and_checks_mode():
    canvas = np.zeros((4, 4))
    paste(canvas, np.ones((3, 3)), -1, 2)
    assert canvas.sum() == 4.0 and canvas[0, 3] == 1.0 and canvas[0, 1] == 0.0
    paste(canvas, np.full((2, 2), 5.0), 0, 0, mode="max")
    assert canvas[0, 0] == 5.0
    with pytest.raises(ValueError, match="paste mode"):
        paste(canvas, np.ones((1, 1)), 0, 0, mode="mean")


ILL_CASES = [
    (lambda: ellipsoid(GRID, "e", "bone", "trunk", (1, 1, 1), (0.0, 1.0, 1.0), 1.0), "semi-axes"),
    (lambda: tube(GRID, "t", "bone", "trunk", np.zeros((1, 3)), 1.0, 1.0), "points_cm"),
    (lambda: tube(GRID, "t", "bone", "trunk", np.zeros((2, 3)), -1.0, 1.0), "radius"),
    (lambda: plate(GRID, "p", "bone", "trunk", np.zeros((2, 2)), 1.0, 1.0, 1.0), "vertices"),
    (lambda: Grid(rows=4, cols=256), "at least 8"),
    (lambda: Grid(pixel_cm=0.0), "pixel_cm"),
]


@pytest.mark.parametrize("make, message", ILL_CASES)
def test_ill_arguments_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()
