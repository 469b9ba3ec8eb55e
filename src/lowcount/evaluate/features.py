"""Feature-space metrics: LPIPS (paired) and FID (between two sets of images).

Two feature networks:

- ``domain``: the encoder of lowcount's FeatureAutoencoder fitted on standard scans (lowcount weights).
  Works offline with weights lowcount makes itself. Images enter in x units (counts divided by the
  reference's mean counts, as at training).
- ``vgg16``: ImageNet VGG16 (torchvision-layout file, see lowcount.models.vgg) at the LPIPS layers
  relu1_2, relu2_2, relu3_3, relu4_3, relu5_3. Images are divided by the reference's 99th percentile,
  mapped to [-1, 1] (2 x - 1), copied to three channels and shifted/scaled as LPIPS does.

**LPIPS** (Zhang et al. 2018): per layer, channel-unit-normalised features of both images, squared
difference, weighted per channel, averaged over space, summed over layers. The weights are the learned
LPIPS v0.1 linear layers for ``vgg16`` (file ``lpips_vgg_v0.1.pth``: the ``weights/v0.1/vgg.pth`` of the
``lpips`` package, keys ``lin<k>.model.1.weight``) or all ones for ``domain`` (LPIPS's un-learned
baseline). Without the linear-layer file, ``vgg16`` raises an error naming it.

**FID** (Heusel et al. 2017): Frechet distance between Gaussians fitted to features of the two sets. Whole
views are few, so each view is cut into ``tile_px`` squares and each tile gives one feature vector: the
spatial mean of the deepest layer (domain) or of relu5_3 (vgg16), values comparable only within lowcount
reports; or, with ``inception`` (lowcount.models.inception, pytorch-fid's weights from a local file),
the standard 2048 Inception features of 256 x 256 tiles divided by their view's 99th percentile, clipped
to [0, 1], copied to three channels and resized to 299 x 299. With fewer tiles than feature dimensions
the covariances are rank-deficient and FID is biased upwards: compare values only at equal set sizes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

LPIPS_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3")
LPIPS_FILE = "lpips_vgg_v0.1.pth"
LPIPS_SHIFT = (-0.030, -0.088, -0.188)
LPIPS_SCALE = (0.458, 0.448, 0.450)
NETWORKS = ("domain", "vgg16", "inception")


class FeatureNetwork:
    """A frozen feature network with its input mapping; ``layers(image, reference_scale)`` gives features.

    Build with :func:`load_feature_network`.
    """

    def __init__(self, kind: str, net, weights: list | None, device: str = "cpu") -> None:
        import torch

        self.kind, self.net, self.device = kind, net.to(device).eval(), device
        self.net.requires_grad_(False)
        self.channel_weights = [torch.as_tensor(w, dtype=torch.float32, device=device) for w in weights or []]

    def scale_of(self, reference: np.ndarray) -> float:
        """The number images are divided by (from the reference of a comparison)."""
        reference = np.asarray(reference, np.float64)
        value = float(reference.mean()) if self.kind == "domain" else float(np.percentile(reference, 99))
        return max(value, 1e-6)

    def layers(self, image: np.ndarray, scale: float):
        """Feature maps (list of (1, C, h, w) tensors) of one (rows, cols) image divided by ``scale``."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(image, np.float32) / np.float32(scale))[None, None].to(self.device)
        with torch.no_grad():
            if self.kind == "domain":
                return self.net.features(_pad_to(x, self.net.stride))
            shift = torch.tensor(LPIPS_SHIFT, device=self.device).view(1, 3, 1, 1)
            spread = torch.tensor(LPIPS_SCALE, device=self.device).view(1, 3, 1, 1)
            return self.net(((2 * x - 1).expand(-1, 3, -1, -1) - shift) / spread, LPIPS_LAYERS)


def _pad_to(x, stride: int):
    import torch.nn.functional as F

    rows, cols = x.shape[-2:]
    return F.pad(x, (0, (-cols) % stride, 0, (-rows) % stride), mode="replicate")


def resolve_lpips_file(path: str | Path | None) -> Path:
    if path is None and os.environ.get("LOWCOUNT_WEIGHTS_DIR"):
        path = Path(os.environ["LOWCOUNT_WEIGHTS_DIR"]) / LPIPS_FILE
    if path is None or not Path(path).is_file():
        where = path if path is not None else "no file given and LOWCOUNT_WEIGHTS_DIR is not set"
        raise FileNotFoundError(
            f"LPIPS linear-layer weights not found ({where}). lowcount never downloads: copy weights/v0.1/vgg.pth "
            f"from the lpips package (pip download lpips; the file is inside the wheel) to "
            f"$LOWCOUNT_WEIGHTS_DIR/{LPIPS_FILE}, or use the domain feature network, which needs no download"
        )
    return Path(path)


def load_lpips_weights(path: str | Path | None) -> list[np.ndarray]:
    """The five per-channel weight vectors of LPIPS v0.1 (VGG) from the lpips package's file."""
    from lowcount.models.weights import read_state_dict

    file = resolve_lpips_file(path)
    state = read_state_dict(file)
    widths = (64, 128, 256, 512, 512)
    out = []
    for k, width in enumerate(widths):
        key = f"lin{k}.model.1.weight"
        if key not in state or tuple(state[key].shape) != (1, width, 1, 1):
            raise ValueError(f"{file}: needs {key} of shape (1, {width}, 1, 1), as lpips' weights/v0.1/vgg.pth has")
        out.append(state[key].reshape(width).numpy())
    return out


