"""The per-scan self-check: its sign agrees with the truth, and ``--if-worse`` acts on it."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lowcount import shipped
from lowcount.classical.enhancer import ClassicalEnhancer
from lowcount.inference import Enhancer
from lowcount.inference.self_check import self_check


class _Blur(torch.nn.Module):
    """A deliberately bad 'model': a wide box blur (what a model that learnt to smooth everything gives)."""

    stride = 1

    def forward(self, x):
        return torch.nn.functional.avg_pool2d(x, 9, stride=1, padding=4, count_include_pad=False)


@pytest.fixture(scope="module")
def fast_scans():
    """20 phantom patients' 3x fast scans with their truth at the standard level (seeds 920-939)."""
    from lowcount.phantom.patient import acquire, sample_patient
    from lowcount.phantom.protocol import PhantomConfig

    cfg = replace(PhantomConfig(), speed_factors=(3.0,))
    scans = []
    for seed in range(920, 940):
        rng = np.random.default_rng(seed)
        _, fast = acquire(sample_patient(rng, cfg), cfg, rng)
        scans.append((fast.counts, 3.0 * fast.expected))
    return scans


def _true_gain(model, reference, counts, truth) -> float:
    from lowcount.evaluate.counts import scoring_mask

    mask = np.stack([scoring_mask(t) for t in truth])
    errors = [float(((m.enhance(counts, 3.0) - truth) ** 2)[mask].mean()) for m in (model, reference)]
    return 10 * np.log10(errors[1] / errors[0])


def test_the_self_check_sign_agrees_with_the_truth_where_the_difference_exceeds_half_a_decibel(fast_scans):
    reference = ClassicalEnhancer.load(shipped.classical_card("gaussian"))
    models = {
        "se_unet": Enhancer.load(shipped.model_weights("se_unet"), device="cpu"),
        "blur": Enhancer(_Blur(), {"data": {"normalisation": "mean"}}, "cpu", "fp32"),
    }
    agree, counted = 0, 0
    for name, model in models.items():
        for k, (counts, truth) in enumerate(fast_scans[:10] if name == "blur" else fast_scans):
            true = _true_gain(model, reference, counts, truth)
            estimated = self_check(model, reference, counts, 3.0, seed=k)
            if abs(true) > 0.5:
                counted += 1
                agree += np.sign(true) == np.sign(estimated.gain_db)
    assert counted >= 20 and agree >= 0.9 * counted, (agree, counted)


def test_enhance_prints_the_check_and_if_worse_classical_writes_the_filter_output(tmp_path):
    from lowcount.cli import app
    from lowcount.models.weights import save_weights

    rng = np.random.default_rng(3)
    truth = np.full((2, 256, 128), 30.0) * (1 + np.sin(np.arange(128) / 6.0))[None, None, :]
    for name in ("a", "b"):
        np.save(tmp_path / f"{name}.npy", rng.poisson(truth / 3).astype(np.float32))
    from lowcount.models import build_model

    net = build_model("dncnn", depth=3, channels=4)  # residual learning: with zero weights, the identity
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
    extra = {"speed_factor": 3.0, "data": {"normalisation": "mean"}}
    weights = save_weights(net, tmp_path / "identity", "dncnn", {"depth": 3, "channels": 4}, extra=extra)
    args = ["enhance", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--model", str(weights), "--no-preview"]
    warned = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "warn")])
    assert warned.exit_code == 0, warned.output
    assert warned.output.count("estimated gain over gaussian") == 2 and "warning:" in warned.output
    replaced = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "classical"), "--if-worse", "classical"])
    assert replaced.exit_code == 0, replaced.output
    gaussian = ClassicalEnhancer.load(shipped.classical_card("gaussian"))
    written = np.load(tmp_path / "classical" / "a.npy")
    np.testing.assert_allclose(written, gaussian.enhance(np.load(tmp_path / "a.npy"), 3.0), rtol=1e-5, atol=1e-3)
    log = json.loads((tmp_path / "classical" / "enhance-log.json").read_text())
    assert [r["made_by"] for r in log] == ["gaussian (dncnn worse here)"] * 2 and log[0]["self_check"]["worse"]
    refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "refuse"), "--if-worse", "refuse"])
    assert refused.exit_code == 2 and "--if-worse refuse" in refused.output
    assert not (tmp_path / "refuse" / "a.npy").exists()
