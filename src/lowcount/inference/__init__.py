"""Run trained models (and classical filters) on whole-body scans: counts in, standard-level counts out.

- lowcount.inference.enhancer: :class:`Enhancer`, a loaded network with whole-image or tiled prediction;
- lowcount.inference.files: enhancing DICOM and image files, with derived DICOM and previews;
- lowcount.inference.methods: choosing the enhancer (:func:`load_enhancer`) and enhancing studies.
"""

from lowcount.inference.enhancer import PRECISIONS, Enhancer
from lowcount.inference.files import enhance_files

__all__ = ["PRECISIONS", "Enhancer", "enhance_files"]
