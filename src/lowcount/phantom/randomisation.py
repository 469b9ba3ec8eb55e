"""Domain randomisation of a simulated patient: what varies between sites and bodies beyond the anatomy.

Each draw is switched on by its :class:`~lowcount.phantom.protocol.PhantomConfig` field and draws nothing
when off, so a cohort without randomisation is the same as before it existed:

- the detector pixel (the matrix stays the same, so the body fills more or fewer pixels) and the LEHR
  collimator of another vendor;
- a smooth random texture on the soft tissue's emission (fat, muscle and blood pool are not uniform);
- the heart's blood pool, early after injection or with slow clearance;
- a per-bone factor on regional uptake.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lowcount.phantom.anatomy import Anatomy
from lowcount.phantom.camera import COLLIMATORS, CameraConfig
from lowcount.phantom.geometry import Grid, ellipsoid
from lowcount.phantom.protocol import PhantomConfig
from lowcount.phantom.uptake import Uptake


def sample_camera(rng: np.random.Generator, cfg: PhantomConfig) -> CameraConfig:
    """The patient's camera: ``cfg.camera`` with a drawn pixel size and collimator when those are on."""
    camera = cfg.camera
    if cfg.pixel_cm_range is not None:
        camera = replace(camera, grid=replace(camera.grid, pixel_cm=float(rng.uniform(*cfg.pixel_cm_range))))
    if cfg.collimators:
        hole, length = COLLIMATORS[str(rng.choice(list(cfg.collimators)))]
        camera = replace(camera, hole_diameter_mm=hole, hole_length_mm=length)
    return camera


def soft_texture(rng: np.random.Generator, grid: Grid, sd: float, length_cm: float) -> np.ndarray:
    """(rows, cols) log-normal field of mean 1 and log-spread ``sd``, smooth over ``length_cm``."""
    from scipy import ndimage

    noise = rng.standard_normal((grid.rows, grid.cols))
    smooth = ndimage.gaussian_filter(noise, length_cm / grid.pixel_cm, mode="wrap")
    smooth /= smooth.std()
    return np.exp(sd * smooth - 0.5 * sd**2).astype(np.float32)


def spread_bone_uptake(rng: np.random.Generator, anatomy: Anatomy, spread: float) -> None:
    """Multiply each bone's concentration by its own log-normal factor (a region's cortex and core alike)."""
    names = sorted({p.name.removeprefix("marrow_") for p in anatomy.pieces if p.tissue == "bone"})
    factors = dict(zip(names, np.exp(spread * rng.standard_normal(len(names))), strict=True))
    anatomy.pieces = [
        p.scaled(float(factors[p.name.removeprefix("marrow_")])) if p.tissue == "bone" else p for p in anatomy.pieces
    ]


def add_heart(anatomy: Anatomy, grid: Grid, uptake: Uptake, ratio: float, height_scale: float) -> None:
    """The heart's blood pool at the ``heart`` landmark: ``ratio`` x soft tissue (the extra over it)."""
    centre = anatomy.landmarks["heart"]
    semi = (5.5 * height_scale, 6.0 * height_scale, 4.5 * height_scale)
    anatomy.add(ellipsoid(grid, "heart", "organ", "trunk", centre, semi, (ratio - 1.0) * uptake.soft, angle_rad=0.5))
