"""lowcount: deep-learning enhancement of fast and low-count nuclear-medicine scans.

Subpackages: ``phantom`` (the synthetic patient and the gamma camera), ``io`` (DICOM NM, images,
manifests). Heavy dependencies (torch, pydicom, scipy, matplotlib) load only when used.
"""

__version__ = "0.1.0"
