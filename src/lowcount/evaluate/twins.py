"""Lesion-absent twins of phantom studies: the same patient, camera and scan times without the findings.

A twin's fast and standard scans are fresh Poisson draws of the acquisitions' expected counts with every
finding painted out (lowcount.evaluate.diagnosis.lesion_free_background: the anatomy around each finding,
continued harmonically under it). A method run on the real study and on its twin gives, at each finding's
known place, a lesion-present and a lesion-absent image of the same anatomy with independent noise: the
ROI pairs the channelized Hotelling observer is trained and tested on (lowcount.evaluate.detectability).
"""

from __future__ import annotations

import dataclasses

import numpy as np


def lesion_free(truth: np.ndarray, labels: np.ndarray, margin_px: int) -> np.ndarray:
    """(views, rows, cols) expected counts of ``truth`` with its findings painted out, view by view."""
    from lowcount.evaluate.diagnosis import lesion_free_background

    return np.stack([lesion_free_background(t, found, margin_px) for t, found in zip(truth, labels, strict=True)])


def lesion_absent_twins(studies: list, seed: int = 0, margin_px: int = 3) -> list:
    """One twin per study, with fast and standard counts drawn from the lesion-free expected counts (random
    draws seeded by ``seed`` and the study's place). Only the counts change: key, truths and labels stay the
    real study's, so the findings' places are known; a twin is for making images, never for scoring them.

    Raises:
        ValueError: a study without truth (a site's own scans have no known findings).
    """
    twins = []
    for index, study in enumerate(studies):
        if not study.has_truth:
            raise ValueError(f"study {study.key} has no truth: lesion-absent twins need a phantom cohort")
        rng = np.random.default_rng([seed, index])
        fast_expected = lesion_free(study.fast_truth / study.speed_factor, study.fast_labels, margin_px)
        standard_expected = lesion_free(study.standard_truth, study.standard_labels, margin_px)
        twins.append(
            dataclasses.replace(
                study,
                fast_counts=rng.poisson(np.maximum(fast_expected, 0)).astype(np.float32),
                standard_counts=rng.poisson(np.maximum(standard_expected, 0)).astype(np.float32),
            )
        )
    return twins
