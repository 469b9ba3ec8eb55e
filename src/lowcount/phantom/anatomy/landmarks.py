"""Where one body's landmarks are: vertebral levels, joints, the spine's curve, in image cm."""

from __future__ import annotations

import numpy as np

from lowcount.phantom.anatomy.body import Body
from lowcount.phantom.anatomy.proportions import (
    LANDMARK_LEVELS,
    SIDES,
    VERTEBRAE,
    VERTEBRAL_LEVELS,
    VERTEBRAL_SPACING,
)


class Landmarks:
    """Landmark positions of one body, in image cm (rows from the top of the field of view).

    Attributes:
        body: the body.
        mid: image x of the midline.
        vertebra_y: row (cm) of each vertebral body, by name (``C1`` ... ``L5``).
        spacing: distance between neighbouring vertebrae (cm) per region (``C``, ``T``, ``L``).
        sacrum_top, sacrum_tip, hip_y, pubis_y, shoulder_y, knee_y, ankle_y: rows (cm) of those landmarks.
        chest_ap, abdomen_ap: body thickness (cm) at chest and abdomen.
    """

    def __init__(self, body: Body) -> None:
        height = body.height_cm
        self.body = body
        self.mid = body.midline_cm
        counts = {region: sum(name[0] == region for name in VERTEBRAE) for region in VERTEBRAL_LEVELS}
        levels = np.concatenate([np.linspace(*VERTEBRAL_LEVELS[r], counts[r]) for r in VERTEBRAL_LEVELS])
        self.vertebra_y = {name: self.level(f) for name, f in zip(VERTEBRAE, levels, strict=False)}
        self.spacing = {region: fraction * height for region, fraction in VERTEBRAL_SPACING.items()}
        self.sacrum_top = self.level(LANDMARK_LEVELS["sacrum_top"])
        self.sacrum_tip = self.level(LANDMARK_LEVELS["sacrum_tip"])
        self.hip_y = self.level(LANDMARK_LEVELS["hip"])
        self.pubis_y = self.level(LANDMARK_LEVELS["pubis"])
        self.shoulder_y = self.level(LANDMARK_LEVELS["shoulder"])
        self.knee_y = self.level(LANDMARK_LEVELS["knee"])
        self.ankle_y = self.level(LANDMARK_LEVELS["ankle"])
        self.chest_ap = body.chest_ap_cm
        self.abdomen_ap = body.abdomen_ap_cm

    def level(self, fraction: float) -> float:
        """Image row (cm) of the level ``fraction`` of the height below the vertex."""
        return self.body.top_cm + fraction * self.body.height_cm

    def spine_x(self, y: float) -> float:
        """Image x of the spine at row ``y`` (cm): the midline, bent by a scoliosis between T1 and L5."""
        body = self.body
        t1, l5 = self.vertebra_y["T1"], self.vertebra_y["L5"]
        if body.scoliosis_cm == 0 or not t1 <= y <= l5:
            return self.mid
        return self.mid + body.scoliosis_cm * float(np.sin(np.pi * (y - t1) / (l5 - t1)))

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


def side_x(marks: Landmarks, side: str, offset_cm: float) -> float:
    """Image x of a point ``offset_cm`` from the midline towards the patient's ``side``."""
    return marks.mid + SIDES[side] * offset_cm
