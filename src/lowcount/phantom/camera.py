"""The gamma camera: depth-layered projection to the anterior and posterior detectors, and counting.

Physics (shared/docs/phantom-physics.md): narrow-beam attenuation at 140 keV (water 0.15, bone 0.27, lung
0.03 per cm [JNMmu]); LEHR collimator resolution FWHM(z) = sqrt((d (L_eff + z + c) / L_eff)^2 + R_int^2)
with L_eff = L - 2/mu_Pb [UNIPD], [PYT]; scatter in the photopeak window as 30-60 % of primaries with a
mono-exponential spread [KO91]; Poisson counting. Counts scale with the time each point spends under the
detector, ``fov_length_cm / velocity``, and with decay at the moment the detector passes.

The posterior image is stored as its detector sees it, i.e. mirrored left-right against the anterior
image; viewers flip it for display (shared/docs/dicom-nm.md section 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from lowcount.phantom.geometry import Grid, Piece, paste

VIEWS = ("anterior", "posterior")
# LEHR collimators by vendor: hole diameter and length, mm (shared/docs/phantom-physics.md [COL], [G16]).
COLLIMATORS = {"siemens_lehr": (1.11, 24.05), "ge_lehr": (1.50, 35.0)}


@dataclass(frozen=True)
class CameraConfig:
    """Detector, collimator and geometry of a dual-head whole-body camera (lengths as named).

    The collimator defaults are a Siemens LEHR (hole 1.11 mm, length 24.05 mm) [COL].
    """

    grid: Grid = field(default_factory=Grid)
    hole_diameter_mm: float = 1.11
    hole_length_mm: float = 24.05
    lead_mu_per_mm: float = 2.6
    collimator_to_crystal_mm: float = 9.0
    intrinsic_fwhm_mm: float = 3.8
    water_mu_per_cm: float = 0.15
    bone_mu_per_cm: float = 0.27
    lung_mu_per_cm: float = 0.03
    table_transmission: float = 0.95
    anterior_gap_cm: float = 3.0
    posterior_gap_cm: float = 2.0
    scatter_to_primary_max: float = 0.6
    scatter_depth_cm: float = 8.0
    scatter_length_cm: float = 2.0
    fov_length_cm: float = 38.7
    layer_spacing_cm: float = 4.0
    layer_count: int = 13
    soft_tissue_slabs: int = 4

    def __post_init__(self) -> None:
        if self.hole_length_mm <= 2.0 / self.lead_mu_per_mm:
            raise ValueError("hole_length_mm must exceed 2 / lead_mu_per_mm (the effective length would be <= 0)")
        for name in (
            "hole_diameter_mm",
            "intrinsic_fwhm_mm",
            "layer_spacing_cm",
            "fov_length_cm",
            "scatter_length_cm",
            "scatter_depth_cm",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"CameraConfig.{name} must be positive, got {getattr(self, name)}")
        if self.layer_count < 2 or self.soft_tissue_slabs < 1:
            raise ValueError("layer_count must be >= 2 and soft_tissue_slabs >= 1")
        if not 0.0 < self.table_transmission <= 1.0:
            raise ValueError(f"table_transmission must be in (0, 1], got {self.table_transmission}")

    def fwhm_mm(self, distance_cm: np.ndarray | float) -> np.ndarray | float:
        """System resolution (FWHM, mm) at ``distance_cm`` from the collimator face."""
        l_eff = self.hole_length_mm - 2.0 / self.lead_mu_per_mm
        geometric = (
            self.hole_diameter_mm * (l_eff + np.asarray(distance_cm) * 10.0 + self.collimator_to_crystal_mm) / l_eff
        )
        return np.sqrt(geometric**2 + self.intrinsic_fwhm_mm**2)


@dataclass(frozen=True)
class Motion:
    """Rigid and per-segment displacement of the patient between scans (cm, image x and y)."""

    shift_cm: tuple[float, float] = (0.0, 0.0)
    segments: tuple[tuple[str, float, float], ...] = ()

    def of(self, segment: str) -> tuple[float, float]:
        dx, dy = self.shift_cm
        for name, sx, sy in self.segments:
            if name == segment:
                dx, dy = dx + sx, dy + sy
        return dx, dy


def _moved(piece: Piece, dx_cm: float, dy_cm: float, pixel_cm: float) -> Piece:
    """The piece displaced by (dx, dy) cm: whole pixels by offset, the rest by bilinear resampling."""
    if dx_cm == 0 and dy_cm == 0:
        return piece
    from scipy import ndimage

    fx, fy = dx_cm / pixel_cm, dy_cm / pixel_cm
    ix, iy = int(np.floor(fx)), int(np.floor(fy))
    rx, ry = fx - ix, fy - iy
    t = piece.thickness_cm
    if rx or ry:
        pad = np.pad(t, 1)
        tz = np.pad(t * piece.z_cm, 1)
        t = ndimage.shift(pad, (ry, rx), order=1, prefilter=False)
        tz = ndimage.shift(tz, (ry, rx), order=1, prefilter=False)
        z = np.divide(tz, t, out=np.zeros_like(t), where=t > 1e-6)
        return Piece(
            piece.name,
            piece.tissue,
            piece.segment,
            piece.row0 + iy - 1,
            piece.col0 + ix - 1,
            t.astype(np.float32),
            z.astype(np.float32),
            piece.concentration,
        )
    return Piece(
        piece.name, piece.tissue, piece.segment, piece.row0 + iy, piece.col0 + ix, t, piece.z_cm, piece.concentration
    )


def place(pieces: list[Piece], motion: Motion, grid: Grid) -> list[Piece]:
    """Apply ``motion`` to every piece."""
    return [_moved(p, *motion.of(p.segment), grid.pixel_cm) for p in pieces]


def _slab_fraction(z: np.ndarray, centre: np.ndarray, width: np.ndarray, above: bool) -> np.ndarray:
    """Path length through a slab [centre - width/2, centre + width/2] above (or below) height ``z``."""
    lo, hi = centre - width / 2, centre + width / 2
    if above:
        return np.clip(hi - np.maximum(z, lo), 0.0, None)
    return np.clip(np.minimum(z, hi) - lo, 0.0, None)


class _Scene:
    """Full-image maps the projection needs: the body's anterior surface and posterior floor (its lowest
    point above the table: 0 where it rests on it), and the bone and lung slabs."""

    def __init__(self, pieces: list[Piece], cfg: CameraConfig) -> None:
        g = cfg.grid
        self.surface_cm = np.zeros((g.rows, g.cols), np.float32)
        floor = np.full((g.rows, g.cols), np.inf, np.float32)
        bone_t = np.zeros_like(self.surface_cm)
        bone_tz = np.zeros_like(self.surface_cm)
        lung_t = np.zeros_like(self.surface_cm)
        lung_tz = np.zeros_like(self.surface_cm)
        for p in pieces:
            if p.tissue == "soft":
                paste(
                    self.surface_cm,
                    np.where(p.thickness_cm > 0, p.z_cm + p.thickness_cm / 2, 0),
                    p.row0,
                    p.col0,
                    mode="max",
                )
                paste(
                    floor, np.where(p.thickness_cm > 0, p.z_cm - p.thickness_cm / 2, np.inf), p.row0, p.col0, mode="min"
                )
            elif p.tissue == "bone":
                paste(bone_t, p.thickness_cm, p.row0, p.col0)
                paste(bone_tz, p.thickness_cm * p.z_cm, p.row0, p.col0)
            elif p.tissue == "lung":
                paste(lung_t, p.thickness_cm, p.row0, p.col0)
                paste(lung_tz, p.thickness_cm * p.z_cm, p.row0, p.col0)
        self.floor_cm = np.where(np.isfinite(floor), np.clip(floor, 0.0, None), 0.0).astype(np.float32)
        self.bone_t, self.lung_t = bone_t, lung_t
        self.bone_z = np.divide(bone_tz, bone_t, out=np.zeros_like(bone_t), where=bone_t > 0)
        self.lung_z = np.divide(lung_tz, lung_t, out=np.zeros_like(lung_t), where=lung_t > 0)
        # The anterior head follows the body contour row by row, a gap above the highest point.
        from scipy import ndimage

        row_top = ndimage.maximum_filter1d(self.surface_cm.max(axis=1), size=int(round(10.0 / g.pixel_cm)))
        self.anterior_detector_cm = (row_top + cfg.anterior_gap_cm).astype(np.float32)

    def box(self, name: str, p: Piece) -> np.ndarray:
        return getattr(self, name)[p.row0 : p.row0 + p.shape[0], p.col0 : p.col0 + p.shape[1]]


def _clip_to_grid(p: Piece, g: Grid) -> Piece | None:
    r0, c0 = max(p.row0, 0), max(p.col0, 0)
    r1, c1 = min(p.row0 + p.shape[0], g.rows), min(p.col0 + p.shape[1], g.cols)
    if r1 <= r0 or c1 <= c0:
        return None
    sl = (slice(r0 - p.row0, r1 - p.row0), slice(c0 - p.col0, c1 - p.col0))
    return Piece(p.name, p.tissue, p.segment, r0, c0, p.thickness_cm[sl], p.z_cm[sl], p.concentration)


def _soft_slabs(scene: _Scene, concentration: float, n: int) -> list[Piece]:
    floor = np.minimum(scene.floor_cm, scene.surface_cm)
    t = (scene.surface_cm - floor) / n
    return [
        Piece(f"soft_slab_{k}", "soft_slab", "trunk", 0, 0, t, floor + (k + 0.5) * t, concentration) for k in range(n)
    ]


def _convolve_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Linear (zero-padded) convolution by FFT, cropped to ``image``'s shape; kernel sides are odd."""
    from scipy import fft

    kh, kw = kernel.shape
    shape = (image.shape[0] + kh - 1, image.shape[1] + kw - 1)
    fast = tuple(fft.next_fast_len(n, real=True) for n in shape)
    product = fft.rfft2(image, fast) * fft.rfft2(kernel, fast)
    full = fft.irfft2(product, fast)
    return full[kh // 2 : kh // 2 + image.shape[0], kw // 2 : kw // 2 + image.shape[1]].astype(np.float32)


def _exponential_kernel(cfg: CameraConfig) -> np.ndarray:
    g = cfg.grid
    half = int(np.ceil(4 * cfg.scatter_length_cm / g.pixel_cm))
    r = np.hypot(*np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1))) * g.pixel_cm
    k = np.exp(-r / cfg.scatter_length_cm)
    return (k / k.sum()).astype(np.float32)


