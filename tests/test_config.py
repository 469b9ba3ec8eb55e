import pytest

from lowcount.config import ConfigError, from_dict, load_section
from lowcount.phantom.protocol import PhantomConfig


def test_yaml_section_builds_nested_frozen_dataclasses(tmp_path):
    path = tmp_path / "cohort.yaml"
    path.write_text("phantom:\n  speed_factors: [2, 4]\n  fast_mode: thinned\n  camera:\n    anterior_gap_cm: 5.0\n")
    cfg = load_section(path, "phantom", PhantomConfig)
    assert cfg.speed_factors == (2, 4)
    assert cfg.fast_mode == "thinned"
    assert cfg.camera.anterior_gap_cm == 5.0
    with pytest.raises(AttributeError):
        cfg.fast_mode = "independent"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"speed_factor": [2]}, "unknown key.*speed_factor"),
        ({"camera": {"gap": 1}}, r"phantom\.camera: unknown key"),
        ({"fast_mode": "bootstrap"}, "fast_mode"),
        ({"camera": [1, 2]}, "mapping"),
    ],
)
def test_bad_configs_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        from_dict(PhantomConfig, data, "phantom")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_section(tmp_path / "none.yaml", "phantom", PhantomConfig)
    bad = tmp_path / "bad.yaml"
    bad.write_text("phantom: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_section(bad, "phantom", PhantomConfig)


def test_shipped_phantom_config_is_the_default():
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[1] / "configs" / "phantom.yaml"
    assert load_section(shipped, "phantom", PhantomConfig) == PhantomConfig()


def test_yaml_exponent_floats_are_numbers_and_bad_numbers_name_the_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("phantom:\n  standard_counts_per_view: [1e6, 2.5e6]\n  standard_velocity_cm_min: 2e1\n")
    cfg = load_section(path, "phantom", PhantomConfig)
    assert cfg.standard_counts_per_view == (1e6, 2.5e6) and cfg.standard_velocity_cm_min == 20.0
    path.write_text("phantom:\n  standard_velocity_cm_min: fast\n")
    with pytest.raises(ConfigError, match="standard_velocity_cm_min: must be a number, got 'fast'"):
        load_section(path, "phantom", PhantomConfig)


def test_a_misspelt_section_of_a_phantom_config_is_an_error(tmp_path):
    from lowcount.phantom.protocol import load_phantom_config

    path = tmp_path / "c.yaml"
    path.write_text("phantm:\n  max_shift_px: 5\n")
    with pytest.raises(ConfigError, match=r"unknown section\(s\) \['phantm'\]"):
        load_phantom_config(path)
