"""One procedural mouse: body, fat, skeleton (skull, spine, ribs, pelvis, limbs), lungs, heart, liver,
kidneys, gut gas and an optional contrast agent, varied per animal.

The animal lies prone along z (nose at small z, dorsal side at small y). Proportions are fractions of the
nose-to-tail-base length ``BODY_LENGTH_MM`` (an adult mouse of about 25 g, lowcount's round figures), scaled
per animal; cross-section radii are in mm at scale 1. What varies per animal (:func:`draw_animal`): size,
lateral and vertical position, subcutaneous fat thickness and abdominal fat pads, bone and lung CT numbers,
organ positions, gut gas, and whether a blood-pool / renal contrast agent was given. What does not: the
pose (no roll or bend), the number of ribs, the absence of a tail beyond its base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lowcount.ct.materials import LABELS, TISSUES
from lowcount.ct.shapes import Canvas, Grid

BODY_LENGTH_MM = 88.0
RIB_PAIRS = 12
CONTRAST_GAIN_HU = {"heart": 250.0, "kidney": 400.0, "liver": 80.0}  # enhancement when contrast is given
CONTRAST_PROBABILITY = 0.3


@dataclass(frozen=True)
class Animal:
    """One mouse's drawn parameters (mm, HU)."""

    size: float
    offset_yx_mm: tuple[float, float]
    fat_mm: float
    fat_pads: int
    bone_hu: float
    lung_hu: float
    organ_shift_mm: tuple[float, float, float]
    gas_pockets: int
    contrast: bool
    seed: int


def draw_animal(rng: np.random.Generator) -> Animal:
    """Draw one animal's parameters."""
    return Animal(
        size=float(rng.uniform(0.88, 1.08)),
        offset_yx_mm=(float(rng.uniform(-1.0, 1.0)), float(rng.uniform(-1.0, 1.0))),
        fat_mm=float(rng.uniform(0.3, 1.0)),
        fat_pads=int(rng.integers(0, 4)),
        bone_hu=float(rng.normal(TISSUES[LABELS["bone"]][1], 100.0)),
        lung_hu=float(rng.uniform(-750.0, -500.0)),
        organ_shift_mm=tuple(float(v) for v in rng.uniform(-0.6, 0.6, 3)),
        gas_pockets=int(rng.integers(1, 6)),
        contrast=bool(rng.random() < CONTRAST_PROBABILITY),
        seed=int(rng.integers(0, 2**31)),
    )


def _hu(name: str, animal: Animal) -> float:
    base = {"bone": animal.bone_hu, "lung": animal.lung_hu}.get(name, TISSUES[LABELS[name]][1])
    return base + (CONTRAST_GAIN_HU.get(name, 0.0) if animal.contrast else 0.0)


def _body_radii(f: float) -> tuple[float, float]:
    """Trunk semi-axes (y, x) mm at fraction ``f`` of the body length (scale 1)."""
    knots_f = (0.24, 0.32, 0.50, 0.70, 0.86)
    return float(np.interp(f, knots_f, (6.0, 8.8, 10.0, 10.2, 7.0))), float(
        np.interp(f, knots_f, (7.0, 10.5, 12.5, 12.5, 8.5))
    )


