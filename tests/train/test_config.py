"""Training configs: every recipe loads, and keys that do not apply to a method are refused by name."""

from pathlib import Path

import pytest
import yaml

from lowcount.config import ConfigError, recipes_dir
from lowcount.models import build_model
from lowcount.train.config import load_run_config, plain, run_config
from lowcount.train.run import model_args

CONFIGS = sorted(recipes_dir().glob("**/*.yaml"))
TRAINING = [p for p in CONFIGS if not p.name.startswith("phantom")]  # phantom configs are not training runs
CT_RECIPES = [p for p in TRAINING if "volume" in yaml.safe_load(p.read_text())]  # lowcount.train.volume_run
RECIPES = [p for p in TRAINING if p not in CT_RECIPES]


def _method(path: Path) -> str:
    return (yaml.safe_load(path.read_text()).get("train") or {}).get("method", "supervised")


# (key that does not apply, value) per method; each is tried on every recipe of that method.
ILL_CASES = {
    "supervised": [
        ("supervised.pool_size", 50),
        ("supervised.critic", {"name": "patchgan"}),
        ("supervised.adversarial_weight", 1.0),
        ("supervised.perceptual", {"network": "vgg16"}),
    ],
    "gan": [
        ("gan.pool_size", 50),
        ("gan.discriminator_input", "anscombe"),
        ("gan.weight_decay", 0.01),
        ("gan.cycle_weight", 10.0),
        ("gan.same_patients", True),
    ],
    "cyclegan": [
        ("cyclegan.pixel_loss", [{"name": "l1", "weight": 1.0}]),
        ("cyclegan.conditional", True),
        ("cyclegan.weight_decay", 0.01),
        ("cyclegan.perceptual", {"network": "vgg16"}),
        ("cyclegan.critic_steps", 2),
        ("cyclegan.bce_weight", 0.01),
    ],
    "noise_level": [("noise_level.loss", [{"name": "l1", "weight": 1.0}]), ("noise_level.critic", {})],
    "segmentation": [("segmentation.levels", [1, 50]), ("segmentation.loss", [{"name": "l1", "weight": 1.0}])],
}
ILL = [(path, key, value) for path in RECIPES for key, value in ILL_CASES[_method(path)]]


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_recipe_loads_builds_and_round_trips(path):
    cfg = load_run_config(path)
    model = build_model(cfg.model.name, **model_args(cfg))
    assert cfg.data.stride % model.stride == 0
    assert run_config(plain(cfg), "resolved") == cfg  # the config.yaml a run saves reads back to the same config


