"""`lowcount ship-models` end to end with tiny trainings: layout, cards, and that a second call resumes."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from lowcount.config import recipe_path
from lowcount.ship import TRAININGS, build
from lowcount.shipped import CLASSICAL, FEATURE_NET, MODELS, STANDARD_FILTERS, STARTS

TINY_ARGS = {
    FEATURE_NET: {"channels": [4, 8]},
    "se_unet": {"channels": [4, 8, 16], "in_channels": 2},  # the count level is its second channel
    "se_unet_k3": {"channels": [4, 8, 16]},
    "se_lite_cyclegan": {"channels": [4, 8, 16]},
}


def _tiny_configs(folder: Path) -> dict[str, Path]:
    out = {}
    for name, path in TRAININGS.items():
        cfg = yaml.safe_load(recipe_path(path).read_text())
        cfg["model"]["args"] = TINY_ARGS[name]
        cfg["data"]["patch"] = [64, 64]
        cfg["train"].update({"steps": 2, "batch_size": 2, "checkpoint_every": 1, "validate_every": 2})
        cfg["train"]["export"] = "last"  # the rebuild below must export its own last step
        if "cyclegan" in cfg:
            cfg["cyclegan"]["critic"]["args"]["channels"] = 4
        out[name] = folder / f"{name}.yaml"
        out[name].write_text(yaml.safe_dump(cfg))
    return out


def test_build_writes_every_shipped_file_and_resumes(tmp_path, capsys):
    configs = _tiny_configs(tmp_path)
    out = tmp_path / "shipped"
    build(tmp_path / "work", patients=10, seed=77, out=out, trainings=configs)
    for name in (*MODELS, *STARTS, FEATURE_NET):
        assert (out / name / "model.safetensors").stat().st_size > 1000
        card = json.loads((out / name / "card.json").read_text())
        assert card["steps"] == 2 and card["data"]["seed"] == 77 and "psnr" in card["validation"]
        assert card["data"]["family"] == "mixed"
    for method in CLASSICAL:
        card = json.loads((out / "classical" / f"{method}.json").read_text())
        assert card["method"] == method and card["against"] == "truth" and card["data"]["split"] == "val"
    for method in STANDARD_FILTERS:
        assert json.loads((out / "classical" / f"standard_{method}.json").read_text())["scan"] == "standard"
    patients = (tmp_path / "work" / "cohort" / "patients.csv").read_text().splitlines()[1:]
    families = {line.split(",")[1] for line in patients}
    assert families == {"procedural", "xcat"}  # the default shipping cohort mixes both anatomies
    threshold = json.loads((out / "observer.json").read_text())["threshold"]
    assert threshold > 0
    capsys.readouterr()
    build(tmp_path / "work", patients=10, seed=77, out=out, trainings=configs)
    log = capsys.readouterr().out
    assert log.count("done before") == len(TRAININGS) and "simulating" not in log
    # --only: one training is rebuilt from its new run; the filter cards and the threshold stay untouched.
    before = {p: p.read_bytes() for p in [*(out / "classical").glob("*.json"), out / "observer.json"]}
    shutil.rmtree(tmp_path / "work" / "se_unet")
    old_weights = (out / "se_unet" / "model.safetensors").read_bytes()
    configs["se_unet"].write_text(configs["se_unet"].read_text().replace("steps: 2", "steps: 3"))
    build(tmp_path / "work", patients=10, seed=77, out=out, trainings=configs, only=("se_unet",))
    log = capsys.readouterr().out
    assert "se_unet: training" in log and "feature_net" not in log and "se_lite_cyclegan" not in log
    assert "se_unet_k3" not in log
    assert json.loads((out / "se_unet" / "card.json").read_text())["steps"] == 3
    assert (out / "se_unet" / "model.safetensors").read_bytes() != old_weights
    assert all(path.read_bytes() == content for path, content in before.items())
    with pytest.raises(ValueError, match="10 mixed patients of seed 77, not 10 procedural"):
        build(tmp_path / "work", patients=10, seed=77, out=out, trainings=configs, family="procedural")
    with pytest.raises(ValueError, match="unknown stage"):
        build(tmp_path / "work", patients=10, seed=77, out=out, trainings=configs, only=("bm3d",))
