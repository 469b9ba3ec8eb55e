"""Smooth deformations of the reference phantom into one patient, applied to its pieces and points.

Rows scale with height; columns scale about the midline, by the shoulder width above the lumbar spine and by
the pelvis width from the iliac crests down (so a wide female pelvis stays wide); a scoliosis bends every
row between T1 and L5 sideways; heights above the table scale with the body's antero-posterior thickness
(fully in the trunk, half in the limbs, not in the head), and soft-tissue paths with them, while bones keep
their size. Each arm turns rigidly about its shoulder joint and follows the shoulder. Every map is
invertible in closed form, so pieces are resampled from the reference by inverse mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lowcount.phantom.geometry import Grid, Piece


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


@dataclass(frozen=True)
class Warp:
    """Reference frame (cm) to the patient's image frame (cm).

    Attributes:
        top_ref_cm, top_cm: vertex row in each frame.
        height_scale: patient height / reference height.
        mid_ref_cm, mid_cm: midline x in each frame.
        shoulder_scale, pelvis_scale: lateral scale above the lumbar spine and from the iliac crests down.
        waist_ref_cm, hip_ref_cm: reference rows between which the lateral scale blends.
        ap_scale: antero-posterior scale of the trunk.
        girth_scale: extra lateral scale of the trunk's soft tissue (a wide body on a skeleton of its size).
        neck_ref_cm, crotch_ref_cm: reference rows bounding the trunk for the AP scale.
        scoliosis_cm, bend_ref_cm: lateral amplitude and the reference rows (T1, L5) of the curve.
        arm_angle_rad: in-plane turn of each arm about its shoulder (positive: counter-clockwise in the image).
        shoulder_ref_cm: each shoulder joint (x, y) in the reference frame.
    """

    top_ref_cm: float
    top_cm: float
    height_scale: float
    mid_ref_cm: float
    mid_cm: float
    shoulder_scale: float
    pelvis_scale: float
    waist_ref_cm: float
    hip_ref_cm: float
    ap_scale: float
    girth_scale: float
    neck_ref_cm: float
    crotch_ref_cm: float
    scoliosis_cm: float
    bend_ref_cm: tuple[float, float]
    arm_angle_rad: dict[str, float]
    shoulder_ref_cm: dict[str, tuple[float, float]]

    def lateral_scale(self, y_ref: np.ndarray, girth: bool = False) -> np.ndarray:
        blend = _smoothstep((y_ref - self.waist_ref_cm) / (self.hip_ref_cm - self.waist_ref_cm))
        scale = self.shoulder_scale + (self.pelvis_scale - self.shoulder_scale) * blend
        if girth:
            inside = _smoothstep((y_ref - self.neck_ref_cm) / 6.0)
            scale = scale * (1.0 + (self.girth_scale - 1.0) * inside)
        return scale

    def bend(self, y_ref: np.ndarray) -> np.ndarray:
        lo, hi = self.bend_ref_cm
        u = np.clip((y_ref - lo) / (hi - lo), 0.0, 1.0)
        return self.scoliosis_cm * np.sin(np.pi * u)

    def depth_scale(self, y_ref: np.ndarray, segment: str) -> np.ndarray:
        """Scale of heights above the table at reference rows ``y_ref`` for a piece of ``segment``."""
        if segment == "head":
            return np.ones_like(y_ref)
        if segment.startswith(("arm", "leg")):
            return np.full_like(y_ref, 1.0 + 0.5 * (self.ap_scale - 1.0))
        inside = _smoothstep((y_ref - self.neck_ref_cm) / 4.0) * _smoothstep((self.crotch_ref_cm - y_ref) / 8.0)
        limb = 1.0 + 0.5 * (self.ap_scale - 1.0)
        return limb + (self.ap_scale - limb) * inside

    def body_forward(self, x: np.ndarray, y: np.ndarray, girth: bool = False) -> tuple[np.ndarray, np.ndarray]:
        y_new = self.top_cm + self.height_scale * (y - self.top_ref_cm)
        x_new = self.mid_cm + self.lateral_scale(y, girth) * (x - self.mid_ref_cm) + self.bend(y)
        return x_new, y_new

    def body_inverse(self, x_new: np.ndarray, y_new: np.ndarray, girth: bool = False) -> tuple[np.ndarray, np.ndarray]:
        y = self.top_ref_cm + (y_new - self.top_cm) / self.height_scale
        x = self.mid_ref_cm + (x_new - self.mid_cm - self.bend(y)) / self.lateral_scale(y, girth)
        return x, y

    def _arm(self, segment: str) -> tuple[float, float, float, float, float]:
        side = segment.split("_", 1)[1]
        sx, sy = self.shoulder_ref_cm[side]
        fx, fy = self.body_forward(np.array(sx), np.array(sy))
        return sx, sy, float(fx), float(fy), self.arm_angle_rad[side]

    def forward(self, x: np.ndarray, y: np.ndarray, segment: str, girth: bool = False) -> tuple[np.ndarray, np.ndarray]:
        if not segment.startswith("arm"):
            return self.body_forward(x, y, girth)
        sx, sy, fx, fy, angle = self._arm(segment)
        c, s = np.cos(angle), np.sin(angle)
        dx, dy = (x - sx) * self.height_scale, (y - sy) * self.height_scale
        return fx + c * dx - s * dy, fy + s * dx + c * dy

    def inverse(
        self, x_new: np.ndarray, y_new: np.ndarray, segment: str, girth: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        if not segment.startswith("arm"):
            return self.body_inverse(x_new, y_new, girth)
        sx, sy, fx, fy, angle = self._arm(segment)
        c, s = np.cos(angle), np.sin(angle)
        dx, dy = x_new - fx, y_new - fy
        return sx + (c * dx + s * dy) / self.height_scale, sy + (-s * dx + c * dy) / self.height_scale

    def point(self, point: tuple[float, float, float], segment: str) -> tuple[float, float, float]:
        x, y, z = (np.asarray(v, float) for v in point)
        x_new, y_new = self.forward(x, y, segment)
        return float(x_new), float(y_new), float(z * self.depth_scale(y, segment))

    def path(self, path: np.ndarray, segment: str) -> np.ndarray:
        x_new, y_new = self.forward(path[:, 0], path[:, 1], segment)
        z = path[:, 2] * self.depth_scale(path[:, 1], segment)
        return np.stack([x_new, y_new, z], axis=1).astype(np.float32)


def warp_piece(piece: Piece, warp: Warp, ref_cell_cm: float, grid: Grid) -> Piece | None:
    """``piece`` (on the reference cells) resampled into the patient's grid; None when it leaves the grid."""
    from scipy import ndimage

    h, w = piece.shape
    corners_x = (piece.col0 + np.array([0, w, 0, w])) * ref_cell_cm
    corners_y = (piece.row0 + np.array([0, 0, h, h])) * ref_cell_cm
    girth = piece.tissue == "soft" and piece.segment == "trunk"
    cx, cy = warp.forward(corners_x.astype(float), corners_y.astype(float), piece.segment, girth)
    if not piece.segment.startswith("arm"):
        # The lateral scale and the bend vary by row: follow the box's left and right edges too.
        ys = (piece.row0 + np.linspace(0, h, 9)) * ref_cell_cm
        edges_x = np.concatenate([np.full(9, corners_x[0]), np.full(9, corners_x[1])]).astype(float)
        ex, ey = warp.body_forward(edges_x, np.tile(ys, 2), girth)
        cx, cy = np.concatenate([cx, ex]), np.concatenate([cy, ey])
    p = grid.pixel_cm
    c0, c1 = max(int(np.floor(cx.min() / p)) - 1, 0), min(int(np.ceil(cx.max() / p)) + 1, grid.cols)
    r0, r1 = max(int(np.floor(cy.min() / p)) - 1, 0), min(int(np.ceil(cy.max() / p)) + 1, grid.rows)
    if c1 <= c0 or r1 <= r0:
        return None
    xs, ys = np.meshgrid((np.arange(c0, c1) + 0.5) * p, (np.arange(r0, r1) + 0.5) * p)
    sx, sy = warp.inverse(xs, ys, piece.segment, girth)
    # One pixel of zeros round the source, so that its edge cells reach half a cell out like inner ones.
    coords = np.stack([sy / ref_cell_cm + 0.5 - piece.row0, sx / ref_cell_cm + 0.5 - piece.col0])
    # Soft tissue is taken from the nearest cell: neighbouring segments then tile the outline without a seam
    # (the camera takes the highest surface, so two half-interpolated edges would leave a groove).
    order = 0 if piece.tissue == "soft" else 1
    source_t = np.pad(piece.thickness_cm, 1)
    source_tz = np.pad(piece.thickness_cm * piece.z_cm, 1)
    t = ndimage.map_coordinates(source_t, coords, order=order, mode="constant", cval=0.0)
    tz = ndimage.map_coordinates(source_tz, coords, order=order, mode="constant", cval=0.0)
    if not np.any(t > 1e-4):
        return None
    z = np.divide(tz, t, out=np.zeros_like(t), where=t > 1e-4)
    scale = warp.depth_scale(sy, piece.segment)
    thickness = t * scale if piece.tissue == "soft" else t
    return replace(
        piece,
        row0=r0,
        col0=c0,
        thickness_cm=np.where(t > 1e-4, thickness, 0.0).astype(np.float32),
        z_cm=(z * scale).astype(np.float32),
    )
