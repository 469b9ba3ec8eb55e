"""``lowcount estimate-noise``: the EMANet noise level of every view of whole-body scans or count images.

Each file is read as lowcount reads scans everywhere (a DICOM NM acquisition, a single view, or a PNG,
TIFF or .npy count image) and every view gets its level from a classical estimator
(lowcount.data.noise_level: ``dwtne`` or ``hbne``) or from a trained noise-level network (``network``, EMANet's
first stage: ``lowcount train emanet_noise_estimator``), which sees the view on its 0-1 grey scale placed on
the grid it was validated on (the sidecar's ``data.target_shape`` and ``data.stride``). Rows name the file as
given and the view; nothing from the DICOM header is printed.
"""

from __future__ import annotations

from pathlib import Path

IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".npy")


def _views(path: Path) -> tuple[tuple[str, ...], object]:
    from lowcount.io.images import read_counts_image

    if path.suffix.lower() in IMAGE_SUFFIXES:
        counts = read_counts_image(path)
        views = counts.reshape(-1, *counts.shape[-2:])
        return tuple(f"view {i + 1}" for i in range(len(views))), views
    from lowcount.io.dicom import read_wholebody

    scan = read_wholebody(path)
    return scan.view_names, scan.views()


METHODS = ("dwtne", "hbne", "network")


class NetworkLevel:
    """A trained noise-level estimator as a function of one view (counts or any non-negative image)."""

    def __init__(self, weights: str | Path, device: str | None = None) -> None:
        from lowcount.device import pick_device
        from lowcount.models.weights import load_weights, resolve_weights

        path = resolve_weights(weights)
        self.device = pick_device(device)
        self.net, meta = load_weights(path, self.device)
        if meta["model"] != "noise_level_estimator":
            raise ValueError(f"{path}: holds a {meta['model']!r}, not a noise_level_estimator (EMANet's first stage)")
        self.net.eval()
        data = meta.get("data", {})
        shape = data.get("target_shape")
        self.target_shape = tuple(shape) if shape else None
        self.stride = int(data.get("stride", self.net.stride))

    def __call__(self, view) -> float:
        import numpy as np
        import torch

        from lowcount.data.geometry import fit
        from lowcount.data.noise_level import to_grey

        grey = to_grey(view).astype(np.float32) / np.float32(255.0)
        placed = fit(grey, self.target_shape, self.stride, crop_border=False).apply(grey[None])
        with torch.no_grad():
            logits = self.net(torch.from_numpy(np.ascontiguousarray(placed[None])).to(self.device))
        return float(self.net.level(logits)[0])


def estimate_file_levels(
    paths: list[str | Path], method: str = "dwtne", model: str | Path | None = None, device: str | None = None
) -> list[dict]:
    """One row per file and view: {file, view, method, level}; ``network`` needs ``model`` (a run folder or
    weights file of a noise_level_estimator). A file lowcount cannot read raises a ValueError naming it."""
    from lowcount.data.noise_level import ESTIMATORS

    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if (method == "network") != (model is not None):
        raise ValueError("--method network needs --model RUN (a trained noise_level_estimator), and only it does")
    estimate = NetworkLevel(model, device) if method == "network" else ESTIMATORS[method]
    rows = []
    for path in map(Path, paths):
        names, views = _views(path)
        for name, view in zip(names, views, strict=True):
            try:
                level = estimate(view)
            except ValueError as exc:
                raise ValueError(f"{path} ({name}): {exc}") from exc
            rows.append({"file": str(path), "view": name, "method": method, "level": level})
    return rows
