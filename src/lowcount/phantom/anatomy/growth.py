"""Open growth plates: the bright bands at the ends of the long bones of children and adolescents."""

from __future__ import annotations

from lowcount.phantom.anatomy.body import Anatomy
from lowcount.phantom.geometry import Grid, ellipsoid
from lowcount.phantom.uptake import Uptake


def growth_plate(
    anatomy: Anatomy,
    grid: Grid,
    name: str,
    segment: str,
    centre: tuple[float, float, float],
    half_width_cm: float,
    uptake: Uptake,
    angle_rad: float = 0.0,
) -> None:
    """A thin disc at ``centre`` (cm), as bright above the cortex as the patient's age gives (none in adults)."""
    if uptake.growth_plate_ratio <= 1.0:
        return
    anatomy.add(
        ellipsoid(
            grid,
            f"growth_plate_{name}",
            "bone",
            segment,
            centre,
            (half_width_cm, 0.35, half_width_cm * 0.8),
            uptake.rib * (uptake.growth_plate_ratio - 1.0),
            angle_rad=angle_rad,
        )
    )
