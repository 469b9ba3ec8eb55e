import numpy as np
import pytest

from lowcount.classical.tv_reconstruction import projection_matrix, smoothed_tv, tv_reconstruct
from lowcount.ct.scanner import Scanner
from lowcount.ct.shapes import Canvas, Grid

VOXEL_MM = 0.5


def test_the_projection_matrix_reproduces_skimage_radon():
    from skimage.transform import radon

    rng = np.random.default_rng(0)
    image = rng.random((32, 32))
    yy, xx = np.mgrid[:32, :32]
    image[(yy - 15.5) ** 2 + (xx - 15.5) ** 2 > 15**2] = 0.0
    angles = np.linspace(0, 180, 24, endpoint=False)
    ours = (projection_matrix(32, angles) @ image.ravel()).reshape(32, 24)
    np.testing.assert_allclose(ours, radon(image, angles, circle=True), atol=1e-5)


def test_smoothed_tv_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    u, v = rng.random((3, 4, 5)), rng.standard_normal((3, 4, 5))
    _, gradient = smoothed_tv(u, 0.05)
    h = 1e-6
    numeric = (smoothed_tv(u + h * v, 0.05)[0] - smoothed_tv(u - h * v, 0.05)[0]) / (2 * h)
    assert float((gradient * v).sum()) == pytest.approx(numeric, rel=1e-5)


@pytest.fixture(scope="module")
def scan():
    grid = Grid((4, 48, 48), VOXEL_MM)
    canvas = Canvas(grid)
    centre = (12.0, 12.0)
    canvas.tube((0.0, 2.0), centre, centre, (10.0, 10.0), (10.0, 10.0), 10, 0.0)
    canvas.tube((0.0, 2.0), (12.0, 9.0), (12.0, 9.0), (3.0, 3.0), (3.0, 3.0), 8, 800.0)
    hu, _ = canvas.volumes()
    scanner = Scanner(views=96)
    clean = scanner.line_integrals(hu, VOXEL_MM)
    noisy = scanner.acquire(clean, 0.1, np.random.default_rng(2))
    return scanner, scanner.reconstruct(clean, VOXEL_MM), noisy


def test_tv_reconstruction_is_closer_to_the_truth_than_fbp(scan):
    scanner, truth, noisy = scan
    fbp = scanner.reconstruct(noisy, VOXEL_MM)
    counts = scanner.photons_per_ray * 0.1 * np.exp(-noisy)
    u = tv_reconstruct(noisy, counts, fbp / 1000 + 1, scanner.angles_deg, scanner.mu_water_per_mm * VOXEL_MM, 10.0)
    tv_hu = (u - 1.0) * 1000.0
    inner = np.s_[:, 8:40, 8:40]
    assert np.sqrt(np.mean((tv_hu - truth)[inner] ** 2)) < 0.7 * np.sqrt(np.mean((fbp - truth)[inner] ** 2))


def test_bad_arguments_raise(scan):
    scanner, _, noisy = scan
    start = np.ones((4, 48, 48), np.float32)
    with pytest.raises(ValueError, match="weight"):
        tv_reconstruct(noisy, np.ones_like(noisy), start, scanner.angles_deg, 0.01, -1.0)
    with pytest.raises(ValueError, match="do not agree"):
        tv_reconstruct(noisy, np.ones_like(noisy), start[:, :40, :40], scanner.angles_deg, 0.01, 1.0)
