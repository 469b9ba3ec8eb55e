"""Pixel losses with an optional weight map (0 on the bladder to exclude it) and every reduction.

``reduction``: ``mean`` (weighted mean over pixels: sum(w * loss) / sum(w)), ``sum`` (sum(w * loss)) or
``none`` (the weighted per-pixel map). The SSIM loss is 1 - SSIM with a Gaussian window (sigma 1.5,
11 x 11, Wang et al. 2004) and constants K1 = 0.01, K2 = 0.03 of ``data_range``; the data range is
explicit, never guessed from the dtype (default: the target's maximum per image).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lowcount.losses.perceptual import PerceptualTerm

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: torch.Tensor, weight: torch.Tensor | None, reduction: str) -> torch.Tensor:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if weight is not None:
        weight = weight.expand_as(loss)
        loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    denominator = weight.sum() if weight is not None else torch.tensor(float(loss.numel()), device=loss.device)
    return loss.sum() / denominator.clamp_min(1e-12)


class _PixelLoss(nn.Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def pointwise(self, diff: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        if pred.shape != target.shape:
            raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
        return _reduce(self.pointwise(pred - target), weight, self.reduction)


class L1Loss(_PixelLoss):
    def pointwise(self, diff: torch.Tensor) -> torch.Tensor:
        return diff.abs()


class MSELoss(_PixelLoss):
    def pointwise(self, diff: torch.Tensor) -> torch.Tensor:
        return diff.square()


class CharbonnierLoss(_PixelLoss):
    """sqrt(diff^2 + eps^2): L1 away from zero, smooth at zero."""

    def __init__(self, reduction: str = "mean", eps: float = 1e-3) -> None:
        super().__init__(reduction)
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.eps = eps

    def pointwise(self, diff: torch.Tensor) -> torch.Tensor:
        return torch.sqrt(diff.square() + self.eps**2)


def gaussian_window(size: int = 11, sigma: float = 1.5, dtype=torch.float32) -> torch.Tensor:
    coords = torch.arange(size, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim_map(
    pred: torch.Tensor, target: torch.Tensor, data_range: torch.Tensor | float, window: int = 11, sigma: float = 1.5
) -> torch.Tensor:
    """Per-pixel SSIM of (B, 1, H, W) images ('valid' filtering: the map is window - 1 smaller)."""
    kernel = gaussian_window(window, sigma, pred.dtype).to(pred.device)[None, None]
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    mu_x, mu_y = F.conv2d(pred, kernel), F.conv2d(target, kernel)
    sxx = F.conv2d(pred * pred, kernel) - mu_x**2
    syy = F.conv2d(target * target, kernel) - mu_y**2
    sxy = F.conv2d(pred * target, kernel) - mu_x * mu_y
    return ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2))


class SSIMLoss(nn.Module):
    """1 - SSIM, optionally weighted (the weight map is cropped like the SSIM map)."""

    def __init__(
        self, reduction: str = "mean", data_range: float | None = None, window: int = 11, sigma: float = 1.5
    ) -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if window < 3 or window % 2 == 0:
            raise ValueError(f"window must be odd and >= 3, got {window}")
        self.reduction, self.data_range, self.window, self.sigma = reduction, data_range, window, sigma

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        if pred.shape != target.shape or pred.ndim != 4:
            raise ValueError(
                f"SSIMLoss takes two (B, C, H, W) tensors of one shape, got {tuple(pred.shape)}, {tuple(target.shape)}"
            )
        b, c = pred.shape[:2]
        p, t = pred.reshape(b * c, 1, *pred.shape[2:]), target.reshape(b * c, 1, *target.shape[2:])
        if self.data_range is None:
            data_range = t.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
        else:
            data_range = self.data_range
        valid = (p.shape[2] - self.window + 1, p.shape[3] - self.window + 1)
        loss = (1.0 - ssim_map(p, t, data_range, self.window, self.sigma)).reshape(b, c, *valid)
        if weight is not None:
            half = self.window // 2
            weight = weight[..., half : weight.shape[-2] - half, half : weight.shape[-1] - half]
        return _reduce(loss, weight, self.reduction)


def gaussian_blur(x: torch.Tensor, sigma_px: float) -> torch.Tensor:
    """Separable Gaussian smoothing of (B, C, H, W) images, reflect-padded, kernel radius 3 sigma."""
    radius = max(int(math.ceil(3 * sigma_px)), 1)
    coords = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    g = torch.exp(-0.5 * (coords / sigma_px) ** 2)
    g = (g / g.sum()).view(1, 1, 1, -1).repeat(x.shape[1], 1, 1, 1)
    h = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), g, groups=x.shape[1])
    return F.conv2d(F.pad(h, (0, 0, radius, radius), mode="reflect"), g.transpose(2, 3), groups=x.shape[1])


class LowPassL1Loss(_PixelLoss):
    """L1 between Gaussian-smoothed output and target: count fidelity at the scale of lesions.

    Smoothing by ``sigma_px`` (about the camera's resolution) averages the noise out of a noisy reference,
    so the term anchors regional counts, and so lesion contrast, to the data without asking the output to
    copy the noise.
    """

    def __init__(self, reduction: str = "mean", sigma_px: float = 2.0) -> None:
        super().__init__(reduction)
        if not sigma_px > 0:
            raise ValueError(f"sigma_px must be positive, got {sigma_px}")
        self.sigma_px = sigma_px

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        if pred.shape != target.shape:
            raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
        diff = gaussian_blur(pred, self.sigma_px) - gaussian_blur(target, self.sigma_px)
        return _reduce(diff.abs(), weight, self.reduction)


LOSSES = {
    "l1": L1Loss,
    "mse": MSELoss,
    "charbonnier": CharbonnierLoss,
    "ssim": SSIMLoss,
    "lowpass_l1": LowPassL1Loss,
    "perceptual": PerceptualTerm,  # features, not pixels: lowcount.losses.perceptual
}


class CompositeLoss(nn.Module):
    """Weighted sum of named losses, e.g. ``[{"name": "l1", "weight": 1.0}, {"name": "ssim", "weight": 0.2}]``.

    ``forward`` returns (total, parts) where parts maps each name to its unweighted value.
    """

    def __init__(self, terms: list[dict]) -> None:
        super().__init__()
        if not terms:
            raise ValueError("a composite loss needs at least one term")
        self.names, self.weights = [], []
        modules = []
        for term in terms:
            term = dict(term)
            name = term.pop("name", None)
            weight = float(term.pop("weight", 1.0))
            if name not in LOSSES:
                raise ValueError(f"unknown loss {name!r}; choose from {sorted(LOSSES)}")
            try:
                modules.append(LOSSES[name](**term))
            except TypeError as exc:
                raise ValueError(f"loss {name!r}: {exc}") from exc
            self.names.append(name)
            self.weights.append(weight)
        self.terms = nn.ModuleList(modules)

    def forward(self, pred, target, weight=None) -> tuple[torch.Tensor, dict[str, float]]:
        total = pred.new_zeros(())
        parts = {}
        for name, w, loss in zip(self.names, self.weights, self.terms, strict=True):
            value = loss(pred, target, weight)
            parts[name] = float(value.detach())
            total = total + w * value
        return total, parts
