"""CT numbers of the simulated tissues at one effective energy, and the map between HU and attenuation.

The scanner is monoenergetic at an effective energy (no beam hardening): a material is its CT number
HU = 1000 (mu - mu_water) / mu_water, and mu = mu_water (1 + HU / 1000). ``MU_WATER_PER_MM`` is water's
linear attenuation at 40 keV, 0.0268 /mm (mass attenuation 0.268 cm^2/g, NIST XCOM, Hubbell and Seltzer),
a typical effective energy of a 50-70 kVp micro-CT beam. The CT numbers below are lowcount's choices,
round values in the ranges reported for small-animal CT at such energies (lung ex vivo partly collapsed,
so denser than in vivo; bone as cortical bone of a mouse); each animal varies them (lowcount.ct.mouse).
"""

from __future__ import annotations

import numpy as np

MU_WATER_PER_MM = 0.0268
AIR_HU = -1000.0

# label -> (name, CT number in HU); label 0 is the air around the object
TISSUES: dict[int, tuple[str, float]] = {
    0: ("air", AIR_HU),
    1: ("soft tissue", 40.0),
    2: ("fat", -100.0),
    3: ("lung", -650.0),
    4: ("heart", 45.0),
    5: ("liver", 60.0),
    6: ("kidney", 35.0),
    7: ("brain", 35.0),
    8: ("bone", 1400.0),
    9: ("gut gas", -900.0),
    10: ("water", 0.0),
    11: ("insert", 0.0),  # QA-phantom inserts carry their own HU (lowcount.ct.qa_phantom)
}
LABELS = {name: label for label, (name, _) in TISSUES.items()}


def hu_to_mu_per_mm(hu: np.ndarray, mu_water_per_mm: float = MU_WATER_PER_MM) -> np.ndarray:
    """Linear attenuation (1/mm) of CT numbers (HU); the inverse of :func:`mu_per_mm_to_hu`."""
    if mu_water_per_mm <= 0:
        raise ValueError(f"mu_water_per_mm must be positive, got {mu_water_per_mm}")
    return np.maximum(mu_water_per_mm * (1.0 + np.asarray(hu, dtype=np.float64) / 1000.0), 0.0)


def mu_per_mm_to_hu(mu_per_mm: np.ndarray, mu_water_per_mm: float = MU_WATER_PER_MM) -> np.ndarray:
    """CT numbers (HU) of linear attenuations (1/mm); the inverse of :func:`hu_to_mu_per_mm` above -1000 HU."""
    if mu_water_per_mm <= 0:
        raise ValueError(f"mu_water_per_mm must be positive, got {mu_water_per_mm}")
    return 1000.0 * (np.asarray(mu_per_mm, dtype=np.float64) - mu_water_per_mm) / mu_water_per_mm
