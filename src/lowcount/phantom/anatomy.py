"""The synthetic patient's body: a procedural 2.5-D skeleton, soft tissue and organs.

Proportions follow standard anthropometry as fractions of height (engineering estimates, see
shared/docs/phantom-physics.md section 6): vertebral levels, joints and limb lengths scale with height,
widths with sex and build. Every bone is a :class:`~lowcount.phantom.geometry.Piece` with its own depth
above the table, so the camera can attenuate and blur it by its distance to each detector.

The patient lies supine, head at row 0. In the anterior view the patient's right is on the image left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lowcount.phantom.geometry import Grid, Piece, ellipsoid, plate, tube
from lowcount.phantom.uptake import Uptake

VERTEBRAE = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
SIDES = {"right": -1.0, "left": 1.0}  # image x direction of each patient side (anterior view)
ARM_POSITIONS = ("sides", "abducted", "over_pelvis")


@dataclass(frozen=True)
class Body:
    """Geometric parameters of one patient (all lengths in cm).

    Attributes:
        sex: ``"F"`` or ``"M"``.
        age_years: age; below 20 growth plates show, above 65 bone fades.
        height_cm: vertex to sole.
        shoulder_half_cm: half the biacromial width.
        pelvis_half_cm: half the bi-iliac width.
        chest_ap_cm, abdomen_ap_cm: anterior-posterior body thickness of chest and abdomen.
        arm_position: one of ``ARM_POSITIONS``.
        arm_angle_rad: abduction of the arms (``abducted``) or a small outward tilt.
        scoliosis_cm: lateral amplitude of a thoracolumbar curve (signed; 0 for none).
        leg_spread_cm: distance of each ankle from the midline.
        top_cm: distance from the top of the field of view to the vertex.
        midline_cm: image x of the body midline.
    """

    sex: str
    age_years: float
    height_cm: float
    shoulder_half_cm: float
    pelvis_half_cm: float
    chest_ap_cm: float
    abdomen_ap_cm: float
    arm_position: str
    arm_angle_rad: float
    scoliosis_cm: float
    leg_spread_cm: float
    top_cm: float
    midline_cm: float

    def __post_init__(self) -> None:
        if self.sex not in ("F", "M"):
            raise ValueError(f"sex must be 'F' or 'M', got {self.sex!r}")
        if self.arm_position not in ARM_POSITIONS:
            raise ValueError(f"arm_position must be one of {ARM_POSITIONS}, got {self.arm_position!r}")
        if not 80.0 <= self.height_cm <= 215.0:
            raise ValueError(f"height_cm must be within 80-215 cm, got {self.height_cm}")


def _height_for_age(rng: np.random.Generator, sex: str, age: float) -> float:
    adult = rng.normal(175.0, 7.0) if sex == "M" else rng.normal(162.0, 7.0)
    if age >= 18:
        shrink = max(age - 60.0, 0.0) * 0.08  # height loss in old age
        return float(np.clip(adult - shrink, 140.0, 205.0))
    return float(np.clip(adult * (0.55 + 0.45 * max(age - 4.0, 0.0) / 14.0), 95.0, 200.0))


def sample_body(rng: np.random.Generator, grid: Grid, young_fraction: float = 0.08) -> Body:
    """Draw one patient's body. Most bone-scan patients are 40-85 years old; a few are young."""
    sex = "M" if rng.random() < 0.5 else "F"
    age = float(rng.uniform(8.0, 19.0) if rng.random() < young_fraction else rng.uniform(40.0, 88.0))
    height = _height_for_age(rng, sex, age)
    scale = height / (175.0 if sex == "M" else 162.0)
    shoulder = (20.0 if sex == "M" else 18.0) * scale * rng.uniform(0.94, 1.06)
    pelvis = (14.0 if sex == "M" else 15.0) * scale * rng.uniform(0.94, 1.06)
    abdomen = float(np.clip(rng.uniform(18.0, 30.0) * (0.7 + 0.3 * scale), 14.0, 32.0))
    chest = abdomen * rng.uniform(0.85, 1.0)
    arm = str(rng.choice(ARM_POSITIONS, p=[0.7, 0.1, 0.2]))
    arm_angle = float(rng.uniform(0.12, 0.22) if arm == "abducted" else rng.uniform(0.0, 0.06))
    scoliosis = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.5)) if rng.random() < 0.2 else 0.0
    length_cm = grid.rows * grid.pixel_cm
    top = float(np.clip(rng.uniform(2.0, 8.0), 0.5, max(length_cm - height - 1.0, 0.5)))
    midline = grid.cols * grid.pixel_cm / 2.0 + rng.uniform(-1.5, 1.5)
    return Body(
        sex=sex,
        age_years=age,
        height_cm=height,
        shoulder_half_cm=shoulder,
        pelvis_half_cm=pelvis,
        chest_ap_cm=chest,
        abdomen_ap_cm=abdomen,
        arm_position=arm,
        arm_angle_rad=arm_angle,
        scoliosis_cm=scoliosis,
        leg_spread_cm=float(rng.uniform(4.5, 8.0) * scale),
        top_cm=top,
        midline_cm=midline,
    )