class _Painter:
    """Paints one animal onto a canvas; positions from fractions of the length and the body's centre."""

    def __init__(self, canvas: Canvas, animal: Animal):
        self.c, self.a = canvas, animal
        _, ext_y, ext_x = canvas.grid.extent_mm
        self.length = BODY_LENGTH_MM * animal.size
        self.cy = ext_y / 2 + animal.offset_yx_mm[0]
        self.cx = ext_x / 2 + animal.offset_yx_mm[1]
        self.z0 = 2.0  # the nose, mm into the volume

    def z(self, f: float) -> float:
        return self.z0 + f * self.length

    def radii(self, f: float) -> np.ndarray:
        return np.array(_body_radii(f)) * self.a.size

    def body(self) -> None:
        soft, fat = LABELS["soft tissue"], LABELS["fat"]
        knots = (0.24, 0.32, 0.50, 0.70, 0.86)
        for f0, f1 in zip(knots[:-1], knots[1:], strict=True):
            r0, r1 = self.radii(f0), self.radii(f1)
            centre = (self.cy, self.cx)
            self.c.tube((self.z(f0), self.z(f1)), centre, centre, r0, r1, fat, _hu("fat", self.a))
            inner0, inner1 = np.maximum(r0 - self.a.fat_mm, 1.0), np.maximum(r1 - self.a.fat_mm, 1.0)
            self.c.tube((self.z(f0), self.z(f1)), centre, centre, inner0, inner1, soft, _hu("soft tissue", self.a))
        rear = self.radii(0.86)
        self.c.ellipsoid((self.z(0.86), self.cy, self.cx), (0.06 * self.length, *rear), fat, _hu("fat", self.a))
        self.c.ellipsoid(
            (self.z(0.86), self.cy, self.cx),
            (0.05 * self.length, *(rear - self.a.fat_mm)),
            soft,
            _hu("soft tissue", self.a),
        )
        s = self.a.size
        self.c.ellipsoid(
            (self.z(0.13), self.cy + 0.5, self.cx),
            (0.13 * self.length, 6.5 * s, 7.5 * s),
            soft,
            _hu("soft tissue", self.a),
        )

    def head(self) -> None:
        s = self.a.size
        self.c.ellipsoid(
            (self.z(0.15), self.cy, self.cx),
            (0.11 * self.length, 5.0 * s, 6.0 * s),
            LABELS["bone"],
            _hu("bone", self.a),
        )
        self.c.ellipsoid(
            (self.z(0.165), self.cy + 0.2, self.cx),
            (0.085 * self.length, 4.3 * s, 5.3 * s),
            LABELS["brain"],
            _hu("brain", self.a),
        )

    def organs(self, rng: np.random.Generator) -> None:
        s, (dz, dy, dx) = self.a.size, self.a.organ_shift_mm
        inside = (LABELS["soft tissue"],)
        for side in (-1, 1):
            self.c.ellipsoid(
                (self.z(0.42) + dz, self.cy - 1.0 + dy, self.cx + side * 5.0 * s + dx),
                (0.09 * self.length, 6.0 * s, 4.5 * s),
                LABELS["lung"],
                _hu("lung", self.a),
                inside=inside,
            )
        self.c.ellipsoid(
            (self.z(0.445) + dz, self.cy + 2.5 + dy, self.cx - 1.0 + dx),
            (0.05 * self.length, 4.5 * s, 4.0 * s),
            LABELS["heart"],
            _hu("heart", self.a),
            inside=(*inside, LABELS["lung"]),
        )
        self.c.ellipsoid(
            (self.z(0.58) + dz, self.cy + 1.0 + dy, self.cx + dx),
            (0.07 * self.length, 7.0 * s, 10.0 * s),
            LABELS["liver"],
            _hu("liver", self.a),
            inside=inside,
        )
        for side in (-1, 1):
            self.c.ellipsoid(
                (self.z(0.66) + dz, self.cy - 4.0 * s + dy, self.cx + side * 4.5 * s + dx),
                (0.04 * self.length, 2.5 * s, 2.0 * s),
                LABELS["kidney"],
                _hu("kidney", self.a),
                inside=inside,
            )
        for _ in range(self.a.fat_pads):
            f = rng.uniform(0.62, 0.8)
            side = rng.choice((-1, 1))
            self.c.ellipsoid(
                (self.z(f), self.cy + 4.0 * s, self.cx + side * rng.uniform(3, 7) * s),
                tuple(rng.uniform(1.5, 3.0, 3) * s),
                LABELS["fat"],
                _hu("fat", self.a),
                inside=inside,
            )
        for _ in range(self.a.gas_pockets):
            f = rng.uniform(0.64, 0.82)
            self.c.ellipsoid(
                (self.z(f), self.cy + rng.uniform(0, 5) * s, self.cx + rng.uniform(-6, 6) * s),
                tuple(rng.uniform(0.5, 1.5, 3) * s),
                LABELS["gut gas"],
                _hu("gut gas", self.a),
                inside=inside,
            )

    def spine_y(self, f: float) -> float:
        return self.cy - self.radii(f)[0] + 2.4 * self.a.size

    def skeleton(self) -> None:
        bone, hu, s = LABELS["bone"], _hu("bone", self.a), self.a.size
        vertebra_mm, disc_mm = 2.0 * s, 0.4 * s
        z = self.z(0.26)
        while z < self.z(0.95):
            f = (z - self.z0) / self.length
            y = self.spine_y(min(f, 0.86))
            self.c.tube(
                (z, z + vertebra_mm - disc_mm),
                (y, self.cx),
                (y, self.cx),
                (1.1 * s, 1.3 * s),
                (1.1 * s, 1.3 * s),
                bone,
                hu,
            )
            self.c.capsule((z + 0.6, y - 1.0 * s, self.cx), (z + 0.9, y - 2.0 * s, self.cx), 0.35 * s, bone, hu)
            z += vertebra_mm
        self._ribs(bone, hu)
        for side in (-1, 1):  # pelvis, fore- and hind-limb bones
            self.c.capsule(
                (self.z(0.78), self.spine_y(0.78) + 0.5, self.cx + side * 1.5 * s),
                (self.z(0.86), self.cy + 2.0 * s, self.cx + side * 5.0 * s),
                0.7 * s,
                bone,
                hu,
            )
            self._limb(
                (self.z(0.33), self.cy + 3.0 * s, self.cx + side * 9.0 * s),
                (self.z(0.24), self.cy + 7.0 * s, self.cx + side * 7.5 * s),
            )
            self._limb(
                (self.z(0.84), self.cy + 2.0 * s, self.cx + side * 7.0 * s),
                (self.z(0.97), self.cy + 6.0 * s, self.cx + side * 9.5 * s),
            )

    def _ribs(self, bone: int, hu: float) -> None:
        s = self.a.size
        for k, f in enumerate(np.linspace(0.31, 0.55, RIB_PAIRS)):
            ry, rx = self.radii(f) - self.a.fat_mm - 0.8
            for side in (-1, 1):
                angles = np.linspace(-0.45 * np.pi, (0.25 + 0.02 * k) * np.pi, 9)
                pts = np.stack(
                    [
                        self.z(f) + 3.0 * s * (angles - angles[0]) / np.ptp(angles),
                        self.cy - ry * np.cos(angles + 0.5 * np.pi),
                        self.cx + side * rx * np.sin(angles + 0.5 * np.pi),
                    ],
                    axis=1,
                )
                self.c.polyline(pts, 0.35 * s, bone, hu)

    def _limb(self, root, tip) -> None:
        s = self.a.size
        self.c.capsule(root, tip, 2.2 * s, LABELS["soft tissue"], _hu("soft tissue", self.a), inside=(LABELS["air"],))
        self.c.capsule(root, tip, 0.55 * s, LABELS["bone"], _hu("bone", self.a))


def paint_mouse(grid: Grid, animal: Animal) -> tuple[np.ndarray, np.ndarray]:
    """(CT numbers (D, H, W) float32 HU, labels (D, H, W) uint8 of lowcount.ct.materials.TISSUES) of one animal."""
    canvas = Canvas(grid, background_hu=TISSUES[LABELS["air"]][1])
    painter = _Painter(canvas, animal)
    rng = np.random.default_rng(animal.seed)
    painter.body()
    painter.head()
    painter.organs(rng)
    painter.skeleton()
    return canvas.volumes()
