"""The QA phantom: a water cylinder along z in three sections.

- inserts (first third of the length): rods of air, fat, soft tissue and three bone densities on a ring, for
  CT-number accuracy and contrast-to-noise ratio against the water around them;
- uniform (middle third): water only, for noise (SD in HU in a central and four peripheral ROIs);
- edge (last third): one bone-equivalent rod on the axis, whose round edge gives an oversampled edge-spread
  function and the MTF (lowcount.ct.quality).

Sizes are lowcount's choices, scaled to a mouse-sized field (a 12 mm radius cylinder, 2 mm radius rods); the
insert CT numbers are round values like those of commercial small-animal QA phantoms' inserts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lowcount.ct.materials import LABELS
from lowcount.ct.shapes import Canvas, Grid

CYLINDER_RADIUS_MM = 12.0
INSERT_RADIUS_MM = 2.0
INSERT_RING_MM = 7.0
EDGE_ROD_RADIUS_MM = 4.0
EDGE_ROD_HU = 1000.0
INSERTS_HU = {
    "air": -1000.0,
    "fat": -100.0,
    "soft tissue": 40.0,
    "bone 250": 250.0,
    "bone 750": 750.0,
    "bone 1250": 1250.0,
}


@dataclass(frozen=True)
class Disc:
    """A circular region of interest: centre (y, x) mm, radius mm, over slices [z0, z1) of the volume."""

    name: str
    centre_yx_mm: tuple[float, float]
    radius_mm: float
    slices: tuple[int, int]
    hu: float


def sections(grid: Grid) -> dict[str, tuple[int, int]]:
    """Slice ranges [start, stop) of the three sections, each with a margin of a tenth of its length."""
    d = grid.shape[0]
    if d < 10:
        raise ValueError(f"the QA phantom needs at least 10 slices, got {d}")
    third = d // 3
    bounds = {"inserts": (0, third), "uniform": (third, 2 * third), "edge": (2 * third, d)}
    return {k: (a + max(1, (b - a) // 10), b - max(1, (b - a) // 10)) for k, (a, b) in bounds.items()}


def qa_discs(grid: Grid) -> list[Disc]:
    """The regions of interest: one per insert, the water beside each, five in the uniform section, the edge rod."""
    _, ext_y, ext_x = grid.extent_mm
    cy, cx = ext_y / 2, ext_x / 2
    if min(ext_y, ext_x) / 2 < CYLINDER_RADIUS_MM + grid.voxel_mm:
        raise ValueError(
            f"the QA phantom's {CYLINDER_RADIUS_MM} mm radius needs a field over {2 * CYLINDER_RADIUS_MM}"
            f" mm; the grid spans {ext_y:.1f} x {ext_x:.1f} mm (raise the matrix or the voxel size)"
        )
    parts = sections(grid)
    discs = []
    roi_mm = 0.6 * INSERT_RADIUS_MM
    for k, (name, hu) in enumerate(INSERTS_HU.items()):
        a = 2 * np.pi * k / len(INSERTS_HU)
        y, x = cy + INSERT_RING_MM * np.sin(a), cx + INSERT_RING_MM * np.cos(a)
        discs.append(Disc(name, (y, x), roi_mm, parts["inserts"], hu))
        b = a + np.pi / len(INSERTS_HU)  # water between two inserts on the ring
        discs.append(
            Disc(
                f"water by {name}",
                (cy + INSERT_RING_MM * np.sin(b), cx + INSERT_RING_MM * np.cos(b)),
                roi_mm,
                parts["inserts"],
                0.0,
            )
        )
    ring = CYLINDER_RADIUS_MM / 2
    for name, (dy, dx) in {
        "centre": (0, 0),
        "top": (-ring, 0),
        "bottom": (ring, 0),
        "left": (0, -ring),
        "right": (0, ring),
    }.items():
        discs.append(Disc(f"uniform {name}", (cy + dy, cx + dx), 0.2 * CYLINDER_RADIUS_MM, parts["uniform"], 0.0))
    discs.append(Disc("edge rod", (cy, cx), EDGE_ROD_RADIUS_MM, parts["edge"], EDGE_ROD_HU))
    return discs


def paint_qa_phantom(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """(CT numbers (D, H, W) float32 HU, labels (D, H, W) uint8) of the QA phantom on ``grid``."""
    discs = qa_discs(grid)
    canvas = Canvas(grid)
    z_mm = (0.0, grid.extent_mm[0])
    centre = (grid.extent_mm[1] / 2, grid.extent_mm[2] / 2)
    water = (CYLINDER_RADIUS_MM, CYLINDER_RADIUS_MM)
    canvas.tube(z_mm, centre, centre, water, water, LABELS["water"], 0.0)
    third = grid.shape[0] // 3
    for disc in discs:
        if disc.name in INSERTS_HU:
            z = (0.0, third * grid.voxel_mm)
        elif disc.name == "edge rod":
            z = (2 * third * grid.voxel_mm, grid.extent_mm[0])
        else:
            continue
        r = INSERT_RADIUS_MM if disc.name in INSERTS_HU else EDGE_ROD_RADIUS_MM
        canvas.tube(z, disc.centre_yx_mm, disc.centre_yx_mm, (r, r), (r, r), LABELS["insert"], disc.hu)
    return canvas.volumes()