def project(
    pieces: list[Piece], soft_concentration: float, cfg: CameraConfig, soft_texture: np.ndarray | None = None
) -> np.ndarray:
    """Noise-free detected photon density of both views, before time and sensitivity scaling.

    Args:
        pieces: placed pieces (bone, organs, lesions; soft-tissue pieces define the body outline).
        soft_concentration: soft-tissue activity per cm, filled uniformly through the body thickness.
        cfg: the camera.
        soft_texture: optional (rows, cols) factor on the soft tissue's emission (not its attenuation).

    Returns:
        (2, rows, cols) float32: anterior, posterior (posterior mirrored as its detector sees it).
    """
    from scipy import ndimage

    g = cfg.grid
    scene = _Scene(pieces, cfg)
    emitters = [c for c in (_clip_to_grid(p, g) for p in pieces if p.tissue != "soft") if c is not None]
    slabs = _soft_slabs(scene, soft_concentration, cfg.soft_tissue_slabs)
    if soft_texture is not None:
        if soft_texture.shape != (g.rows, g.cols):
            raise ValueError(f"soft_texture must be {(g.rows, g.cols)}, got {soft_texture.shape}")
        slabs = [replace(s, thickness_cm=(s.thickness_cm * soft_texture).astype(np.float32)) for s in slabs]
    emitters += slabs
    d_bone = cfg.bone_mu_per_cm - cfg.water_mu_per_cm
    d_lung = cfg.lung_mu_per_cm - cfg.water_mu_per_cm
    kernel = _exponential_kernel(cfg)
    out = np.zeros((2, g.rows, g.cols), np.float32)
    for v, view in enumerate(VIEWS):
        above = view == "anterior"
        layers = np.zeros((cfg.layer_count, g.rows, g.cols), np.float32)
        scatter = np.zeros((g.rows, g.cols), np.float32)
        for p in emitters:
            z = p.z_cm
            surface = scene.box("surface_cm", p)
            if above:
                water_path = np.clip(surface - z, 0.0, None)
            else:
                water_path = np.clip(np.minimum(z, surface) - scene.box("floor_cm", p), 0.0, None)
            mu_path = (
                cfg.water_mu_per_cm * water_path
                + d_bone * _slab_fraction(z, scene.box("bone_z", p), scene.box("bone_t", p), above)
                + d_lung * _slab_fraction(z, scene.box("lung_z", p), scene.box("lung_t", p), above)
            )
            primary = p.emission() * np.exp(-mu_path)
            if not above:
                primary *= cfg.table_transmission
            spr = cfg.scatter_to_primary_max * (1.0 - np.exp(-water_path / cfg.scatter_depth_cm))
            paste(scatter, primary * spr, p.row0, p.col0)
            if above:
                distance = scene.anterior_detector_cm[p.row0 : p.row0 + p.shape[0], None] - z
            else:
                distance = z + cfg.posterior_gap_cm
            index = np.clip(distance / cfg.layer_spacing_cm, 0.0, cfg.layer_count - 1.0)
            lo = np.floor(index).astype(np.int64)
            upper_weight = (index - lo).astype(np.float32)
            for k in range(int(lo.min()), min(int(lo.max()) + 2, cfg.layer_count)):
                w = np.where(lo == k, 1.0 - upper_weight, 0.0) + np.where(lo == k - 1, upper_weight, 0.0)
                if np.any(w):
                    paste(layers[k], primary * w, p.row0, p.col0)
        image = np.zeros((g.rows, g.cols), np.float32)
        for k in range(cfg.layer_count):
            if not layers[k].any():
                continue
            sigma_px = cfg.fwhm_mm(k * cfg.layer_spacing_cm) / 2.3548 / (g.pixel_cm * 10.0)
            image += ndimage.gaussian_filter(layers[k], sigma_px, mode="constant", truncate=3.0)
        image += _convolve_same(scatter, kernel)
        np.clip(image, 0.0, None, out=image)
        out[v] = image if above else image[:, ::-1]
    return out


def row_times_min(grid: Grid, start_min: float, velocity_cm_min: float, fov_length_cm: float) -> np.ndarray:
    """Mean time (min after ``start_min``) at which each row is under the detector, head first."""
    y_cm = (np.arange(grid.rows) + 0.5) * grid.pixel_cm
    return start_min + (y_cm + fov_length_cm / 2.0) / velocity_cm_min
