"""Lesion segmentation as a downstream test of denoising (the EMANet paper's Table 8).

A trained segmenter (lowcount.models.lesion_unet, ``lowcount train lesion_segmentation``) marks lesion
pixels on each method's images, on the raw fast scan and on the standard scan; the marks are scored against
the phantom's lesion masks of the acquisition the image comes from (lowcount.evaluate.studies): precision
TP / (TP + FP), IoU TP / (TP + FP + FN) and recall TP / (TP + FN), with the pixels of all test views pooled
(a view without lesions adds its false positives). The segmenter sees each view divided by its mean, as in
training (lowcount.data.paired with ``mean`` normalisation), placed on its grid and cropped back.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 0.5  # lesion where the segmenter's probability reaches it


def overlap(predicted: np.ndarray, truth: np.ndarray) -> dict[str, int]:
    """Pixel counts {tp, fp, fn} of boolean masks of one shape."""
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    if predicted.shape != truth.shape:
        raise ValueError(f"masks differ in shape: {predicted.shape} and {truth.shape}")
    return {
        "tp": int((predicted & truth).sum()),
        "fp": int((predicted & ~truth).sum()),
        "fn": int((~predicted & truth).sum()),
    }


def overlap_scores(counts: dict[str, int]) -> dict[str, float]:
    """Precision, IoU and recall of pooled {tp, fp, fn} (NaN where a denominator is 0)."""
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]

    def ratio(num: int, den: int) -> float:
        return num / den if den else float("nan")

    return {"precision": ratio(tp, tp + fp), "iou": ratio(tp, tp + fp + fn), "recall": ratio(tp, tp + fn)}


def lesion_probability(net, view: np.ndarray, stride: int, device: str = "cpu") -> np.ndarray:
    """The segmenter's lesion probability per pixel of one view (counts, any level)."""
    import torch

    from lowcount.data.geometry import fit

    view = np.asarray(view, np.float32)
    mean = float(view.mean())
    if not mean > 0:
        return np.zeros_like(view)
    placement = fit(view, (1024, 256), stride, crop_border=False)
    x = placement.apply((view / np.float32(mean))[None])
    with torch.no_grad():
        logits = net(torch.from_numpy(np.ascontiguousarray(x[None])).to(device)).float()
    probability = torch.sigmoid(logits)[0].cpu().numpy()
    return placement.restore(probability)[0]


def segmentation_rows(net, methods: dict, studies: list, device: str = "cpu", threshold: float = THRESHOLD):
    """Rows {method, views, precision, iou, recall, tp, fp, fn} for every method of the report and the standard
    scan (``methods``: lowcount.evaluate.method.Method; a ``standard`` kind is scored on the standard masks)."""
    net.eval()
    stride = int(getattr(net, "stride", 1))
    rows = []
    for name, method in methods.items():
        pooled = {"tp": 0, "fp": 0, "fn": 0}
        views = 0
        for study in studies:
            labels = study.standard_labels if method.kind == "standard" else study.fast_labels
            for v, image in enumerate(method.images[study.key]):
                marked = lesion_probability(net, image, stride, device) >= threshold
                for key, value in overlap(marked, labels[v] > 0).items():
                    pooled[key] += value
                views += 1
        rows.append({"method": name, "views": views, **overlap_scores(pooled), **pooled})
    return rows
