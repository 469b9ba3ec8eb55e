"""Poisson draws of generated images, for critics that compare them with real (noisy) scans.

A generator that gives expected counts is judged fairly only against what a scan of those counts would
look like: a critic shown the expected image beside real Poisson scans learns to ask for noise, and the
generator learns to paint it (or to keep its input's). ``noise_model: poisson`` (in the ``gan`` or ``cyclegan``
section) shows critics a draw.
"""

from __future__ import annotations

import torch


def poisson_draw(image: torch.Tensor, counts_per_unit: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """A Poisson scan of the expected counts ``image`` (network values, (n, 1, h, w)), in network values.

    Args:
        image: expected counts / ``counts_per_unit``; negative values count as 0.
        counts_per_unit: (n,) counts per network unit at the level the scan is drawn at.
        rng: a CPU generator (the draw is made on the CPU, so runs replay on any device).

    The gradient passes straight through (d draw / d image = 1): the draw's mean is the image.
    """
    scale = counts_per_unit.to(image.device, torch.float32).view(-1, 1, 1, 1)
    expected = (torch.clamp(image.detach(), min=0.0) * scale).cpu()
    counts = torch.poisson(expected, generator=rng).to(image.device)
    return image + (counts / scale - image).detach()
