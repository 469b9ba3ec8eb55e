"""Iterative reconstruction with a total-variation prior from a CT sinogram, the micro-CT paper's iterative
comparator.

The unknown is ``u = mu / mu_water`` (water 1, air 0) on the (D, W, W) grid. The objective is penalised
weighted least squares,

    F(u) = 1/2 mean_rays(w (s A u - p)^2) + weight * mean_voxels(sqrt(|grad u|^2 + eps^2)),

with ``A`` the parallel-beam projector of the scanner (:func:`projection_matrix`: each view rotates the slice
about its centre with bilinear interpolation and sums its rows, as ``skimage.transform.radon`` does, so A
reproduces the simulator's sinograms), ``s`` water's attenuation per voxel, ``p`` the measured line integrals,
``w`` their inverse variance (the detected photon counts ``I0 dose exp(-p)``, so the data term is about 1/2 at
the truth whatever the dose, and ``weight`` is in those units) and the 3-D forward-difference gradient
smoothed by ``eps``. It is minimised by FISTA (Beck and Teboulle 2009) with the constraints u >= 0 and u = 0
outside the reconstruction circle, and step ``1 / L``, where L bounds the curvature: the data term's by power
iteration on A^T W A, the smoothed TV term's by 12 / eps. The start is the FBP image.
"""

from __future__ import annotations

import numpy as np

EPS = 0.01  # smoothing of |grad u|, in water units (10 HU)


def projection_matrix(size: int, angles_deg: np.ndarray):
    """Sparse (size * views, size * size) matrix of the parallel-beam projector; row ``x * views + view``."""
    import scipy.sparse as sp

    views = len(angles_deg)
    c = size // 2
    y, x = np.mgrid[:size, :size].astype(np.float64)
    rows, cols, vals = [], [], []
    for view, theta in enumerate(np.deg2rad(np.asarray(angles_deg, dtype=np.float64))):
        cos, sin = np.cos(theta), np.sin(theta)
        in_x, in_y = cos * (x - c) + sin * (y - c) + c, -sin * (x - c) + cos * (y - c) + c
        x0, y0 = np.floor(in_x), np.floor(in_y)
        fx, fy = in_x - x0, in_y - y0
        detector = x.astype(np.int64) * views + view
        for dx, dy, weight in (
            (0, 0, (1 - fx) * (1 - fy)),
            (1, 0, fx * (1 - fy)),
            (0, 1, (1 - fx) * fy),
            (1, 1, fx * fy),
        ):
            xx, yy = x0 + dx, y0 + dy
            ok = (xx >= 0) & (xx < size) & (yy >= 0) & (yy < size) & (weight > 0)
            rows.append(detector[ok])
            cols.append((yy[ok] * size + xx[ok]).astype(np.int64))
            vals.append(weight[ok])
    data = (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols)))
    return sp.csr_matrix(data, shape=(size * views, size * size))


def _differences(u: np.ndarray) -> list[np.ndarray]:
    """Forward differences along each axis, zero at the last index."""
    out = []
    for axis in range(3):
        g = np.zeros_like(u)
        body = [slice(None)] * 3
        body[axis] = slice(0, -1)
        g[tuple(body)] = np.diff(u, axis=axis)
        out.append(g)
    return out


def _differences_adjoint(v: np.ndarray, axis: int) -> np.ndarray:
    """The adjoint of one axis of :func:`_differences` (whose last row is zero)."""
    v = v.copy()
    last = [slice(None)] * 3
    last[axis] = slice(-1, None)
    v[tuple(last)] = 0.0
    shifted = np.zeros_like(v)
    head, tail = [slice(None)] * 3, [slice(None)] * 3
    head[axis], tail[axis] = slice(1, None), slice(0, -1)
    shifted[tuple(head)] = v[tuple(tail)]
    return shifted - v


