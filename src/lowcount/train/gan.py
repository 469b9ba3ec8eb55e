"""Paired adversarial training: pix2pix, the RRDBNet GAN of the fast whole-body-scan paper, and WGAN.

One generator (the inference network) and one discriminator. Per step: ``gan.critic_steps`` discriminator
updates on the batch, then one generator update with

    loss_G = sum_i w_i pixel_i(G(x), y) + perceptual_weight * P(G(x), y) + bce_weight * BCE(G(x), y)
             + adversarial_weight * adv_G(D(G(x)))

(settings: lowcount.train.method_config.PairedGANConfig) and, for the ``wgan_gp`` objective,
``critic.gp_weight`` x gradient penalty on the discriminator side. With
``gan.noise_model: poisson`` (ours) the discriminator sees a Poisson draw of G(x) at the target's count
level instead of G(x) itself (lowcount.train.noise_model); the pixel terms still see G(x). With
``conditional`` the discriminator sees the input concatenated with the image (pix2pix). Recipes: pix2pix = U-Net +
PatchGAN, lsgan, L1 x 100; RRDBNet GAN = perceptual + 0.005 L1 + 0.01 BCE + 0.001 GAN (vanilla);
WGAN = small CNN + critic without normalisation, wgan_gp, perceptual term (WGAN-VGG, Yang et al. 2018).

Under torchrun the networks are not wrapped in DistributedDataParallel: gradients are averaged across
processes after each backward pass (lowcount.train.distributed.average_gradients).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lowcount.device import autocast
from lowcount.losses.adversarial import AdversarialLoss, gradient_penalty
from lowcount.losses.pixel import CompositeLoss
from lowcount.train.config import TrainConfig
from lowcount.train.distributed import Dist
from lowcount.train.ema import EMA
from lowcount.train.method import TrainingMethod
from lowcount.train.method_config import CriticConfig, PairedGANConfig
from lowcount.train.noise_model import poisson_draw
from lowcount.train.optimiser_step import descend, end_step
from lowcount.train.schedule import build_scheduler


def adam(params, lr: float, betas) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=lr, betas=tuple(betas))


def critic_adam(params, critic: CriticConfig, cfg: TrainConfig) -> torch.optim.Adam:
    """The critics' Adam: their own lr and betas when given, else the generators'."""
    return adam(params, critic.lr or cfg.lr, critic.betas or cfg.betas)


def pixel_bce(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE between output and target, both divided by the target's per-image maximum (target in [0, 1])."""
    scale = target.detach().flatten(1).amax(dim=1).clamp_min(1e-6).view(-1, 1, 1, 1)
    p = (pred / scale).clamp(1e-4, 1 - 1e-4)
    return F.binary_cross_entropy(p.float(), (target / scale).clamp(0, 1).float())


class PairedGAN(TrainingMethod):
    """Args:
    net: the generator; disc: the discriminator (in_channels 2 when ``gan.conditional``).
    cfg, gan: the train and gan sections.
    device: torch device string.
    perceptual: a PerceptualLoss module, or None.
    dist: process layout (gradients are averaged when several processes run).
    """

    def __init__(
        self,
        net: nn.Module,
        disc: nn.Module,
        cfg: TrainConfig,
        gan: PairedGANConfig,
        device: str,
        perceptual: nn.Module | None = None,
        dist: Dist | None = None,
    ) -> None:
        if gan.perceptual_weight > 0 and perceptual is None:
            raise ValueError("gan.perceptual_weight > 0 but no perceptual network was given")
        self.net, self.disc = net.to(device), disc.to(device)
        self.cfg, self.gan, self.device, self.dist = cfg, gan, device, dist or Dist(device=device)
        self.pixel = CompositeLoss(list(gan.pixel_loss)).to(device)
        self.adversarial = AdversarialLoss(gan.critic.objective)
        self.perceptual = perceptual.to(device) if perceptual is not None else None
        self.opt_g = adam(self.net.parameters(), cfg.lr, cfg.betas)
        self.opt_d = critic_adam(self.disc.parameters(), gan.critic, cfg)
        self.sched_g = build_scheduler(self.opt_g, cfg.scheduler, cfg.steps)
        self.sched_d = build_scheduler(self.opt_d, cfg.scheduler, cfg.steps)
        self.ema = EMA(self.net, cfg.ema_decay) if cfg.ema_decay else None
        self.gp_rng = torch.Generator().manual_seed(cfg.seed + 1)
        self.noise_rng = torch.Generator().manual_seed(cfg.seed + 2)

    def _critic_input(self, x: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, image], dim=1) if self.gan.conditional else image

    def step(self, batch: dict) -> dict[str, float]:
        x = batch["input"].to(self.device)
        y = batch["target"].to(self.device)
        w = batch["weight"].to(self.device) if "weight" in batch else None
        self.net.train()
        self.disc.train()
        with autocast(self.device, self.cfg.amp):
            fake = self.net(x).float()
        seen = fake  # what the discriminator is shown
        if self.gan.noise_model == "poisson":  # a scan of the expected counts, at the target's level
            seen = poisson_draw(fake, batch["counts_per_unit"], self.noise_rng)
        real_in = self._critic_input(x, y)
        self.disc.requires_grad_(True)
        for _ in range(self.gan.critic_steps):
            fake_in = self._critic_input(x, seen.detach())
            d_loss = self.adversarial.discriminator(self.disc(real_in), self.disc(fake_in))
            gp = torch.zeros((), device=self.device)
            if self.gan.critic.objective == "wgan_gp":
                gp = gradient_penalty(self.disc, real_in, fake_in, self.gp_rng)
                d_loss = d_loss + self.gan.critic.gp_weight * gp
            descend(d_loss, self.opt_d, [self.disc], "discriminator", self.dist)
        self.disc.requires_grad_(False)
        pixel, parts = self.pixel(fake, y, w)
        adv = self.adversarial.generator(self.disc(self._critic_input(x, seen)))
        g_loss = pixel + self.gan.adversarial_weight * adv
        logged = {f"loss_{k}": v for k, v in parts.items()}
        if self.perceptual is not None and self.gan.perceptual_weight > 0:
            perceptual = self.perceptual(fake, y)
            g_loss = g_loss + self.gan.perceptual_weight * perceptual
            logged["loss_perceptual"] = float(perceptual.detach())
        if self.gan.bce_weight > 0:
            bce = pixel_bce(fake, y)
            g_loss = g_loss + self.gan.bce_weight * bce
            logged["loss_bce"] = float(bce.detach())
        descend(g_loss, self.opt_g, [self.net], "generator", self.dist, self.cfg.grad_clip)
        lr = end_step(self.opt_g, [self.sched_g, self.sched_d], self.ema, self.net)
        return {
            "loss": float(g_loss.detach()),
            **logged,
            "loss_adv": float(adv.detach()),
            "loss_d": float(d_loss.detach()),
            **({"gp": float(gp.detach())} if self.gan.critic.objective == "wgan_gp" else {}),
            "lr": lr,
        }

    def state_dict(self) -> dict:
        state = {
            "net": self.net.state_dict(),
            "disc": self.disc.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "sched_d": self.sched_d.state_dict(),
            "gp_rng": self.gp_rng.get_state(),
            "noise_rng": self.noise_rng.get_state(),
        }
        return {**state, **self._ema_state()}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.disc.load_state_dict(state["disc"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        self.gp_rng.set_state(state["gp_rng"].cpu())
        if "noise_rng" in state:  # absent from checkpoints written before gan.noise_model existed
            self.noise_rng.set_state(state["noise_rng"].cpu())
        self._load_ema(state)
