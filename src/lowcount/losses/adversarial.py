"""Adversarial losses: vanilla (BCE), least-squares, hinge and Wasserstein with gradient penalty.

A discriminator may return one logit map or a list of them (multi-scale); losses average over scales.
Conventions (Goodfellow 2014; Mao et al. 2017; Lim & Ye 2017; Gulrajani et al. 2017):

| kind      | discriminator                                   | generator             |
|-----------|-------------------------------------------------|-----------------------|
| vanilla   | BCE(D(real), 1) + BCE(D(fake), 0)               | BCE(D(fake), 1)       |
| lsgan     | mean((D(real) - 1)^2) + mean(D(fake)^2)         | mean((D(fake) - 1)^2) |
| hinge     | mean(relu(1 - D(real))) + mean(relu(1 + D(fake))) | -mean(D(fake))      |
| wgan_gp   | mean(D(fake)) - mean(D(real)) (+ gradient penalty) | -mean(D(fake))     |

The vanilla generator loss is the non-saturating form. The gradient penalty is computed by
``gradient_penalty``; the training method adds it with its weight.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

KINDS = ("vanilla", "lsgan", "hinge", "wgan_gp")


def _as_list(logits) -> list[torch.Tensor]:
    return list(logits) if isinstance(logits, list | tuple) else [logits]


def _mean_over_scales(fn, *logit_lists) -> torch.Tensor:
    lists = [_as_list(x) for x in logit_lists]
    terms = [fn(*maps) for maps in zip(*lists, strict=True)]
    return torch.stack(terms).mean()


class AdversarialLoss:
    """The generator and discriminator sides of one adversarial loss ``kind`` (see the table above)."""

    def __init__(self, kind: str = "lsgan") -> None:
        if kind not in KINDS:
            raise ValueError(f"adversarial loss must be one of {KINDS}, got {kind!r}")
        self.kind = kind

    def generator(self, fake_logits) -> torch.Tensor:
        def one(fake: torch.Tensor) -> torch.Tensor:
            fake = fake.float()
            if self.kind == "vanilla":
                return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
            if self.kind == "lsgan":
                return (fake - 1).square().mean()
            return -fake.mean()

        return _mean_over_scales(one, fake_logits)

    def discriminator(self, real_logits, fake_logits) -> torch.Tensor:
        def one(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
            real, fake = real.float(), fake.float()
            if self.kind == "vanilla":
                return F.binary_cross_entropy_with_logits(
                    real, torch.ones_like(real)
                ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
            if self.kind == "lsgan":
                return (real - 1).square().mean() + fake.square().mean()
            if self.kind == "hinge":
                return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
            return fake.mean() - real.mean()

        return _mean_over_scales(one, real_logits, fake_logits)


def gradient_penalty(
    critic, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator | None = None
) -> torch.Tensor:
    """WGAN-GP penalty mean((||grad_x D(x)||_2 - 1)^2) at random points x between real and fake samples.

    Args:
        critic: the discriminator (one map or a list of maps; their sum is differentiated).
        real, fake: (B, C, H, W) batches of one shape; ``fake`` is detached here.
        rng: the generator of the interpolation weights (one per sample).
    """
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} differ in shape")
    alpha = torch.rand((real.shape[0],) + (1,) * (real.ndim - 1), generator=rng, device="cpu").to(real)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = sum(s.float().sum() for s in _as_list(critic(mixed)))
    (grad,) = torch.autograd.grad(scores, mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()
