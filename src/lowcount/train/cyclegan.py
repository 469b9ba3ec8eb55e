"""Unpaired training: CycleGAN (Zhu et al. 2017) and SE-LiteCycleGAN (its SE-UNet variant).

G maps fast -> standard (the inference network), F standard -> fast; D_std judges standard scans, D_fast
fast ones. Per step, on a batch of fast scans x and standard scans y of other patients:

    loss_G = adv(D_std(G(x))) + adv(D_fast(F(y)))
             + cycle_weight * (|F(G(x)) - x|_1 + |G(F(y)) - y|_1)   (each side smoothed if its sigma is set)
             + identity_weight * (|G(y) - y|_1 + |F(x) - x|_1)
             + fidelity_weight * |blur(G(x)) - blur(x)|_1          (ours; 0 in the published recipes)
             + split_weight * |G(a) - b|_1                         (ours; a, b: a standard scan split 1/k, rest)
    loss_D = 1/2 [disc(D_std(y), D_std(pool_std(G(x)))) + disc(D_fast(x), D_fast(pool_fast(F(y))))]

The critics see either the network values or (``cyclegan.discriminator_input: anscombe``, ours) counts at
their scan's level through the Anscombe transform, 2 sqrt(c + 3/8) / 10: unit-variance Poisson noise
everywhere, so an output as noisy as the fast scan is easy to tell from a standard scan.

With ``cyclegan.noise_model: poisson`` (ours) the generators give expected counts: G(x) and F(y) are replaced,
wherever a critic or the other generator sees them, by a Poisson draw at their domain's count level
(fast: counts / k), with a straight-through gradient. Real scans carry Poisson noise, so a mean image
drawn this way is judged like one; texture painted into the mean would show up as excess variance.

All of this runs with one Adam for both generators and one for both discriminators, each with its own
schedule (the published recipe: lr 2e-4, beta1 0.5, constant for the first half, then linear decay to
0). SE-LiteCycleGAN is this method with SE-UNet generators (``model: se_unet``); the plain CycleGAN uses
ResNetGenerator.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from lowcount.device import autocast
from lowcount.losses.adversarial import AdversarialLoss, gradient_penalty
from lowcount.losses.pixel import LowPassL1Loss
from lowcount.train.config import TrainConfig
from lowcount.train.distributed import Dist
from lowcount.train.ema import EMA
from lowcount.train.gan import adam, critic_adam
from lowcount.train.image_pool import ImagePool
from lowcount.train.method import TrainingMethod
from lowcount.train.method_config import CycleGANConfig
from lowcount.train.noise_model import poisson_draw
from lowcount.train.optimiser_step import descend, end_step
from lowcount.train.schedule import build_scheduler


class CycleGAN(TrainingMethod):
    """Args:
    net: G (fast -> standard); F is a fresh copy of its architecture (re-initialised).
    disc: D_std; D_fast is a re-initialised copy.
    cfg, gan: the train and cyclegan sections.
    device: torch device string.
    dist: process layout (gradients are averaged when several processes run).
    """

    def __init__(
        self,
        net: nn.Module,
        disc: nn.Module,
        cfg: TrainConfig,
        gan: CycleGANConfig,
        device: str,
        dist: Dist | None = None,
    ) -> None:
        self.net, self.back = net.to(device), _fresh_copy(net).to(device)
        self.d_std, self.d_fast = disc.to(device), _fresh_copy(disc).to(device)
        self.cfg, self.gan, self.device, self.dist = cfg, gan, device, dist or Dist(device=device)
        self.adversarial = AdversarialLoss(gan.critic.objective)
        self.fidelity = LowPassL1Loss(sigma_px=gan.fidelity_sigma_px)
        standard_sigma_px = gan.cycle_sigma_px if gan.standard_cycle_sigma_px is None else gan.standard_cycle_sigma_px
        self.fast_cycle_l1, self.standard_cycle_l1 = (
            LowPassL1Loss(sigma_px=sigma_px) if sigma_px > 0 else nn.L1Loss()
            for sigma_px in (gan.cycle_sigma_px, standard_sigma_px)
        )
        self.opt_g = adam([*self.net.parameters(), *self.back.parameters()], cfg.lr, cfg.betas)
        self.opt_d = critic_adam([*self.d_std.parameters(), *self.d_fast.parameters()], gan.critic, cfg)
        self.sched_g = build_scheduler(self.opt_g, cfg.scheduler, cfg.steps)
        self.sched_d = build_scheduler(self.opt_d, cfg.scheduler, cfg.steps)
        self.pool_std = ImagePool(gan.pool_size, seed=cfg.seed + 11)
        self.pool_fast = ImagePool(gan.pool_size, seed=cfg.seed + 12)
        self.ema = EMA(self.net, cfg.ema_decay) if cfg.ema_decay else None
        self.gp_rng = torch.Generator().manual_seed(cfg.seed + 1)
        self.noise_rng = torch.Generator().manual_seed(cfg.seed + 2)

    def _disc_loss(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        loss = self.adversarial.discriminator(critic(real), critic(fake))
        if self.gan.critic.objective == "wgan_gp":
            loss = loss + self.gan.critic.gp_weight * gradient_penalty(critic, real, fake, self.gp_rng)
        return loss

    def _critic_view(self, image: torch.Tensor, counts_per_unit, divide_by) -> torch.Tensor:
        """What a critic sees: the image itself, or its counts at the scan's level through the Anscombe transform."""
        if self.gan.discriminator_input == "x":
            return image
        scale = (counts_per_unit / divide_by).to(self.device, torch.float32).view(-1, 1, 1, 1)
        return 0.2 * torch.sqrt(torch.clamp(image * scale, min=0.0) + 0.375)

    def step(self, batch: dict) -> dict[str, float]:
        x = batch["fast"].to(self.device)
        y = batch["standard"].to(self.device)
        gan = self.gan
        resample = gan.noise_model == "poisson"
        if gan.discriminator_input == "anscombe" or resample:
            unit_x, unit_y, k = batch["fast_counts_per_unit"], batch["standard_counts_per_unit"], batch["speed_factor"]
        else:
            unit_x = unit_y = k = torch.ones(x.shape[0])

        def as_standard(image, unit):  # critic view of a standard-level image
            return self._critic_view(image, unit, torch.ones_like(unit))

        def as_fast(image, unit):  # critic view of a fast-level image (counts / k)
            return self._critic_view(image, unit, k)

        for module in (self.net, self.back, self.d_std, self.d_fast):
            module.train()
        self.d_std.requires_grad_(False)
        self.d_fast.requires_grad_(False)
        with autocast(self.device, self.cfg.amp):
            fake_y = self.net(x).float()
            fake_x = self.back(y).float()
        expected_y = fake_y
        if resample:  # what the critics and the other generator see: scans drawn from the expected counts
            fake_y = poisson_draw(fake_y, unit_x, self.noise_rng)
            fake_x = poisson_draw(fake_x, unit_y / k, self.noise_rng)
        with autocast(self.device, self.cfg.amp):
            rec_x = self.back(fake_y).float()
            rec_y = self.net(fake_x).float()
        adv = self.adversarial.generator(self.d_std(as_standard(fake_y, unit_x))) + self.adversarial.generator(
            self.d_fast(as_fast(fake_x, unit_y))
        )
        cycle = self.fast_cycle_l1(rec_x, x) + self.standard_cycle_l1(rec_y, y)
        g_loss = gan.adversarial_weight * adv + gan.cycle_weight * cycle
        parts = {"loss_adv": float(adv.detach()), "loss_cycle": float(cycle.detach())}
        if gan.identity_weight > 0:
            with autocast(self.device, self.cfg.amp):
                identity = (self.net(y).float() - y).abs().mean() + (self.back(x).float() - x).abs().mean()
            g_loss = g_loss + gan.identity_weight * identity
            parts["loss_identity"] = float(identity.detach())
        if gan.fidelity_weight > 0:
            fidelity = self.fidelity(expected_y, x)
            g_loss = g_loss + gan.fidelity_weight * fidelity
            parts["loss_fidelity"] = float(fidelity.detach())
        if gan.split_weight > 0:
            with autocast(self.device, self.cfg.amp):
                denoised = self.net(batch["split_input"].to(self.device)).float()
            split = (denoised - batch["split_target"].to(self.device)).abs().mean()
            g_loss = g_loss + gan.split_weight * split
            parts["loss_split"] = float(split.detach())
        descend(g_loss, self.opt_g, [self.net, self.back], "generator", self.dist, self.cfg.grad_clip)

        self.d_std.requires_grad_(True)
        self.d_fast.requires_grad_(True)
        d_loss = 0.5 * (
            self._disc_loss(self.d_std, as_standard(y, unit_y), self.pool_std.query(as_standard(fake_y, unit_x)))
            + self._disc_loss(self.d_fast, as_fast(x, unit_x), self.pool_fast.query(as_fast(fake_x, unit_y)))
        )
        descend(d_loss, self.opt_d, [self.d_std, self.d_fast], "discriminator", self.dist)
        lr = end_step(self.opt_g, [self.sched_g, self.sched_d], self.ema, self.net)
        return {"loss": float(g_loss.detach()), **parts, "loss_d": float(d_loss.detach()), "lr": lr}

    def state_dict(self) -> dict:
        state = {
            "net": self.net.state_dict(),
            "back": self.back.state_dict(),
            "d_std": self.d_std.state_dict(),
            "d_fast": self.d_fast.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "sched_d": self.sched_d.state_dict(),
            "pool_std": self.pool_std.state_dict(),
            "pool_fast": self.pool_fast.state_dict(),
            "gp_rng": self.gp_rng.get_state(),
            "noise_rng": self.noise_rng.get_state(),
        }
        return {**state, **self._ema_state()}

    def load_state_dict(self, state: dict) -> None:
        for name in ("net", "back", "d_std", "d_fast", "opt_g", "opt_d", "sched_g", "sched_d"):
            getattr(self, name).load_state_dict(state[name])
        self.pool_std.load_state_dict(state["pool_std"], self.device)
        self.pool_fast.load_state_dict(state["pool_fast"], self.device)
        self.gp_rng.set_state(state["gp_rng"].cpu())
        if "noise_rng" in state:  # absent from checkpoints written before gan.noise_model existed
            self.noise_rng.set_state(state["noise_rng"].cpu())
        self._load_ema(state)


def _fresh_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module``'s architecture with newly drawn weights (from the global torch RNG)."""
    twin = copy.deepcopy(module)
    for layer in twin.modules():
        if layer is not twin and hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    return twin