def load_feature_network(
    kind: str, weights: str | Path | None = None, lpips_weights: str | Path | None = None, device: str = "cpu"
) -> FeatureNetwork:
    """``domain`` (weights: a fitted feature_autoencoder) or ``vgg16`` (weights: torchvision file)."""
    if kind not in NETWORKS:
        raise ValueError(f"feature network must be one of {NETWORKS}, got {kind!r}")
    if kind == "domain":
        from lowcount.models.autoencoder import load_feature_autoencoder

        return FeatureNetwork(kind, load_feature_autoencoder(weights), None, device)
    if kind == "inception":
        from lowcount.models.inception import load_fid_inception

        return FeatureNetwork(kind, load_fid_inception(weights), None, device)
    from lowcount.models.vgg import load_vgg

    return FeatureNetwork(kind, load_vgg("vgg16", weights), load_lpips_weights(lpips_weights), device)


def lpips_reference(ref: np.ndarray, network: FeatureNetwork) -> tuple[float, list]:
    """(scale, unit-normalised features) of a reference image, to reuse across many :func:`lpips` calls."""
    if network.kind == "inception":
        raise ValueError("LPIPS needs the domain or vgg16 network; the Inception network serves FID only")
    ref = np.asarray(ref, np.float32)
    scale = network.scale_of(ref)
    return scale, [f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10) for f in network.layers(ref, scale)]


def lpips(pred: np.ndarray, ref: np.ndarray, network: FeatureNetwork, reference: tuple | None = None) -> float:
    """LPIPS distance of two (rows, cols) count images (0 for identical images).

    ``reference``: :func:`lpips_reference` of ``ref``, when it was computed before.
    """
    pred, ref = np.asarray(pred, np.float32), np.asarray(ref, np.float32)
    if pred.shape != ref.shape or pred.ndim != 2:
        raise ValueError(f"lpips takes two (rows, cols) images of one shape, got {pred.shape}, {ref.shape}")
    scale, ref_features = reference if reference is not None else lpips_reference(ref, network)
    total = 0.0
    for k, (a, b) in enumerate(zip(network.layers(pred, scale), ref_features, strict=True)):
        a = a / (a.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10)
        diff = (a - b).pow(2)
        if network.channel_weights:
            diff = diff * network.channel_weights[k].view(1, -1, 1, 1)
        total += float(diff.sum(dim=1).mean())
    return total


def tile_features(images: list[np.ndarray], network: FeatureNetwork, tile_px: int = 64) -> np.ndarray:
    """(n_tiles, C) features: spatial means of the deepest layer over ``tile_px`` squares of every image.

    Each image is divided by its own scale (an unpaired set has no reference).
    """
    if network.kind == "inception":
        return _inception_tile_features(images, network)
    rows = []
    for image in images:
        image = np.asarray(image, np.float32)
        deepest = network.layers(image, network.scale_of(image))[-1][0]  # (C, h, w)
        step = max(1, round(tile_px * deepest.shape[-1] / image.shape[-1]))
        c, h, w = deepest.shape
        h, w = h // step * step, w // step * step
        pooled = deepest[:, :h, :w].reshape(c, h // step, step, w // step, step).mean(dim=(2, 4))
        rows.append(pooled.reshape(c, -1).T.cpu().numpy().astype(np.float64))
    return np.concatenate(rows)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(cov1 + cov2 - 2 (cov1 cov2)^(1/2)), with the square root of cov1 cov2 taken
    through the symmetric form (cov1^(1/2) cov2 cov1^(1/2))^(1/2), which has the same trace and is stable."""
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape or cov1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shapes differ: mu {mu1.shape} {mu2.shape}, cov {cov1.shape} {cov2.shape}")

    def sqrt_psd(m: np.ndarray) -> np.ndarray:
        values, vectors = np.linalg.eigh((m + m.T) / 2)
        return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T

    root1 = sqrt_psd(cov1)
    middle = np.linalg.eigvalsh(root1 @ cov2 @ root1)
    trace_sqrt = float(np.sum(np.sqrt(np.clip(middle, 0, None))))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt)


def fid(images_a: list[np.ndarray], images_b: list[np.ndarray], network: FeatureNetwork, tile_px: int = 64) -> float:
    """Frechet distance between the tile features of two sets of (rows, cols) images."""
    fa, fb = tile_features(images_a, network, tile_px), tile_features(images_b, network, tile_px)
    if min(len(fa), len(fb)) < 2:
        raise ValueError("FID needs at least two feature vectors per set; give more or larger images")
    return frechet_distance(fa.mean(0), np.cov(fa, rowvar=False), fb.mean(0), np.cov(fb, rowvar=False))


def _inception_tile_features(images: list[np.ndarray], network: FeatureNetwork, tile_px: int = 256) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    rows = []
    for image in images:
        image = np.asarray(image, np.float32)
        scaled = np.clip(image / max(float(np.percentile(image, 99)), 1e-6), 0.0, 1.0)
        tiles = [
            scaled[r : r + tile_px, c : c + tile_px]
            for r in range(0, image.shape[0] - tile_px + 1, tile_px)
            for c in range(0, image.shape[1] - tile_px + 1, tile_px)
        ]
        if not tiles:
            raise ValueError(f"Inception FID needs views of at least {tile_px} x {tile_px} pixels, got {image.shape}")
        x = torch.from_numpy(np.stack(tiles))[:, None].to(network.device).expand(-1, 3, -1, -1)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        with torch.no_grad():
            rows.append(network.net(2 * x - 1).cpu().numpy().astype(np.float64))
    return np.concatenate(rows)
