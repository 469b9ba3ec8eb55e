"""The synthetic patient's body: a procedural 2.5-D skeleton, soft tissue and organs.

Proportions follow standard anthropometry as fractions of height (lowcount.phantom.anatomy.proportions;
engineering estimates, see shared/docs/phantom-physics.md section 6): vertebral levels, joints and limb
lengths scale with height, widths with sex and build. Every bone is a
:class:`~lowcount.phantom.geometry.Piece` with its own depth above the table, so the camera can attenuate
and blur it by its distance to each detector. One module per body region renders its pieces; the patient
lies supine, head at row 0, and in the anterior view the patient's right is on the image left.

To add a structure: render it in its region's module (or a new one) with the geometry primitives and call
it from :func:`build_anatomy`, after whatever landmarks it needs.
"""

from __future__ import annotations

from lowcount.phantom.anatomy.arms import add_arms
from lowcount.phantom.anatomy.body import ARM_POSITIONS, Anatomy, Body, sample_body
from lowcount.phantom.anatomy.head import add_skull
from lowcount.phantom.anatomy.landmarks import Landmarks
from lowcount.phantom.anatomy.legs import add_legs
from lowcount.phantom.anatomy.pelvis import add_pelvis
from lowcount.phantom.anatomy.proportions import SIDES, VERTEBRAE
from lowcount.phantom.anatomy.soft_tissue import add_bladder, add_organs, add_soft_tissue, bladder_centre_cm
from lowcount.phantom.anatomy.spine import add_spine
from lowcount.phantom.anatomy.thorax import add_ribs, add_shoulder_girdle
from lowcount.phantom.geometry import Grid
from lowcount.phantom.uptake import Uptake

__all__ = [
    "ARM_POSITIONS",
    "SIDES",
    "VERTEBRAE",
    "Anatomy",
    "Body",
    "add_bladder",
    "bladder_centre_cm",
    "build_anatomy",
    "sample_body",
]


def build_anatomy(body: Body, uptake: Uptake, grid: Grid) -> Anatomy:
    """Render one patient: skeleton, soft tissue, lungs, kidneys and bladder.

    Args:
        body: geometry from :func:`sample_body`.
        uptake: concentrations (see :mod:`lowcount.phantom.uptake`).
        grid: the detector matrix.

    Returns:
        An :class:`Anatomy` with about 200 pieces, polylines of the tube-like bones and landmarks.
    """
    anatomy = Anatomy()
    marks = Landmarks(body)
    for region in (add_skull, add_spine, add_ribs, add_shoulder_girdle, add_pelvis, add_legs, add_arms):
        region(anatomy, grid, marks, uptake)
    add_soft_tissue(anatomy, grid, marks, uptake)  # limbs follow the joints the skeleton placed
    add_organs(anatomy, grid, marks, uptake)
    return anatomy
