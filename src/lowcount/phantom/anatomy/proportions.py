"""The body's proportions as fractions of height (engineering estimates from standard anthropometry, see
shared/docs/phantom-physics.md section 6).

Levels are measured from the vertex down, as fractions of the patient's height; widths and lengths given in
cm are for a patient of ``REFERENCE_HEIGHT_CM`` and scale with height.
"""

from __future__ import annotations

VERTEBRAE = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
SIDES = {"right": -1.0, "left": 1.0}  # image x direction of each patient side (anterior view)
REFERENCE_HEIGHT_CM = 172.0  # lengths in cm below and in the region modules are for this height

# (first, last vertebra of the region): levels of the vertebral-body centres, evenly spaced in between
VERTEBRAL_LEVELS = {"C": (0.100, 0.168), "T": (0.180, 0.352), "L": (0.368, 0.440)}
VERTEBRAL_SPACING = {"C": 0.0113, "T": 0.0156, "L": 0.018}  # distance between neighbouring vertebrae
LANDMARK_LEVELS = {
    "sacrum_top": 0.455,
    "sacrum_tip": 0.530,
    "hip": 0.488,
    "pubis": 0.505,
    "shoulder": 0.182,
    "knee": 0.715,
    "ankle": 0.955,
}
LIMB_LENGTHS = {"upper_arm": 0.186, "forearm": 0.146, "hand": 0.105}

# vertebral-body half-width range over the region (cm, first to last vertebra) and half-depth (cm)
VERTEBRA_WIDTH_CM = {"C": (2.2, 2.8), "T": (2.8, 4.3), "L": (4.6, 5.3)}
VERTEBRA_DEPTH_CM = {"C": 0.8, "T": 1.3, "L": 1.6}

# ribs 1-12: lateral reach (fraction of the chest half-width), how far each drops (in thoracic vertebral
# spacings) from spine to front, and how far round the chest it reaches (fraction of half a turn)
RIB_REACH = (0.38, 0.60, 0.74, 0.84, 0.92, 0.97, 1.0, 1.0, 0.98, 0.94, 0.85, 0.70)
RIB_DROP = (1.2, 2.0, 2.6, 3.0, 3.3, 3.5, 3.7, 3.8, 3.6, 3.2, 2.0, 1.4)
RIB_END = (0.86, 0.87, 0.87, 0.87, 0.87, 0.86, 0.85, 0.78, 0.75, 0.72, 0.55, 0.42)
