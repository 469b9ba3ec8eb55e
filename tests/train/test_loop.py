import pickle
from dataclasses import replace

import numpy as np
import pytest
import torch

from lowcount.models import build_model
from lowcount.train.checkpoint import load_checkpoint
from lowcount.train.config import TrainConfig
from lowcount.train.loop import epoch_indices, fit
from lowcount.train.method_config import SupervisedConfig
from lowcount.train.supervised import Supervised


class Noisy:
    """Synthetic pairs: a smooth pattern and its noisy copy, drawn from (seed, epoch, index)."""

    def __init__(self, n=16, size=12):
        self.n, self.size, self.epoch = n, size, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        rng = np.random.default_rng([5, self.epoch, index])
        yy, xx = np.mgrid[: self.size, : self.size] / self.size
        clean = (1 + np.sin(6 * xx + index) * np.cos(4 * yy)).astype(np.float32)[None]
        noisy = (clean + rng.normal(0, 0.3, clean.shape)).astype(np.float32)
        return {"input": noisy, "target": clean, "weight": np.ones_like(clean)}


def _method(cfg):
    torch.manual_seed(cfg.seed)
    return Supervised(build_model("edsr", n_blocks=1, channels=4), cfg, SupervisedConfig(), "cpu")


def _weights(method):
    return {k: v.clone() for k, v in method.state_dict()["net"].items()}


def test_resume_continues_bit_for_bit(tmp_path):
    # 400 steps (100 epochs) in one go vs 200 + resume + 200, with a cosine schedule and EMA in the state.
    cfg = TrainConfig(
        steps=400,
        batch_size=4,
        lr=1e-3,
        scheduler="cosine",
        ema_decay=0.9,
        checkpoint_every=200,
        validate_every=10_000,
        log_every=100,
        seed=3,
    )
    straight = _method(cfg)
    fit(straight, Noisy(), cfg, tmp_path / "straight", progress=False)

    half = TrainConfig(**{**cfg.__dict__, "steps": 200})
    first = _method(cfg)
    fit(first, Noisy(), half, tmp_path / "split", progress=False)
    second = _method(cfg)
    fit(second, Noisy(), cfg, tmp_path / "split", resume=True, progress=False)
    for key, value in _weights(straight).items():
        assert torch.equal(value, _weights(second)[key]), key
    for key, value in straight.ema.state_dict().items():
        assert torch.equal(value, second.ema.state_dict()[key]), key
    steps = [int(float(line.split(",")[0])) for line in (tmp_path / "split" / "log.csv").read_text().splitlines()[1:]]
    assert steps == sorted(steps) and steps[-1] == 400


def test_training_lowers_the_loss_and_writes_the_run_folder(tmp_path):
    cfg = TrainConfig(steps=60, batch_size=4, lr=2e-3, checkpoint_every=30, validate_every=30, log_every=10)
    method = _method(cfg)
    data = Noisy()
    calls = []

    def validate(m):
        item = data[0]
        pred = m.predict(torch.from_numpy(item["input"][None]))[0].numpy()
        calls.append(float(np.abs(pred - item["target"]).mean()))
        return {"psnr": -calls[-1]}

    fit(method, data, cfg, tmp_path, validate=validate, progress=False)
    assert calls[-1] < float(np.abs(data[0]["input"] - data[0]["target"]).mean())
    for name in ("last.pt", "best.pt", "log.csv"):
        assert (tmp_path / name).is_file()
    assert any((tmp_path / "tensorboard").iterdir())
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 60


# Scripted validations, one per 10 steps: the sharpest ones (steps 30, 40) created hot spots.
SCRIPT = [
    {"truth_psnr": 30.0, "created_hot_spots": 0.0},
    {"truth_psnr": 33.0, "created_hot_spots": 0.0},
    {"truth_psnr": 35.0, "created_hot_spots": 0.5},
    {"truth_psnr": 36.0, "created_hot_spots": 0.25},
]


def _scripted(seen, offset=0):
    """A validation that returns SCRIPT in order and records the weights it was shown."""

    def validate(m):
        seen.append(_weights(m))
        return dict(SCRIPT[offset + len(seen) - 1])

    return validate


