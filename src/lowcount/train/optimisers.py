"""The optimiser of the network being trained, chosen by ``train.optimiser`` (a plain dict of constructors).

- ``adam``: Adam (Kingma and Ba 2015) with ``train.betas``, weight decay as an L2 term in the gradient;
- ``adamw``: Adam with decoupled weight decay (Loshchilov and Hutter 2019);
- ``radam``: rectified Adam (Liu et al. 2020), whose variance rectification replaces a warm-up; EMANet's
  optimiser (lr 1e-3, batch 8).
"""

from __future__ import annotations

import torch

OPTIMISERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "radam": torch.optim.RAdam}


def build_optimiser(name: str, params, lr: float, betas, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    if name not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {sorted(OPTIMISERS)}, got {name!r}")
    return OPTIMISERS[name](params, lr=lr, betas=tuple(betas), weight_decay=weight_decay)
