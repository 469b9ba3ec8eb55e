"""Framing for whole-body pictures: the rows that hold the body.

The demo's former cohort gallery is gone (the report's case figure, lowcount.evaluate.figures, replaced
it); what both the case figure and ``lowcount enhance``'s previews share is here.
"""

from __future__ import annotations

import numpy as np


def body_rows(*images: np.ndarray, margin: int = 8) -> slice:
    """Rows that hold the body, so the figures do not waste space on empty field of view."""
    profile = np.max([im.sum(axis=1) for im in images], axis=0)
    rows = np.flatnonzero(profile > 0.02 * profile.max())
    if rows.size == 0:
        return slice(None)
    return slice(max(rows[0] - margin, 0), rows[-1] + margin)
