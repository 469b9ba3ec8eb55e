"""Bone regions of the mesh50_XCAT skeleton and where they lie in the reference volume.

The voxel phantom labels every bone 7; :func:`label_regions` splits that label into the regions below by
position and connectivity. Coordinates are millimetres of the 1 mm reference volume turned head up:
``y`` from the top slice down, ``a`` from the front (anterior) backwards, ``x`` from the patient's right to
the left. The landmark constants were read off that one volume (they are facts about this phantom, not
anatomy in general); :func:`label_regions` checks that each rule found bone and fails loudly otherwise.

Each region names its uptake class (a field of :class:`~lowcount.phantom.uptake.Uptake`), a factor on it,
the body segment it moves with, and the weight of its core (bone deeper than 2 mm below its surface)
against its cortex: trabecular bone (vertebral bodies, pelvis, sternum, epiphyses) takes up nearly as much
as its surface, the marrow cavity of a long-bone shaft very little, the diploe of the skull some.
These factors mirror the procedural skeleton's (docs/phantom.md); the core weights are engineering
estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

SIDES = ("right", "left")
VERTEBRAE = tuple([f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)])

# Discs C2/C3 ... L5/S1 on the vertebral-body centre line (y, mm), found as the 23 minima of bone along it.
DISC_Y_MM = (188, 207, 225, 242, 259, 273, 291, 316, 337, 359, 381, 405, 428, 453, 477, 500, 528, 559, 591, 626, 662)
DISC_Y_MM += (699, 737)
C1_C2_Y_MM = 172
SKULL_BASE_Y_MM = 155
# Vertebral-body centre line: (y, a) knots, and the lateral centre of the spine.
SPINE_AP_KNOTS_MM = ((150, 138), (200, 147), (240, 157), (280, 178), (320, 198), (360, 213), (400, 220), (440, 222))
SPINE_AP_KNOTS_MM += ((480, 218), (520, 210), (560, 196), (600, 185), (640, 176), (680, 170), (720, 170), (745, 175))
SPINE_X_MM = 316.0
PELVIS_MID_X_MM = 327.0
# Joint centres (y, x) per side and joint levels (y).
HUMERAL_HEAD_MM = {"right": (322.0, 138.0), "left": (322.0, 488.0)}
FEMORAL_HEAD_MM = {"right": (845.0, 250.0), "left": (845.0, 405.0)}
FEMORAL_HEAD_RADIUS_MM = 25.0
ELBOW_Y_MM = 590.0
WRIST_Y_MM = {"right": 830.0, "left": 842.0}
KNEE_Y_MM = 1275.0
ANKLE_Y_MM = 1695.0
CROTCH_Y_MM = 975.0
NECK_Y_MM = 250.0


@dataclass(frozen=True)
class Region:
    """How one bone region takes up tracer and moves."""

    uptake: str
    factor: float
    segment: str
    core_weight: float


def _vertebra(name: str) -> Region:
    return Region("spine", 1.0, "head" if name in ("C1", "C2", "C3") else "trunk", 0.85)


def _regions() -> dict[str, Region]:
    table: dict[str, Region] = {
        "skull_vault": Region("skull", 1.0, "head", 0.4),
        "mandible": Region("skull", 1.3, "head", 0.5),
        **{f"vertebra_{v}": _vertebra(v) for v in VERTEBRAE},
        "sacrum": Region("spine", 0.9, "trunk", 0.8),
        "sternum_manubrium": Region("sternum", 1.0, "trunk", 0.8),
        "sternum_body": Region("sternum", 1.0, "trunk", 0.8),
    }
    for side in SIDES:
        arm, leg = f"arm_{side}", f"leg_{side}"
        table |= {f"rib_{side}_{n}": Region("rib", 1.0, "trunk", 0.5) for n in range(1, 13)}
        table |= {
            f"clavicle_{side}": Region("rib", 1.2, "trunk", 0.4),
            f"scapula_{side}": Region("rib", 0.8, "trunk", 0.5),
            f"ilium_{side}": Region("spine", 0.55, "trunk", 0.7),
            f"acetabulum_{side}": Region("spine", 0.9, "trunk", 0.8),
            f"obturator_ring_{side}": Region("spine", 0.5, "trunk", 0.6),
            f"humerus_head_{side}": Region("joint", 0.8, arm, 0.7),
            f"humerus_shaft_{side}": Region("rib", 1.0, arm, 0.15),
            f"elbow_{side}": Region("joint", 0.7, arm, 0.6),
            f"forearm_{side}": Region("rib", 0.9, arm, 0.2),
            f"hand_{side}": Region("joint", 0.8, arm, 0.6),
            f"femur_head_{side}": Region("joint", 0.8, leg, 0.7),
            f"femur_neck_{side}": Region("joint", 0.7, leg, 0.6),
            f"femur_shaft_{side}": Region("rib", 1.0, leg, 0.15),
            f"femur_condyles_{side}": Region("joint", 0.75, leg, 0.7),
            f"patella_{side}": Region("joint", 0.6, leg, 0.7),
            f"tibia_plateau_{side}": Region("joint", 0.7, leg, 0.7),
            f"tibia_shaft_{side}": Region("rib", 1.0, leg, 0.15),
            f"foot_{side}": Region("joint", 0.8, leg, 0.6),
        }
    return table


REGIONS = _regions()
REGION_IDS = {name: index for index, name in enumerate(REGIONS, start=1)}
REGION_NAMES = {index: name for name, index in REGION_IDS.items()}