@dataclass
class Anatomy:
    """A rendered patient: pieces plus the landmarks lesions are placed on.

    Attributes:
        pieces: every bone, organ and soft-tissue piece.
        paths: polylines (N, 3) of tube-like bones by piece name (ribs, long bones), for elongated lesions.
        landmarks: named points (x, y, z) in cm, e.g. ``"pubis"``, ``"elbow_right"``.
    """

    pieces: list[Piece] = field(default_factory=list)
    paths: dict[str, np.ndarray] = field(default_factory=dict)
    landmarks: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def add(self, piece: Piece | None) -> None:
        if piece is not None:
            self.pieces.append(piece)


class _Frame:
    """Landmark positions of one body, in image cm."""

    def __init__(self, body: Body) -> None:
        h = body.height_cm
        self.body = body
        self.mid = body.midline_cm
        self.y = lambda fraction: body.top_cm + fraction * h
        levels = np.concatenate(
            [
                np.linspace(0.100, 0.168, 7),  # C1-C7
                np.linspace(0.180, 0.352, 12),  # T1-T12
                np.linspace(0.368, 0.440, 5),  # L1-L5
            ]
        )
        self.vertebra_y = {name: self.y(f) for name, f in zip(VERTEBRAE, levels, strict=False)}
        self.spacing = {"C": 0.0113 * h, "T": 0.0156 * h, "L": 0.018 * h}
        self.sacrum_top = self.y(0.455)
        self.sacrum_tip = self.y(0.530)
        self.hip_y = self.y(0.488)
        self.pubis_y = self.y(0.505)
        self.shoulder_y = self.y(0.182)
        self.knee_y = self.y(0.715)
        self.ankle_y = self.y(0.955)
        self.chest_ap = body.chest_ap_cm
        self.abdomen_ap = body.abdomen_ap_cm

    def spine_x(self, y: float) -> float:
        b = self.body
        t1, l5 = self.vertebra_y["T1"], self.vertebra_y["L5"]
        if b.scoliosis_cm == 0 or not t1 <= y <= l5:
            return self.mid
        return self.mid + b.scoliosis_cm * float(np.sin(np.pi * (y - t1) / (l5 - t1)))

    def spine_z(self, y: float) -> float:
        """Height of the vertebral-body centre above the table: lordosis, kyphosis, lordosis."""
        t1, t12, l5 = self.vertebra_y["T1"], self.vertebra_y["T12"], self.vertebra_y["L5"]
        if y < t1:
            return 0.30 * self.chest_ap + 1.0
        if y < t12:
            return 0.27 * self.chest_ap
        if y <= l5 + 1:
            return 0.27 * self.chest_ap + (0.33 * self.abdomen_ap - 0.27 * self.chest_ap) * (y - t12) / (l5 - t12)
        return 0.3 * self.abdomen_ap


def _side_x(frame: _Frame, side: str, offset_cm: float) -> float:
    return frame.mid + SIDES[side] * offset_cm


