import math

import pytest
import torch

from lowcount.losses.adversarial import KINDS, AdversarialLoss, gradient_penalty


def test_values_at_known_logits():
    zeros, ones = torch.zeros(2, 1, 4, 4), torch.ones(2, 1, 4, 4)
    assert AdversarialLoss("vanilla").discriminator(zeros, zeros).item() == pytest.approx(2 * math.log(2))
    assert AdversarialLoss("vanilla").generator(zeros).item() == pytest.approx(math.log(2))
    assert AdversarialLoss("lsgan").discriminator(ones, zeros).item() == 0.0
    assert AdversarialLoss("lsgan").generator(zeros).item() == 1.0
    assert AdversarialLoss("hinge").discriminator(ones, -ones).item() == 0.0
    assert AdversarialLoss("hinge").discriminator(zeros, zeros).item() == 2.0
    assert AdversarialLoss("wgan_gp").discriminator(3 * ones, ones).item() == -2.0
    assert AdversarialLoss("wgan_gp").generator(3 * ones).item() == -3.0


@pytest.mark.parametrize("kind", KINDS)
def test_a_discriminator_that_separates_better_has_lower_loss_and_fooling_it_lowers_the_generator_loss(kind):
    loss = AdversarialLoss(kind)

    def logits(value):
        return torch.full((1, 1, 3, 3), value)

    assert loss.discriminator(logits(0.9), logits(0.0)) < loss.discriminator(logits(0.3), logits(0.3))
    assert loss.generator(logits(0.9)) < loss.generator(logits(0.0))


def test_multiscale_logits_are_averaged_over_scales():
    loss = AdversarialLoss("lsgan")
    a, b = torch.zeros(1, 1, 8, 8), torch.full((1, 1, 4, 4), 2.0)
    assert loss.generator([a, b]).item() == pytest.approx((1.0 + 1.0) / 2)
    assert loss.discriminator([a, b], [b, a]).item() == pytest.approx(((1 + 4) + (1 + 0)) / 2)


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="wgan"):
        AdversarialLoss("wgan")


def test_gradient_penalty_of_a_linear_critic_is_exact():
    # D(x) = sum(w * x) has gradient w everywhere, so the penalty is (||w|| - 1)^2.
    w = torch.randn(1, 1, 5, 5, generator=torch.Generator().manual_seed(0))

    def critic(x):
        return (x * w).sum(dim=(1, 2, 3))

    real, fake = torch.rand(3, 1, 5, 5), torch.rand(3, 1, 5, 5)
    expected = (w.norm() - 1) ** 2
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradient_penalty_is_differentiable_in_the_critic_and_seeded():
    critic = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Tanh(), torch.nn.Conv2d(2, 1, 3))
    real, fake = torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8)
    a = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(3))
    b = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(3))
    assert a.item() == b.item()
    a.backward()
    assert critic[0].weight.grad is not None and critic[0].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="shape"):
        gradient_penalty(critic, real, fake[:1])