@pytest.mark.parametrize(("path", "key", "value"), ILL, ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_a_key_that_does_not_apply_to_the_method_is_refused_by_name(path, key, value):
    sections = yaml.safe_load(path.read_text())
    section, name = key.split(".")
    sections.setdefault(section, {})[name] = value
    with pytest.raises(ConfigError) as error:
        run_config(sections, str(path))
    message = str(error.value)
    assert repr(name) in message and f"train.method {_method(path)}" in message, message


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_section_of_another_method_is_refused(path):
    sections = yaml.safe_load(path.read_text())
    other = next(m for m in ("supervised", "gan", "cyclegan") if m != _method(path))
    sections[other] = {}
    with pytest.raises(ConfigError, match=f"{other!r}.*do not apply to train.method {_method(path)!r}"):
        run_config(sections, str(path))


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"train": {"loss": [{"name": "l1", "weight": 1.0}]}}, "train.loss is now supervised.loss"),
        ({"train": {"weight_decay": 0.1}}, "train.weight_decay is now supervised.weight_decay"),
        ({"train": {"method": "cyclegan"}, "gan": {"loss": "lsgan"}}, "gan.loss is now critic.objective"),
        ({"train": {"method": "gan"}, "gan": {"discriminator": {"name": "patchgan"}}}, "gan.discriminator is now"),
        ({"model": {"name": "unet"}, "optimizer": {"lr": 1}}, "optimizer"),
        ({"model": {"name": "vgg"}}, "unknown model 'vgg'"),
        ({"train": {"method": "cyclegan"}, "data": {"pairs": "split"}}, "cyclegan takes data.pairs"),
        ({"train": {"lesion_free_seeds": [1]}, "data": {"pairs": "emanet"}}, "lesion_free_seeds"),
        ({"train": {"method": "gan"}, "gan": {"conditional": True, "critic": {"args": {"in_channels": 1}}}}, "2"),
        (
            {"train": {"method": "gan"}, "gan": {"perceptual_weight": 1.0, "perceptual": {"network": "domain"}}},
            "lowcount train feature_autoencoder",
        ),
        ({"train": {"method": "cyclegan"}, "cyclegan": {"critic": {"objective": "wasserstein"}}}, "objective"),
        ({"data": {"pairs": "split", "level_channel": True}}, "in_channels: 2"),
        ({"train": {"method": "cyclegan"}, "data": {"pairs": "thinned", "thin_factor_range": [2, 4]}}, "cyclegan"),
    ],
)
def test_bad_and_moved_settings_name_the_fix(sections, message):
    with pytest.raises(ConfigError, match=message):
        run_config({"model": {"name": "se_unet"}, **sections}, "test.yaml")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("train.batch_size=1.5", r"train.batch_size: must be a whole number, got 1.5"),
        ("train.steps=2.5", r"train.steps: must be a whole number"),
        ("train.steps=true", r"train.steps: must be a whole number, got True"),
        ("train.betas=[0.5]", r"train.betas: must be a list of 2 values"),
        ("train.lr=fast", r"train.lr: must be a number"),
        ("supervised.loss=5", r"supervised.loss: must be a list"),
        ("data.patch=[64.5, 64]", r"data.patch\[0\]: must be a whole number"),
        ("data.register=yes please", r"data.register: must be true or false"),
        ("train.lesion_free_seeds=[1, two]", r"train.lesion_free_seeds\[1\]"),
    ],
)
def test_values_of_the_wrong_type_are_refused_by_name(override, message):
    with pytest.raises(ConfigError, match=message):
        load_run_config(recipes_dir() / "se_unet.yaml", [override])


def test_an_empty_training_config_is_refused(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(ConfigError, match="needs a 'model' section"):
        load_run_config(tmp_path / "empty.yaml")


def test_overrides_change_nested_values_and_bad_ones_are_named():
    path = next(p for p in CONFIGS if p.name == "rrdb_gan_real.yaml")
    cfg = load_run_config(path, ["train.steps=7", "data.patch=[64, 96]", "gan.critic.objective=lsgan"])
    assert cfg.train.steps == 7 and cfg.data.patch == (64, 96) and cfg.method.critic.objective == "lsgan"
    assert cfg.method.bce_weight == 0.01  # untouched values stay
    with pytest.raises(ConfigError, match="section.key=value"):
        load_run_config(path, ["steps=7"])
    with pytest.raises(ConfigError, match="stepz"):
        load_run_config(path, ["train.stepz=7"])
    with pytest.raises(ConfigError, match="is a value"):
        load_run_config(path, ["train.steps.x=1"])


@pytest.mark.parametrize("path", CT_RECIPES, ids=lambda p: p.name)
def test_every_ct_recipe_loads_builds_and_round_trips(path):
    import json
    from dataclasses import asdict

    from lowcount.train.volume_run import volume_run_config

    cfg = volume_run_config(yaml.safe_load(path.read_text()), str(path))
    model = build_model(
        cfg.model.name, **{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.model.args.items()}
    )
    assert all(p % model.stride == 0 for p in cfg.volume.patch)
    assert volume_run_config(json.loads(json.dumps(asdict(cfg))), "resolved") == cfg
    sections = yaml.safe_load(path.read_text())
    sections["supervised"]["critic"] = {"name": "patchgan"}
    with pytest.raises(ConfigError, match="critic"):
        volume_run_config(sections, str(path))