def _skull(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    top = f.body.top_cm
    head_z = 10.0 * s + 1.5  # on the head rest
    a.add(
        ellipsoid(
            g,
            "skull_vault",
            "bone",
            "head",
            (f.mid, top + 9.5 * s, head_z),
            (7.3 * s, 9.5 * s, 9.5 * s),
            up.skull,
            shell_fraction=0.08,
        )
    )
    a.add(
        ellipsoid(
            g,
            "skull_face",
            "bone",
            "head",
            (f.mid, top + 15.5 * s, head_z + 5.5 * s),
            (4.0 * s, 2.6 * s, 2.0 * s),
            up.skull * 1.2,
        )
    )
    for side in SIDES:
        a.add(
            ellipsoid(
                g,
                f"skull_petrous_{side}",
                "bone",
                "head",
                (_side_x(f, side, 4.2 * s), top + 12.5 * s, head_z),
                (1.8 * s, 1.0 * s, 1.5 * s),
                up.skull * 1.6,
            )
        )
    chin = (f.mid, top + 21.5 * s, head_z + 7.0 * s)
    for side in SIDES:
        pts = np.array(
            [
                (_side_x(f, side, 5.3 * s), top + 13.5 * s, head_z - 1.0 * s),
                (_side_x(f, side, 4.9 * s), top + 18.8 * s, head_z + 1.0 * s),
                (_side_x(f, side, 2.6 * s), top + 21.0 * s, head_z + 5.0 * s),
                chin,
            ]
        )
        a.add(tube(g, f"mandible_{side}", "bone", "head", pts, 0.55 * s, up.skull * 1.3))


def _spine(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    widths = {"C": (2.2, 2.8), "T": (2.8, 4.3), "L": (4.6, 5.3)}
    depths = {"C": 0.8, "T": 1.3, "L": 1.6}
    for name in VERTEBRAE:
        region, index = name[0], int(name[1:])
        count = {"C": 7, "T": 12, "L": 5}[region]
        w0, w1 = widths[region]
        half_w = 0.5 * (w0 + (w1 - w0) * (index - 1) / max(count - 1, 1)) * f.body.height_cm / 172.0
        y = f.vertebra_y[name]
        x, z = f.spine_x(y), f.spine_z(y)
        half_h = 0.45 * f.spacing[region]
        segment = "head" if name in ("C1", "C2", "C3") else "trunk"
        body = ellipsoid(
            g,
            f"vertebra_{name}",
            "bone",
            segment,
            (x, y, z),
            (half_w, half_h, depths[region]),
            up.spine,
            squareness=4.0,
            shell_fraction=0.6,
        )
        a.add(body)
        for side in SIDES:
            a.add(
                ellipsoid(
                    g,
                    f"pedicle_{name}_{side}",
                    "bone",
                    segment,
                    (x + SIDES[side] * 0.62 * half_w, y, z - depths[region] - 0.6),
                    (0.28 * half_w, 0.55 * half_h, 0.6),
                    up.spine * 1.1,
                )
            )
        a.add(
            tube(
                g,
                f"spinous_{name}",
                "bone",
                segment,
                np.array([(x, y - 0.2 * half_h, z - depths[region] - 0.8), (x, y + 0.9 * half_h, max(z - 4.0, 0.8))]),
                0.35,
                up.spine * 0.8,
            )
        )
    s = f.body.height_cm / 172.0
    z_top, z_tip = 0.3 * f.abdomen_ap, 3.0
    a.add(
        tube(
            g,
            "sacrum",
            "bone",
            "trunk",
            np.array([(f.mid, f.sacrum_top + 1.5 * s, z_top), (f.mid, f.sacrum_tip, z_tip)]),
            np.array([5.0 * s, 1.2 * s]),
            up.spine * 0.9,
            depth_scale=0.35,
        )
    )


def _ribs(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    chest_half = (f.body.shoulder_half_cm - 4.0) * 0.95
    reach = [0.38, 0.60, 0.74, 0.84, 0.92, 0.97, 1.0, 1.0, 0.98, 0.94, 0.85, 0.70]
    drops = [1.2, 2.0, 2.6, 3.0, 3.3, 3.5, 3.7, 3.8, 3.6, 3.2, 2.0, 1.4]
    ends = [0.86, 0.87, 0.87, 0.87, 0.87, 0.86, 0.85, 0.78, 0.75, 0.72, 0.55, 0.42]
    spacing = f.spacing["T"]
    for n in range(12):
        name = f"T{n + 1}"
        y0 = f.vertebra_y[name]
        x_spine = f.spine_x(y0)
        u0 = 1.6 * s + 0.05 * n  # costovertebral joints sit a little wider down the spine
        u_front = 2.2 * s
        half = chest_half * reach[n]
        z_centre = f.chest_ap * 0.5
        bz = f.chest_ap * 0.5 - 1.5
        phi = np.linspace(0.0, ends[n] * np.pi, 40)
        u = np.where(phi < np.pi / 2, u0 + (half - u0) * np.sin(phi), u_front + (half - u_front) * np.sin(phi))
        y = y0 - 0.6 * s * np.sin(np.minimum(phi * 2, np.pi)) + drops[n] * spacing * (1 - np.cos(phi)) / 2
        z = z_centre - bz * np.cos(phi)
        for side, sign in SIDES.items():
            pts = np.stack([x_spine + sign * u, y, z], axis=1)
            piece_name = f"rib_{side}_{n + 1}"
            a.add(tube(g, piece_name, "bone", "trunk", pts, 0.55 * s, up.rib, shell_fraction=0.55, depth_scale=0.6))
            a.paths[piece_name] = pts
    notch_y = f.vertebra_y["T2"]
    z_front = f.chest_ap - 1.6
    a.add(
        ellipsoid(
            g,
            "sternum_manubrium",
            "bone",
            "trunk",
            (f.mid, notch_y + 2.5 * s, z_front),
            (2.6 * s, 2.6 * s, 0.8),
            up.sternum,
        )
    )
    body_pts = np.array([(f.mid, notch_y + 5.3 * s, z_front), (f.mid, f.vertebra_y["T9"], z_front - 0.5)])
    a.add(tube(g, "sternum_body", "bone", "trunk", body_pts, np.array([1.6 * s, 1.3 * s]), up.sternum, depth_scale=0.5))
    a.landmarks["manubriosternal"] = (f.mid, notch_y + 5.1 * s, z_front)
    a.paths["sternum_body"] = body_pts


def _shoulder_girdle(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    notch_y = f.vertebra_y["T2"] - 0.5 * s
    sh = f.body.shoulder_half_cm
    z_front = f.chest_ap - 2.0
    for side, sign in SIDES.items():
        acromion = (f.mid + sign * (sh - 1.5 * s), f.shoulder_y - 1.0 * s, f.chest_ap * 0.55)
        clav = np.array(
            [
                (f.mid + sign * 2.0 * s, notch_y, z_front),
                (f.mid + sign * 0.45 * sh, notch_y - 0.2 * s, z_front - 0.5),
                (f.mid + sign * 0.75 * sh, notch_y - 1.5 * s, z_front - 2.0),
                acromion,
            ]
        )
        a.add(tube(g, f"clavicle_{side}", "bone", "trunk", clav, 0.65 * s, up.rib * 1.2, shell_fraction=0.6))
        a.paths[f"clavicle_{side}"] = clav
        sup = (f.mid + sign * 6.5 * s, f.vertebra_y["T1"] + 0.5 * s)
        inf = (f.mid + sign * 8.5 * s, f.vertebra_y["T7"])
        lat = (f.mid + sign * (sh - 3.5 * s), f.vertebra_y["T2"] + 1.0 * s)
        z_back = 3.0
        a.add(plate(g, f"scapula_{side}", "bone", "trunk", np.array([sup, lat, inf]), 0.6, z_back, up.rib * 0.8))
        a.add(
            tube(
                g,
                f"scapula_border_{side}",
                "bone",
                "trunk",
                np.array([(*lat, z_back), (*inf, z_back)]),
                0.6 * s,
                up.rib,
                depth_scale=0.8,
            )
        )
        a.add(
            tube(
                g,
                f"scapula_spine_{side}",
                "bone",
                "trunk",
                np.array([(sup[0], sup[1] + 2.0 * s, z_back), (acromion[0], acromion[1] + 0.5 * s, acromion[2])]),
                0.5 * s,
                up.rib,
                depth_scale=1.2,
            )
        )
        a.add(
            ellipsoid(
                g,
                f"glenoid_{side}",
                "bone",
                "trunk",
                (lat[0] + sign * 1.3 * s, lat[1], f.chest_ap * 0.5),
                (0.9 * s, 1.6 * s, 1.5),
                up.joint * 0.7,
            )
        )
        a.landmarks[f"shoulder_{side}"] = (lat[0] + sign * 2.5 * s, lat[1], f.chest_ap * 0.5)


def _pelvis(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    ph = f.body.pelvis_half_cm
    z_mid = 0.45 * f.abdomen_ap
    l4, l5 = f.vertebra_y["L4"], f.vertebra_y["L5"]
    for side, sign in SIDES.items():

        def x(u, sign=sign):
            return f.mid + sign * u

        wing = np.array(
            [
                (x(3.8 * s), f.sacrum_top + 0.5 * s),
                (x(0.62 * ph), l4 - 0.5 * s),
                (x(0.92 * ph), l5 + 0.5 * s),
                (x(0.95 * ph), f.sacrum_top + 3.0 * s),
                (x(0.68 * ph), f.hip_y - 2.2 * s),
                (x(4.5 * s), f.sacrum_top + 6.0 * s),
            ]
        )
        a.add(plate(g, f"ilium_{side}", "bone", "trunk", wing, 1.3, z_mid, up.spine * 0.55))
        crest = np.array([(*wing[0], z_mid - 3.0), (*wing[1], z_mid), (*wing[2], z_mid + 1.0), (*wing[3], z_mid + 3.0)])
        a.add(tube(g, f"iliac_crest_{side}", "bone", "trunk", crest, 0.7 * s, up.spine * 0.6, depth_scale=1.2))
        a.add(
            tube(
                g,
                f"sacroiliac_{side}",
                "bone",
                "trunk",
                np.array(
                    [
                        (x(4.0 * s), f.sacrum_top + 0.8 * s, 0.3 * f.abdomen_ap),
                        (x(3.3 * s), f.sacrum_top + 6.0 * s, 0.25 * f.abdomen_ap),
                    ]
                ),
                0.7 * s,
                up.spine * 0.9,
            )
        )
        hip_x = x(0.64 * ph)
        ring = np.array(
            [
                (hip_x, f.hip_y + 1.5 * s, z_mid),
                (x(0.48 * ph), f.hip_y + 6.5 * s, 5.0),
                (x(1.6 * s), f.pubis_y + 3.5 * s, f.abdomen_ap * 0.75),
                (x(1.2 * s), f.pubis_y + 0.5 * s, f.abdomen_ap * 0.78),
                (x(0.5 * ph), f.hip_y - 0.5 * s, z_mid + 2.0),
            ]
        )
        a.add(tube(g, f"obturator_ring_{side}", "bone", "trunk", np.vstack([ring, ring[:1]]), 0.9 * s, up.spine * 0.6))
        a.add(
            ellipsoid(
                g,
                f"acetabulum_{side}",
                "bone",
                "trunk",
                (hip_x, f.hip_y - 0.5 * s, z_mid),
                (2.6 * s, 2.4 * s, 2.0),
                up.spine * 0.45,
                shell_fraction=0.3,
            )
        )
        a.landmarks[f"hip_{side}"] = (hip_x, f.hip_y, z_mid)
    a.landmarks["pubis"] = (f.mid, f.pubis_y + 1.5 * s, f.abdomen_ap * 0.78)
    a.landmarks["sacrum"] = (f.mid, f.sacrum_top + 3.0 * s, 0.28 * f.abdomen_ap)


def _growth_plate(a, g, name, segment, centre, half_width, up: Uptake, angle=0.0) -> None:
    if up.growth_plate_ratio <= 1.0:
        return
    a.add(
        ellipsoid(
            g,
            f"growth_plate_{name}",
            "bone",
            segment,
            centre,
            (half_width, 0.35, half_width * 0.8),
            up.rib * (up.growth_plate_ratio - 1.0),
            angle_rad=angle,
        )
    )


def _legs(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    ph = f.body.pelvis_half_cm
    for side, sign in SIDES.items():
        seg = f"leg_{side}"
        hip = (f.mid + sign * 0.64 * ph, f.hip_y, 0.45 * f.abdomen_ap)
        knee_x = f.mid + sign * (0.5 * f.body.leg_spread_cm + 4.0 * s)
        ankle_x = f.mid + sign * (f.body.leg_spread_cm + 3.0 * s)
        thigh_z, shin_z = 8.0 * s, 5.5 * s
        a.add(
            ellipsoid(
                g,
                f"femur_head_{side}",
                "bone",
                seg,
                hip,
                (2.3 * s, 2.3 * s, 2.3 * s),
                up.joint * 0.8,
                shell_fraction=0.4,
            )
        )
        troch = (hip[0] + sign * 4.0 * s, f.hip_y + 2.5 * s, thigh_z)
        a.add(
            tube(
                g,
                f"femur_neck_{side}",
                "bone",
                seg,
                np.array([hip, troch]),
                1.5 * s,
                up.joint * 0.7,
                shell_fraction=0.5,
            )
        )
        a.add(ellipsoid(g, f"femur_trochanter_{side}", "bone", seg, troch, (1.8 * s, 2.2 * s, 2.0), up.joint * 0.7))
        shaft = np.array([troch, (knee_x, f.knee_y - 4.0 * s, shin_z + 1.0)])
        a.add(
            tube(
                g, f"femur_shaft_{side}", "bone", seg, shaft, np.array([1.5 * s, 1.4 * s]), up.rib, shell_fraction=0.45
            )
        )
        a.paths[f"femur_shaft_{side}"] = shaft
        a.add(
            ellipsoid(
                g,
                f"femur_condyles_{side}",
                "bone",
                seg,
                (knee_x, f.knee_y - 1.8 * s, shin_z + 1.0),
                (3.9 * s, 2.6 * s, 3.0 * s),
                up.joint * 0.75,
                shell_fraction=0.5,
            )
        )
        a.add(
            ellipsoid(
                g,
                f"patella_{side}",
                "bone",
                seg,
                (knee_x, f.knee_y - 3.0 * s, shin_z + 5.5 * s),
                (2.1 * s, 2.4 * s, 1.0),
                up.joint * 0.6,
            )
        )
        a.add(
            ellipsoid(
                g,
                f"tibia_plateau_{side}",
                "bone",
                seg,
                (knee_x, f.knee_y + 1.6 * s, shin_z + 0.5),
                (3.8 * s, 2.0 * s, 2.8 * s),
                up.joint * 0.7,
                shell_fraction=0.5,
            )
        )
        tibia = np.array(
            [(knee_x, f.knee_y + 2.5 * s, shin_z + 0.5), (ankle_x - sign * 0.5, f.ankle_y - 1.5 * s, shin_z)]
        )
        a.add(
            tube(
                g, f"tibia_shaft_{side}", "bone", seg, tibia, np.array([1.4 * s, 1.1 * s]), up.rib, shell_fraction=0.45
            )
        )
        a.paths[f"tibia_shaft_{side}"] = tibia
        fib = np.array(
            [
                (knee_x + sign * 3.0 * s, f.knee_y + 2.8 * s, shin_z - 1.0),
                (ankle_x + sign * 2.3 * s, f.ankle_y - 0.5 * s, shin_z - 1.0),
            ]
        )
        a.add(tube(g, f"fibula_{side}", "bone", seg, fib, 0.55 * s, up.rib * 0.8))
        a.add(
            ellipsoid(
                g, f"ankle_{side}", "bone", seg, (ankle_x, f.ankle_y, shin_z), (2.6 * s, 1.6 * s, 2.0), up.joint * 0.8
            )
        )
        # Supine feet point up, so the projection is foreshortened: calcaneus, tarsus, a fan of metatarsals.
        a.add(
            ellipsoid(
                g,
                f"calcaneus_{side}",
                "bone",
                seg,
                (ankle_x, f.ankle_y + 3.0 * s, 3.0),
                (1.8 * s, 2.6 * s, 2.5),
                up.joint * 0.8,
            )
        )
        a.add(
            ellipsoid(
                g,
                f"tarsus_{side}",
                "bone",
                seg,
                (ankle_x + sign * 0.8, f.ankle_y + 3.5 * s, 9.0 * s),
                (2.4 * s, 1.8 * s, 2.0),
                up.joint * 0.8,
            )
        )
        for k in range(5):
            x0 = ankle_x + sign * (0.8 + (k - 1.5) * 0.9) * s
            pts = np.array(
                [(x0, f.ankle_y + 4.5 * s, 11.0 * s), (x0 + sign * (k - 2) * 0.5 * s, f.ankle_y + 7.2 * s, 15.0 * s)]
            )
            a.add(tube(g, f"metatarsal_{side}_{k + 1}", "bone", seg, pts, 0.45 * s, up.rib * 0.9))
        a.landmarks[f"knee_{side}"] = (knee_x, f.knee_y, shin_z + 1.0)
        a.landmarks[f"first_mtp_{side}"] = (ankle_x - sign * 0.8 * s, f.ankle_y + 7.0 * s, 15.0 * s)
        a.landmarks[f"ankle_{side}"] = (ankle_x, f.ankle_y, shin_z)
        _growth_plate(a, g, f"femur_{side}", seg, (knee_x, f.knee_y - 3.5 * s, shin_z + 1.0), 3.2 * s, up)
        _growth_plate(a, g, f"tibia_{side}", seg, (knee_x, f.knee_y + 2.8 * s, shin_z + 0.5), 3.0 * s, up)
        _growth_plate(a, g, f"tibia_distal_{side}", seg, (ankle_x, f.ankle_y - 1.8 * s, shin_z), 1.6 * s, up)


def _arm_joints(f: _Frame, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shoulder, elbow, wrist and fingertip positions (x, y, z) of one arm."""
    b = f.body
    s = b.height_cm / 172.0
    sign = SIDES[side]
    shoulder = np.array([f.mid + sign * (b.shoulder_half_cm - 1.0 * s), f.shoulder_y + 1.0 * s, f.chest_ap * 0.5])
    upper, fore, hand = 0.186 * b.height_cm, 0.146 * b.height_cm, 0.105 * b.height_cm
    arm_z = 4.5 * s
    angle = b.arm_angle_rad
    direction = np.array([sign * np.sin(angle), np.cos(angle), 0.0])
    elbow = shoulder + upper * direction
    elbow[0] += sign * 1.5 * s
    elbow[2] = arm_z
    if b.arm_position == "over_pelvis":
        target = np.array([f.mid + sign * 5.0 * s, f.pubis_y - 2.0 * s, f.abdomen_ap + 1.5])
        d = target - elbow
        d[:2] /= np.hypot(*d[:2])
        wrist = elbow + np.array([d[0] * fore * 0.97, d[1] * fore * 0.97, 0.0])
        wrist[2] = f.abdomen_ap + 1.5
        tip = wrist + np.array([d[0] * hand, d[1] * hand, 0.0])
    else:
        wrist = elbow + fore * direction
        wrist[2] = arm_z - 1.0
        tip = wrist + hand * direction
        tip[2] = arm_z - 1.5
    return shoulder, elbow, wrist, tip


def _arms(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    for side, sign in SIDES.items():
        seg = f"arm_{side}"
        shoulder, elbow, wrist, tip = _arm_joints(f, side)
        a.add(
            ellipsoid(
                g,
                f"humerus_head_{side}",
                "bone",
                seg,
                tuple(shoulder),
                (2.3 * s, 2.4 * s, 2.3 * s),
                up.joint * 0.8,
                shell_fraction=0.4,
            )
        )
        humerus = np.array([shoulder, elbow])
        a.add(
            tube(
                g,
                f"humerus_shaft_{side}",
                "bone",
                seg,
                humerus,
                np.array([1.2 * s, 1.0 * s]),
                up.rib,
                shell_fraction=0.45,
            )
        )
        a.paths[f"humerus_shaft_{side}"] = humerus
        a.add(ellipsoid(g, f"elbow_{side}", "bone", seg, tuple(elbow), (2.4 * s, 1.6 * s, 1.6), up.joint * 0.7))
        forearm = wrist - elbow
        normal = np.array([-forearm[1], forearm[0], 0.0])
        normal /= max(np.hypot(normal[0], normal[1]), 1e-6)
        for k, bone in enumerate(("radius", "ulna")):
            off = normal * (0.8 * s) * (1 if k == 0 else -1) * sign
            a.add(
                tube(
                    g,
                    f"{bone}_{side}",
                    "bone",
                    seg,
                    np.array([elbow + off, wrist + off]),
                    0.55 * s,
                    up.rib * 0.9,
                    shell_fraction=0.6,
                )
            )
        a.add(
            ellipsoid(
                g,
                f"carpus_{side}",
                "bone",
                seg,
                tuple(wrist + (tip - wrist) * 0.12),
                (2.0 * s, 1.6 * s, 1.0),
                up.joint * 0.8,
            )
        )
        hand_dir = (tip - wrist) / np.linalg.norm(tip - wrist)
        for k in range(5):
            lateral = normal * (k - 2) * 0.9 * s
            base = wrist + (tip - wrist) * 0.25 + lateral
            end = wrist + (tip - wrist) * (0.9 if k else 0.55) + lateral * 1.2
            if k == 0:  # thumb points away from the hand axis
                base = wrist + (tip - wrist) * 0.2 + normal * 1.8 * s
                end = base + hand_dir * 4.5 * s + normal * 1.5 * s
            a.add(tube(g, f"hand_ray_{side}_{k + 1}", "bone", seg, np.array([base, end]), 0.38 * s, up.rib * 0.8))
        a.landmarks[f"elbow_{side}"] = tuple(elbow)
        a.landmarks[f"hand_{side}"] = tuple(wrist + (tip - wrist) * 0.3)
        a.landmarks[f"thumb_base_{side}"] = tuple(wrist + (tip - wrist) * 0.2 + normal * 1.5 * s)
        a.landmarks[f"axilla_{side}"] = (shoulder[0] - sign * 4.0 * s, shoulder[1] + 5.0 * s, f.chest_ap * 0.5)
        _growth_plate(a, g, f"humerus_{side}", seg, tuple(shoulder + np.array([0.0, 3.0 * s, 0.0])), 2.0 * s, up)
        _growth_plate(a, g, f"radius_{side}", seg, tuple(wrist - (wrist - elbow) * 0.06), 1.6 * s, up)


def _torso_profile(f: _Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Landmark rows (cm) with the torso half-width and AP thickness at each."""
    b = f.body
    s = b.height_cm / 172.0
    # The last row tapers the torso into the thighs, which the leg pieces carry on.
    ys = np.array(
        [
            f.vertebra_y["C6"],
            f.shoulder_y,
            f.vertebra_y["T6"],
            f.vertebra_y["L3"],
            f.hip_y,
            f.pubis_y + 5.0 * s,
            f.pubis_y + 10.0 * s,
        ]
    )
    half = np.array(
        [
            6.0 * s,
            b.shoulder_half_cm - 1.0 * s,
            b.shoulder_half_cm - 2.5 * s,
            b.pelvis_half_cm * 0.95 + 1.0,
            b.pelvis_half_cm + 3.0,
            b.pelvis_half_cm + 2.0,
            b.pelvis_half_cm * 0.6,
        ]
    )
    ap = np.array(
        [
            11.0 * s,
            b.chest_ap_cm * 0.8,
            b.chest_ap_cm,
            b.abdomen_ap_cm,
            b.abdomen_ap_cm * 0.9,
            b.abdomen_ap_cm * 0.75,
            10.0 * s,
        ]
    )
    return ys, half, ap


def _soft_tissue(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    """Body outline as soft-tissue pieces; the camera takes their union as the body thickness."""
    b = f.body
    s = b.height_cm / 172.0
    a.add(
        ellipsoid(
            g,
            "soft_head",
            "soft",
            "head",
            (f.mid, b.top_cm + 11.0 * s, 10.0 * s + 1.5),
            (8.0 * s, 11.5 * s, 10.0 * s),
            up.soft,
        )
    )
    a.add(
        tube(
            g,
            "soft_neck",
            "soft",
            "head",
            np.array([(f.mid, b.top_cm + 18.0 * s, 7.0 * s), (f.mid, f.shoulder_y, 7.0 * s)]),
            6.0 * s,
            up.soft,
        )
    )
    ys, half, ap = _torso_profile(f)
    r0 = max(int(ys[0] / g.pixel_cm), 0)
    r1 = min(int(np.ceil(ys[-1] / g.pixel_cm)), g.rows)
    if r1 > r0:
        rows_cm = (np.arange(r0, r1) + 0.5) * g.pixel_cm
        hw = np.interp(rows_cm, ys, half)[:, None]
        thick = np.interp(rows_cm, ys, ap)[:, None]
        xs = (np.arange(g.cols) + 0.5) * g.pixel_cm
        u = np.abs(xs[None, :] - f.mid) / hw
        t = thick * np.clip(1.0 - u**3, 0.0, None) ** (1.0 / 3.0)
        a.add(Piece("soft_torso", "soft", "trunk", r0, 0, t.astype(np.float32), (t / 2).astype(np.float32), up.soft))
    if b.sex == "F":
        for side, sign in SIDES.items():
            a.add(
                ellipsoid(
                    g,
                    f"soft_breast_{side}",
                    "soft",
                    "trunk",
                    (f.mid + sign * 8.5 * s, f.vertebra_y["T7"], b.chest_ap_cm + 2.5),
                    (6.0 * s, 6.0 * s, 3.0),
                    up.soft,
                )
            )
    for side, sign in SIDES.items():
        shoulder, elbow, wrist, tip = _arm_joints(f, side)
        pts = np.array([shoulder, elbow, wrist, tip])
        pts[:, 2] = np.array([5.0, 4.5, 3.5, 1.5]) * s if b.arm_position != "over_pelvis" else pts[:, 2]
        a.add(tube(g, f"soft_arm_{side}", "soft", f"arm_{side}", pts, np.array([5.5, 4.2, 3.0, 1.5]) * s, up.soft))
        lm = a.landmarks
        knee, ankle = lm[f"knee_{side}"], lm[f"ankle_{side}"]
        hip = (f.mid + sign * 0.55 * b.pelvis_half_cm, f.hip_y + 3.0 * s, 8.0 * s)
        leg = np.array(
            [hip, (knee[0], knee[1], 5.5 * s), (ankle[0], ankle[1], 4.0 * s), (ankle[0], f.ankle_y + 6.0 * s, 8.0 * s)]
        )
        a.add(tube(g, f"soft_leg_{side}", "soft", f"leg_{side}", leg, np.array([8.5, 5.5, 3.8, 3.5]) * s, up.soft))


def _organs(a: Anatomy, g: Grid, f: _Frame, up: Uptake) -> None:
    s = f.body.height_cm / 172.0
    lung_y = 0.5 * (f.vertebra_y["T1"] + f.vertebra_y["T11"])
    half_span = 0.5 * (f.vertebra_y["T11"] - f.vertebra_y["T1"]) + 1.0
    for side, sign in SIDES.items():
        centre = (f.mid + sign * 0.42 * (f.body.shoulder_half_cm - 2.0), lung_y, f.chest_ap * 0.5)
        semi = (0.3 * (f.body.shoulder_half_cm - 2.0), half_span, f.chest_ap * 0.32)
        # The lung replaces soft tissue: a negative piece removes the difference in concentration.
        a.add(ellipsoid(g, f"lung_{side}", "lung", "trunk", centre, semi, up.lung - up.soft, squareness=2.5))
        kidney = (f.mid + sign * 5.5 * s, f.vertebra_y["L1"] + 1.0 * s, 0.3 * f.abdomen_ap)
        a.add(
            ellipsoid(
                g,
                f"kidney_{side}",
                "kidney",
                "trunk",
                kidney,
                (2.8 * s, 5.5 * s, 2.5 * s),
                up.kidney,
                angle_rad=-sign * 0.25,
            )
        )
    add_bladder(a, g, f.body, up)


def bladder_centre_cm(body: Body) -> tuple[float, float, float]:
    f = _Frame(body)
    s = body.height_cm / 172.0
    return (f.mid, f.pubis_y - 3.0 * s, 0.55 * body.abdomen_ap_cm)


def add_bladder(a: Anatomy, g: Grid, body: Body, up: Uptake) -> None:
    """The bladder: a flattened ellipsoid resting on the pubis whose size follows its volume."""
    radius = (3.0 * up.bladder_volume_ml / (4.0 * np.pi * 1.3 * 0.9)) ** (1.0 / 3.0)
    x, y, z = bladder_centre_cm(body)
    a.add(
        ellipsoid(
            g,
            "bladder",
            "bladder",
            "trunk",
            (x, y + 2.0 - radius * 0.9, z),
            (1.3 * radius, 0.9 * radius, radius),
            up.bladder,
        )
    )


def build_anatomy(body: Body, uptake: Uptake, grid: Grid) -> Anatomy:
    """Render one patient: skeleton, soft tissue, lungs, kidneys and bladder.

    Args:
        body: geometry from :func:`sample_body`.
        uptake: concentrations (see :mod:`lowcount.phantom.uptake`).
        grid: the detector matrix.

    Returns:
        An :class:`Anatomy` with about 200 pieces, polylines of the tube-like bones and landmarks.
    """
    a = Anatomy()
    f = _Frame(body)
    _skull(a, grid, f, uptake)
    _spine(a, grid, f, uptake)
    _ribs(a, grid, f, uptake)
    _shoulder_girdle(a, grid, f, uptake)
    _pelvis(a, grid, f, uptake)
    _legs(a, grid, f, uptake)
    _arms(a, grid, f, uptake)
    _soft_tissue(a, grid, f, uptake)
    _organs(a, grid, f, uptake)
    return a