@pytest.mark.parametrize("export", ["best", "last"])
def test_export_best_takes_the_sharpest_checkpoint_that_created_no_hot_spot(tmp_path, export):
    cfg = TrainConfig(steps=40, batch_size=4, lr=1e-3, validate_every=10, checkpoint_every=10, export=export)
    method, seen, exported = _method(cfg), [], {}

    def keep(m, run, chosen):
        exported.update(weights=_weights(m), card=chosen)

    metrics = fit(method, Noisy(), cfg, tmp_path, validate=_scripted(seen), export=keep, progress=False)
    best = load_checkpoint(tmp_path / "best.pt")
    assert best["step"] == best["best_step"] == 20 and best["best_metrics"] == SCRIPT[1]
    chosen, step = (1, 20) if export == "best" else (3, 40)
    assert exported["card"] == {"checkpoint": export, "step": step, "metrics": SCRIPT[chosen]}
    assert metrics == SCRIPT[chosen]
    for key, value in seen[chosen].items():
        assert torch.equal(exported["weights"][key], value), key
    assert not all(torch.equal(seen[1][k], v) for k, v in seen[3].items())  # the two candidates differ


def test_the_choice_survives_a_resume(tmp_path):
    cfg = TrainConfig(steps=40, batch_size=4, lr=1e-3, validate_every=10, checkpoint_every=10, export="best")
    first_seen, second_seen, exported = [], [], {}
    fit(_method(cfg), Noisy(), replace(cfg, steps=20), tmp_path, validate=_scripted(first_seen), progress=False)
    metrics = fit(
        _method(cfg),
        Noisy(),
        cfg,
        tmp_path,
        validate=_scripted(second_seen, offset=2),
        resume=True,
        export=lambda m, run, chosen: exported.update(weights=_weights(m), card=chosen),
        progress=False,
    )
    assert len(second_seen) == 2 and exported["card"]["step"] == 20 and metrics == SCRIPT[1]
    for key, value in first_seen[1].items():
        assert torch.equal(exported["weights"][key], value), key


def test_processes_share_the_epoch_order_without_overlap():
    single = epoch_indices(10, 0, 3)
    ranks = [epoch_indices(10, 0, 3, r, 2) for r in range(2)]
    assert len(ranks[0]) == len(ranks[1]) == 5
    assert sorted(np.concatenate(ranks)) == sorted(single)
    assert list(ranks[0]) == list(single[0::2])
    assert not np.array_equal(epoch_indices(10, 0, 4), single)


def test_checkpoints_never_unpickle_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "last.pt"
    path.write_bytes(pickle.dumps({"method": Evil()}))
    with pytest.raises(ValueError, match="not a readable lowcount checkpoint"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_too_small_a_training_set_is_explained(tmp_path):
    cfg = TrainConfig(steps=2, batch_size=32)
    with pytest.raises(ValueError, match="fewer than one batch"):
        fit(_method(cfg), Noisy(n=4), cfg, tmp_path, progress=False)


def test_bf16_autocast_trains(tmp_path):
    cfg = TrainConfig(steps=5, batch_size=2, amp="bf16", log_every=1)
    method = _method(cfg)
    metrics = fit(method, Noisy(), cfg, tmp_path, progress=False)
    assert np.isfinite(metrics["loss"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps": 0}, "steps"),
        ({"lr": 0.0}, "lr"),
        ({"scheduler": "step"}, "scheduler"),
        ({"amp": "fp16"}, "amp"),
        ({"ema_decay": 1.5}, "ema_decay"),
        ({"log_every": 0}, "log_every"),
        ({"export": "first"}, "export"),
        ({"optimiser": "sgd"}, "optimiser"),
        ({"optimiser": "radam", "method": "gan"}, "supervised"),
    ],
)
def test_ill_train_configs_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("name", ["adam", "adamw", "radam"])
def test_the_optimiser_is_the_configured_one_and_resumes_bit_for_bit(tmp_path, name):
    from lowcount.train.config import OPTIMISER_NAMES
    from lowcount.train.optimisers import OPTIMISERS

    assert set(OPTIMISER_NAMES) == set(OPTIMISERS)
    cfg = TrainConfig(steps=40, batch_size=4, lr=1e-3, optimiser=name, checkpoint_every=20, validate_every=1000, seed=2)
    straight = _method(cfg)
    assert type(straight.optimiser) is OPTIMISERS[name]
    fit(straight, Noisy(), cfg, tmp_path / "straight", progress=False)
    first = _method(cfg)
    fit(first, Noisy(), replace(cfg, steps=20), tmp_path / "split", progress=False)
    second = _method(cfg)
    fit(second, Noisy(), cfg, tmp_path / "split", resume=True, progress=False)
    for key, value in _weights(straight).items():
        assert torch.equal(value, _weights(second)[key]), key
