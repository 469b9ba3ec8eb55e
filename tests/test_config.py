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
