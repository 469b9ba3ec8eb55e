"""A micro-CT scan of a volume, slice by slice: parallel-beam line integrals, photon counting, log transform
and filtered back-projection (scikit-image's ``radon`` / ``iradon``).

Noise model, per ray of line integral p (dimensionless, mu integrated along the ray):

    N = Poisson(I0 * dose * exp(-p)) + Normal(0, electronic_sd)
    p_hat = -log(max(N, min_photons) / (I0 * dose))

``I0`` (``photons_per_ray``) is the unattenuated photon count per detector element and view at dose 1.
The variance of p_hat is about (1 + electronic_sd^2 / m) / m with m = I0 dose exp(-p), so image noise
variance scales as 1 / dose wherever the electronic term is small against the photon count (tested in
tests/test_ct_scanner.py). The log of a Poisson count is biased by about 1 / (2 m), a fraction of a HU at
the default photon counts. Parallel-beam per slice stands in for the cone beam of a real micro-CT (no CPU
cone-beam library is used); a monoenergetic beam means no beam hardening (lowcount.ct.materials).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lowcount.ct.materials import MU_WATER_PER_MM, hu_to_mu_per_mm, mu_per_mm_to_hu

FILTERS = ("ramp", "shepp-logan", "cosine", "hamming", "hann")


@dataclass(frozen=True)
class Scanner:
    """Acquisition and reconstruction settings."""

    views: int = 256
    photons_per_ray: float = 2.0e4
    electronic_sd: float = 5.0
    min_photons: float = 1.0
    filter_name: str = "shepp-logan"
    mu_water_per_mm: float = MU_WATER_PER_MM

    def __post_init__(self):
        if self.views < 2:
            raise ValueError(f"views must be at least 2, got {self.views}")
        if self.photons_per_ray <= 0 or self.min_photons <= 0:
            raise ValueError(
                f"photons_per_ray and min_photons must be positive, got {self.photons_per_ray}, {self.min_photons}"
            )
        if self.electronic_sd < 0:
            raise ValueError(f"electronic_sd must be >= 0, got {self.electronic_sd}")
        if self.filter_name not in FILTERS:
            raise ValueError(f"filter_name must be one of {FILTERS}, got {self.filter_name!r}")

    @property
    def angles_deg(self) -> np.ndarray:
        return np.linspace(0.0, 180.0, self.views, endpoint=False)

    def line_integrals(self, hu: np.ndarray, voxel_mm: float) -> np.ndarray:
        """Noiseless sinogram (D, W, views) float32 of a volume (D, H, W) of CT numbers, H == W.

        The object must lie inside the circle inscribed in each slice (air outside it).
        """
        from skimage.transform import radon

        hu = np.asarray(hu)
        if hu.ndim != 3 or hu.shape[1] != hu.shape[2]:
            raise ValueError(f"a CT volume must be (D, H, W) with square slices, got shape {hu.shape}")
        mu_per_voxel = hu_to_mu_per_mm(hu, self.mu_water_per_mm) * voxel_mm
        yy, xx = np.mgrid[: hu.shape[1], : hu.shape[2]]
        c = (hu.shape[1] - 1) / 2
        outside = (yy - c) ** 2 + (xx - c) ** 2 > (hu.shape[1] / 2) ** 2
        if np.any(mu_per_voxel[:, outside] > 0):
            raise ValueError("the object reaches outside the circle inscribed in the slice; enlarge the matrix")
        angles = self.angles_deg
        return np.stack([radon(s, angles, circle=True) for s in mu_per_voxel]).astype(np.float32)

    def acquire(self, line_integrals: np.ndarray, dose: float, rng: np.random.Generator) -> np.ndarray:
        """Noisy line integrals of one scan at ``dose`` (relative to 1 = ``photons_per_ray``)."""
        if dose <= 0:
            raise ValueError(f"dose must be positive, got {dose}")
        i0 = self.photons_per_ray * dose
        counts = rng.poisson(i0 * np.exp(-np.asarray(line_integrals, dtype=np.float64))).astype(np.float64)
        if self.electronic_sd > 0:
            counts += rng.normal(0.0, self.electronic_sd, counts.shape)
        return (-np.log(np.maximum(counts, self.min_photons) / i0)).astype(np.float32)

    def reconstruct(self, line_integrals: np.ndarray, voxel_mm: float) -> np.ndarray:
        """Filtered back-projection of a sinogram (D, W, views) into CT numbers (D, W, W) float32."""
        from skimage.transform import iradon

        sino = np.asarray(line_integrals)
        if sino.ndim != 3 or sino.shape[2] != self.views:
            raise ValueError(f"a sinogram must be (D, W, {self.views}), got shape {sino.shape}")
        angles = self.angles_deg
        size = sino.shape[1]
        mu = np.stack([iradon(s, angles, output_size=size, filter_name=self.filter_name, circle=True) for s in sino])
        return mu_per_mm_to_hu(mu / voxel_mm, self.mu_water_per_mm).astype(np.float32)
