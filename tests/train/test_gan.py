"""The adversarial methods end to end on a small phantom cohort: one step, resume, export, enhance."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from lowcount.config import recipes_dir
from lowcount.train.checkpoint import load_checkpoint
from lowcount.train.config import ModelConfig, load_run_config
from lowcount.train.cyclegan import CycleGAN
from lowcount.train.gan import PairedGAN
from lowcount.train.run import train

CONFIG_DIR = recipes_dir()
ADVERSARIAL = ["se_lite_cyclegan", "cyclegan", "pix2pix", "rrdb_gan_real", "rrdb_gan_simulated", "wgan"]
# one unpaired and one paired recipe also run their lesion-free check (a phantom patient each: seconds)
LESION_FREE_CHECKED = ("se_lite_cyclegan", "pix2pix")
TINY_MODELS = {
    "se_unet": {"channels": (4, 8, 16)},
    "resnet_generator": {"channels": 4, "n_blocks": 1},
    "unet": {"channels": (4, 8, 16)},
    "rrdbnet": {"n_blocks": 1, "channels": 8, "growth": 4},
    "dncnn": {"depth": 3, "channels": 8},
}


@pytest.fixture(scope="module")
def feature_net(tmp_path_factory) -> Path:
    """A tiny domain feature network (random weights) for the recipes with a perceptual term."""
    from lowcount.models import build_model
    from lowcount.models.weights import save_weights

    torch.manual_seed(0)
    args = {"channels": (4, 8)}
    folder = tmp_path_factory.mktemp("feature_net")
    return save_weights(build_model("feature_autoencoder", **args), folder / "model", "feature_autoencoder", args)


def tiny(name: str, steps: int, feature_net: Path | None = None, **train_changes):
    """A shipped recipe shrunk to tiny networks, 64 x 64 patches and a few steps (everything else kept); a domain
    perceptual term uses ``feature_net``."""
    cfg = load_run_config(CONFIG_DIR / f"{name}.yaml")
    settings = cfg.method
    changes = {"critic": replace(settings.critic, args={**settings.critic.args, "channels": 4})}
    if getattr(settings, "perceptual_weight", 0) > 0 and settings.perceptual.network == "domain":
        changes["perceptual"] = replace(settings.perceptual, weights=str(feature_net))
    return replace(
        cfg,
        model=ModelConfig(cfg.model.name, TINY_MODELS[cfg.model.name]),
        data=replace(cfg.data, patch=(64, 64), patches_per_image=1),
        train=replace(
            cfg.train,
            steps=steps,
            batch_size=2,
            checkpoint_every=2,
            validate_every=steps,
            log_every=1,
            lesion_free_seeds=cfg.train.lesion_free_seeds[:1] if name in LESION_FREE_CHECKED else (),
            **train_changes,
        ),
        method=replace(settings, **changes),
    )


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_one_step_updates_every_network_and_exports_the_generator(gan_cohort, feature_net, tmp_path, name):
    cfg = tiny(name, steps=1, feature_net=feature_net)
    metrics = train(cfg, gan_cohort.parent, tmp_path, progress=False)
    assert {"psnr", "truth_psnr", "input_truth_psnr", "lesion_max_ratio", "hot_spots", "created_hot_spots"} <= set(
        metrics
    )
    assert "input_created_hot_spots" not in metrics  # the input explains itself
    assert ("lesion_free_created_hot_spots" in metrics) is (name in LESION_FREE_CHECKED)
    state = load_checkpoint(tmp_path / "last.pt")["method"]
    for optimiser in ("opt_g", "opt_d"):
        moments = [s["exp_avg"] for s in state[optimiser]["state"].values()]
        n_params = sum(len(g["params"]) for g in state[optimiser]["param_groups"])
        # every weight moved (a critic's last bias gets no gradient from the Wasserstein loss, rightly)
        assert len(moments) == n_params and all(m.abs().sum() > 0 for m in moments if m.ndim > 1), optimiser
    if cfg.train.method == "cyclegan":
        assert {"back", "d_fast", "pool_std", "pool_fast"} <= set(state)
    from lowcount.models.weights import load_weights

    model, meta = load_weights(tmp_path / "model.safetensors")
    assert meta["model"] == cfg.model.name and meta["method"] == cfg.train.method
    if getattr(cfg.method, "perceptual_weight", 0) > 0:
        assert "loss_perceptual" in (tmp_path / "log.csv").read_text().splitlines()[0]


class Interrupt(Exception):
    pass


@pytest.mark.parametrize(
    ("name", "method_class", "changes"),
    [
        ("se_lite_cyclegan", CycleGAN, {"pool_size": 3}),
        ("se_lite_cyclegan", CycleGAN, {"pool_size": 3, "noise_model": "poisson", "discriminator_input": "anscombe"}),
        ("pix2pix", PairedGAN, {}),
        ("pix2pix", PairedGAN, {"noise_model": "poisson"}),
        ("wgan", PairedGAN, {}),
        ("rrdb_gan_simulated", PairedGAN, {}),
    ],
)
def test_an_interrupted_run_resumes_bit_for_bit(
    gan_cohort, feature_net, tmp_path, monkeypatch, name, method_class, changes
):
    cfg = tiny(name, steps=4, feature_net=feature_net, scheduler="linear_decay")
    cfg = replace(cfg, method=replace(cfg.method, **changes))
    train(cfg, gan_cohort.parent, tmp_path / "straight", progress=False)

    step = method_class.step
    calls = []

    def crash_after_two(self, batch):
        if len(calls) == 3:
            raise Interrupt
        calls.append(1)
        return step(self, batch)

    monkeypatch.setattr(method_class, "step", crash_after_two)
    with pytest.raises(Interrupt):
        train(cfg, gan_cohort.parent, tmp_path / "split", progress=False)
    monkeypatch.setattr(method_class, "step", step)
    assert load_checkpoint(tmp_path / "split" / "last.pt")["step"] == 2
    train(cfg, gan_cohort.parent, tmp_path / "split", resume=True, progress=False)

    straight = load_checkpoint(tmp_path / "straight" / "last.pt")["method"]
    resumed = load_checkpoint(tmp_path / "split" / "last.pt")["method"]
    _assert_same(straight, resumed, "method")
    assert resumed["sched_g"]["last_epoch"] == resumed["sched_d"]["last_epoch"] == 4
    if "pool_std" in straight:
        assert straight["pool_std"]["images"].shape[0] == 3


def _assert_same(a, b, where):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_anscombe_critic_view_has_unit_variance_noise_at_every_count_level():
    """Through the Anscombe view, Poisson noise has the same spread in soft tissue and in bone."""
    from lowcount.train.config import TrainConfig
    from lowcount.train.cyclegan import CycleGAN
    from lowcount.train.method_config import CycleGANConfig

    torch.manual_seed(0)
    cfg = tiny("se_lite_cyclegan", steps=1)
    method = CycleGAN(
        torch.nn.Conv2d(1, 1, 1),
        torch.nn.Conv2d(1, 1, 1),
        TrainConfig(),
        CycleGANConfig(discriminator_input="anscombe"),
        "cpu",
    )
    assert cfg.method.discriminator_input == "x"  # the published recipe leaves the critics on network values
    spreads = []
    for level in (20.0, 500.0):
        counts = torch.poisson(torch.full((1, 1, 256, 256), level))
        unit = torch.tensor([123.0])  # any counts-per-unit: the view undoes it
        view = method._critic_view(counts / unit, unit, torch.ones(1))
        spreads.append(float(view.std()))
    assert spreads == pytest.approx([0.1, 0.1], rel=0.05)  # 2 sqrt(c + 3/8) has sd 1, divided by 10
    plain = CycleGAN(torch.nn.Conv2d(1, 1, 1), torch.nn.Conv2d(1, 1, 1), TrainConfig(), CycleGANConfig(), "cpu")
    image = torch.rand(1, 1, 8, 8)
    assert plain._critic_view(image, torch.tensor([5.0]), torch.ones(1)) is image


def test_cyclegan_options_run_and_low_pass_cycles_ignore_pixel_noise(gan_cohort, tmp_path):
    cfg = tiny("se_lite_cyclegan", steps=2)
    cfg = replace(cfg, method=replace(cfg.method, cycle_sigma_px=2.0, discriminator_input="anscombe"))
    metrics = train(cfg, gan_cohort.parent, tmp_path, progress=False)
    assert "truth_psnr" in metrics
    from lowcount.train.config import TrainConfig
    from lowcount.train.cyclegan import CycleGAN
    from lowcount.train.method_config import CycleGANConfig

    image = torch.ones(1, 1, 32, 32)
    checker = image + 0.5 * (-1.0) ** (torch.arange(32).view(-1, 1) + torch.arange(32).view(1, -1))
    pixel_error = float((checker - image).abs().mean())
    both = CycleGAN(
        torch.nn.Conv2d(1, 1, 1), torch.nn.Conv2d(1, 1, 1), TrainConfig(), CycleGANConfig(cycle_sigma_px=2.0), "cpu"
    )
    assert float(both.fast_cycle_l1(checker, image)) < 0.01 * pixel_error
    assert float(both.standard_cycle_l1(checker, image)) < 0.01 * pixel_error
    fast_only = CycleGAN(
        torch.nn.Conv2d(1, 1, 1),
        torch.nn.Conv2d(1, 1, 1),
        TrainConfig(),
        CycleGANConfig(cycle_sigma_px=2.0, standard_cycle_sigma_px=0.0),
        "cpu",
    )
    assert float(fast_only.fast_cycle_l1(checker, image)) < 0.01 * pixel_error
    assert float(fast_only.standard_cycle_l1(checker, image)) == pytest.approx(pixel_error)
    with pytest.raises(ValueError, match="standard_cycle_sigma_px"):
        CycleGANConfig(standard_cycle_sigma_px=-1.0)


def test_split_term_scores_the_generator_on_split_standard_scans(gan_cohort, tmp_path):
    from lowcount.train.config import TrainConfig
    from lowcount.train.cyclegan import CycleGAN
    from lowcount.train.method_config import CycleGANConfig

    cfg = tiny("se_lite_cyclegan", steps=2)
    split = replace(cfg, method=replace(cfg.method, split_weight=5.0))
    metrics = train(split, gan_cohort.parent, tmp_path, progress=False)
    assert "truth_psnr" in metrics
    assert "loss_split" in (tmp_path / "log.csv").read_text().splitlines()[0]

    def identity() -> torch.nn.Module:
        net = torch.nn.Conv2d(1, 1, 1)
        torch.nn.init.ones_(net.weight)
        torch.nn.init.zeros_(net.bias)
        return net

    rng = torch.Generator().manual_seed(4)
    batch = {name: torch.rand(2, 1, 16, 16, generator=rng) for name in ("fast", "standard", "split_input")}
    batch["split_target"] = torch.rand(2, 1, 16, 16, generator=rng)
    step = CycleGAN(identity(), identity(), TrainConfig(), CycleGANConfig(split_weight=2.0, pool_size=0), "cpu").step
    parts = step(batch)
    expected = float((batch["split_input"] - batch["split_target"]).abs().mean())
    assert parts["loss_split"] == pytest.approx(expected, rel=1e-5)
    without = CycleGAN(identity(), identity(), TrainConfig(), CycleGANConfig(pool_size=0), "cpu").step(batch)
    assert "loss_split" not in without
    assert parts["loss"] == pytest.approx(without["loss"] + 2.0 * expected, rel=1e-4)
    with pytest.raises(ValueError, match="split_weight"):
        CycleGANConfig(split_weight=-1.0)


def test_init_from_starts_the_generator_from_trained_weights_and_refuses_other_architectures(gan_cohort, tmp_path):
    from safetensors.torch import load_file

    cfg = tiny("se_lite_cyclegan", steps=1)
    train(cfg, gan_cohort.parent, tmp_path / "first", progress=False)
    trained = load_file(str(tmp_path / "first" / "model.safetensors"))
    still = replace(cfg, model=replace(cfg.model, init_from=str(tmp_path / "first" / "model.safetensors")))
    still = replace(still, train=replace(still.train, lr=1e-12, seed=cfg.train.seed + 1))
    train(still, gan_cohort.parent, tmp_path / "second", progress=False)
    started_there = load_file(str(tmp_path / "second" / "model.safetensors"))
    fresh = replace(cfg, train=still.train)
    train(fresh, gan_cohort.parent, tmp_path / "fresh", progress=False)
    started_fresh = load_file(str(tmp_path / "fresh" / "model.safetensors"))
    weights = [name for name in trained if name.endswith("weight") and trained[name].dim() == 4]
    assert weights
    for name in weights:
        assert torch.allclose(started_there[name], trained[name], atol=1e-9), name
    assert any(not torch.allclose(started_fresh[name], trained[name], atol=1e-3) for name in weights)
    wider = replace(still, model=replace(still.model, args={"channels": (8, 16, 32)}))
    with pytest.raises(ValueError, match="init_from"):
        train(wider, gan_cohort.parent, tmp_path / "wider", progress=False)


def test_poisson_draws_of_generated_images_are_unbiased_scans_with_a_straight_through_gradient():
    """noise_model: poisson turns an expected-count image into a scan at its domain's level."""
    from lowcount.train.method_config import CycleGANConfig, PairedGANConfig
    from lowcount.train.noise_model import poisson_draw

    unit = torch.tensor([40.0, 10.0])  # counts per unit: a standard scan's level, a 4x fast scan's
    image = torch.full((2, 1, 128, 128), 1.5, requires_grad=True)
    drawn = poisson_draw(image, unit, torch.Generator().manual_seed(2))
    counts = drawn.detach() * unit.view(-1, 1, 1, 1)
    assert torch.allclose(counts, counts.round(), atol=1e-4)  # whole counts
    for i, level in enumerate((60.0, 15.0)):
        assert float(counts[i].mean()) == pytest.approx(level, rel=0.01)
        assert float(counts[i].var()) == pytest.approx(level, rel=0.05)  # Poisson: variance = mean
    drawn.sum().backward()
    assert torch.equal(image.grad, torch.ones_like(image))
    again = poisson_draw(image, unit, torch.Generator().manual_seed(2))  # a checkpointed state replays it
    assert torch.equal(again, drawn)
    for settings in (PairedGANConfig, CycleGANConfig):
        with pytest.raises(ValueError, match="gan.noise_model"):
            settings(noise_model="gaussian")
