"""DICOM NM whole-body scans in and out (rules in shared/docs/dicom-nm.md).

- lowcount.io.dicom.read: :func:`read_wholebody` (2-frame, dual-window and separate ANT/POST objects,
  compressed transfer syntaxes), each view's deciding rule reported (lowcount.io.dicom.views);
- lowcount.io.dicom.write: :func:`write_wholebody`, a standard NM Image object (2 frames, uint16);
- lowcount.io.dicom.derived: :func:`write_enhanced`, a derived object in a new series of the same study,
  marked as AI-enhanced.

Files are named by SOP Instance UID. pydicom is imported inside the functions, so ``import lowcount.io.dicom``
stays light.
"""

from lowcount.io.dicom.derived import write_enhanced
from lowcount.io.dicom.read import read_wholebody, series_uid
from lowcount.io.dicom.scan import (
    ENHANCED_MARKER,
    NM_IMAGE_STORAGE,
    UID_ROOT,
    DicomInputError,
    WholeBodyScan,
    describe_scan,
)
from lowcount.io.dicom.write import NMHeader, write_wholebody

__all__ = [
    "ENHANCED_MARKER",
    "NM_IMAGE_STORAGE",
    "UID_ROOT",
    "DicomInputError",
    "NMHeader",
    "WholeBodyScan",
    "describe_scan",
    "read_wholebody",
    "series_uid",
    "write_enhanced",
    "write_wholebody",
]