def smoothed_tv(u: np.ndarray, eps: float = EPS) -> tuple[float, np.ndarray]:
    """(mean of sqrt(|grad u|^2 + eps^2), its gradient with respect to ``u``) for a (D, H, W) volume."""
    grads = _differences(u)
    magnitude = np.sqrt(sum(g * g for g in grads) + eps * eps)
    gradient = sum(_differences_adjoint(g / magnitude, axis) for axis, g in enumerate(grads)) / u.size
    return float(magnitude.mean()), gradient


def tv_reconstruct(
    line_integrals: np.ndarray,
    counts_weight: np.ndarray,
    start_u: np.ndarray,
    angles_deg,
    mu_water_per_voxel: float,
    weight: float,
    iterations: int = 100,
    eps: float = EPS,
    matrix=None,
) -> np.ndarray:
    """Minimise F (module docstring) from ``start_u``; returns u (D, W, W) float32.

    Args:
        line_integrals: measured sinogram (D, W, views).
        counts_weight: inverse variance of each line integral (D, W, views), e.g. the detected counts.
        start_u: the first image (D, W, W), mu / mu_water (the FBP reconstruction).
        angles_deg: the views' angles.
        mu_water_per_voxel: water's attenuation times the voxel size (the sinogram's units per unit u).
        weight: the TV weight (>= 0; 0 is weighted least squares alone).
        iterations: FISTA steps.
        matrix: :func:`projection_matrix` of this geometry, if already built.
    """
    sino = np.asarray(line_integrals, dtype=np.float32)
    if weight < 0 or iterations < 1 or eps <= 0:
        raise ValueError(
            f"tv_reconstruct needs weight >= 0, iterations >= 1, eps > 0; got {weight}, {iterations}, {eps}"
        )
    d, size, views = sino.shape
    if len(angles_deg) != views or tuple(np.shape(start_u)) != (d, size, size):
        raise ValueError(f"sinogram {sino.shape}, start {np.shape(start_u)} and {len(angles_deg)} angles do not agree")
    a = matrix if matrix is not None else projection_matrix(size, np.asarray(angles_deg))
    at = a.T.tocsr()
    p = sino.transpose(1, 2, 0).reshape(size * views, d)  # rays x slices
    w = np.asarray(counts_weight, dtype=np.float32).transpose(1, 2, 0).reshape(size * views, d)
    n_rays = p.size
    yy, xx = np.mgrid[:size, :size]
    inside = ((((yy - size // 2) ** 2 + (xx - size // 2) ** 2) <= (size / 2) ** 2).ravel())[:, None]

    def as_columns(u):  # (D, W, W) -> (W * W, D)
        return u.reshape(d, size * size).T

    def data_gradient(cols):
        residual = w * (mu_water_per_voxel * (a @ cols) - p)
        return mu_water_per_voxel * (at @ residual) / n_rays

    probe = np.random.default_rng(0).standard_normal((size * size, d)).astype(np.float32)
    curvature = 0.0
    for _ in range(8):  # power iteration on the data term's Hessian s^2 A^T W A / n
        hv = mu_water_per_voxel**2 * (at @ (w * (a @ probe))) / n_rays
        curvature = float(np.linalg.norm(hv) / np.linalg.norm(probe))
        probe = hv / np.linalg.norm(hv)
    step = 1.0 / (1.05 * curvature + weight * 12.0 / (eps * d * size * size))
    u = as_columns(np.clip(np.asarray(start_u, dtype=np.float32), 0, None)) * inside
    previous, t = u.copy(), 1.0
    for _ in range(iterations):
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        v = u + ((t - 1.0) / t_next) * (u - previous)
        gradient = data_gradient(v)
        if weight > 0:
            gradient = gradient + weight * as_columns(smoothed_tv(v.T.reshape(d, size, size), eps)[1])
        previous, u, t = u, np.clip(v - step * gradient, 0, None) * inside, t_next
    return np.ascontiguousarray(u.T.reshape(d, size, size)).astype(np.float32)
