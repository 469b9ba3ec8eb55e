"""EMANet's blocks and networks: shapes on odd sizes, the attention's geometry, ablation switches, refusals."""

import pytest
import torch

from lowcount.models.coordinate_attention import CoordinateAttention
from lowcount.models.emanet import EMANet, NoiseLevelEstimator
from lowcount.models.emanet_blocks import (
    MD_DILATIONS,
    AttentionGate,
    DecoderFusion,
    DenseResidualBlock,
    MultiscaleDilatedBlock,
)


@pytest.mark.parametrize("axis", [2, 3])
def test_coordinate_attention_gates_vary_along_rows_and_columns_only(axis):
    torch.manual_seed(0)
    attention = CoordinateAttention(6, reduction=2).eval()
    profile = torch.rand(1, 6, 11, 1) if axis == 2 else torch.rand(1, 6, 1, 7)
    x = profile.expand(1, 6, 11, 7).contiguous()  # varies only along ``axis``
    with torch.no_grad():
        row_gate, column_gate = attention.gates(x)
        y = attention(x)
    assert row_gate.shape == (1, 6, 11, 1) and column_gate.shape == (1, 6, 1, 7)
    varying, flat = (row_gate, column_gate) if axis == 2 else (column_gate, row_gate)
    assert varying.std(dim=axis).min() > 1e-4  # the gate follows the input along its axis...
    torch.testing.assert_close(flat, flat.mean(dim=5 - axis, keepdim=True).expand_as(flat))  # ...and is flat across
    other = 5 - axis
    torch.testing.assert_close(y, y.mean(dim=other, keepdim=True).expand_as(y))  # the output stays 1-D
    assert ((row_gate > 0) & (row_gate < 1)).all() and ((column_gate > 0) & (column_gate < 1)).all()


def test_blocks_keep_or_halve_odd_sizes():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 13, 9)
    assert DenseResidualBlock(3, 5)(x).shape == (2, 5, 13, 9)
    assert DenseResidualBlock(3, 5, layers=1, growth=2, attention=False)(x).shape == (2, 5, 13, 9)
    assert MultiscaleDilatedBlock(3, 4, (2, 3, 5))(x).shape == (2, 4, 6, 4)
    pooled, wide = torch.rand(2, 4, 7, 5), torch.rand(2, 4, 7, 5)
    assert AttentionGate(4)(pooled, wide).shape == (2, 4, 7, 5)
    assert AttentionGate(4, inputs=1)(pooled).shape == (2, 4, 7, 5)
    assert DecoderFusion(8, 4)(torch.rand(2, 8, 7, 5), torch.rand(2, 4, 13, 9)).shape == (2, 4, 13, 9)


@pytest.mark.parametrize(
    "flags",
    [{}, {"rdc": False}, {"md": False}, {"rcag": False}, {"cf": False}, {"md": False, "rcag": False}],
)
def test_backbone_ablations_drop_their_module_and_keep_the_shape(flags):
    torch.manual_seed(0)
    model = EMANet(channels=(4, 8, 16, 32), **flags).eval()
    kinds = {type(m).__name__ for m in model.modules()}
    for flag, kind in (("rdc", "DenseResidualBlock"), ("md", "MultiscaleDilatedBlock"), ("rcag", "AttentionGate")):
        assert (kind in kinds) == flags.get(flag, True), (flag, kinds)
    assert ("DecoderFusion" in kinds) == flags.get("cf", True)
    x = torch.rand(2, 2, 3 * model.stride, 5 * model.stride)
    with torch.no_grad():
        assert model(x).shape == (2, 1, *x.shape[2:])


def test_md_blocks_use_the_papers_dilation_sets_from_shallow_to_deep():
    model = EMANet()
    rates = [tuple(branch[0].dilation[0] for branch in md.branches) for md in model.mds]
    assert rates == list(MD_DILATIONS) == [(5, 7, 9), (4, 5, 6), (2, 3, 5)]
    assert model.stride == 8 and model.in_channels == 2


def test_backbone_output_is_the_input_minus_the_predicted_noise():
    torch.manual_seed(0)
    model = EMANet(channels=(4, 8)).eval()
    x = torch.rand(1, 2, 10, 6)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.fill_(0.25)  # a network that predicts a constant noise of 0.25
        torch.testing.assert_close(model(x), x[:, :1] - 0.25)


def test_noise_estimator_gives_one_logit_per_level_and_a_level_within_range():
    torch.manual_seed(0)
    estimator = NoiseLevelEstimator((4, 8, 16), levels=50).eval()
    x = torch.rand(3, 1, 5 * estimator.stride, 3 * estimator.stride)
    with torch.no_grad():
        logits = estimator(x)
    assert logits.shape == (3, 50)
    levels = estimator.level(logits)
    assert ((levels >= 1) & (levels <= 50)).all()
    certain = torch.full((2, 50), -1e4)
    certain[0, 6], certain[1, 41] = 1e4, 1e4  # classes 7 and 42
    torch.testing.assert_close(estimator.level(certain), torch.tensor([7.0, 42.0]))


ILL_CASES = [
    (lambda: CoordinateAttention(0), "channels"),
    (lambda: CoordinateAttention(8, reduction=0), "reduction"),
    (lambda: DenseResidualBlock(3, 4, layers=0), "layers"),
    (lambda: DenseResidualBlock(3, 4, growth=0), "growth"),
    (lambda: MultiscaleDilatedBlock(3, 4, (3,)), "dilations"),
    (lambda: MultiscaleDilatedBlock(3, 4, (0, 2)), "dilations"),
    (lambda: AttentionGate(4, inputs=0), "inputs"),
    (lambda: AttentionGate(4)(torch.rand(1, 4, 4, 4)), "2 inputs"),
    (lambda: DecoderFusion(0, 4), "channels"),
    (lambda: EMANet(channels=(4,)), "levels"),
    (lambda: EMANet(channels=(4, 8, 16, 32, 64)), "levels"),
    (lambda: EMANet(in_channels=3), "in_channels"),
    (lambda: EMANet(channels=(4, 8))(torch.rand(1, 1, 8, 8)), r"\(B, 2"),
    (lambda: EMANet(channels=(4, 8, 16))(torch.rand(1, 2, 12, 10)), "multiples of 4"),
    (lambda: NoiseLevelEstimator(levels=1), "levels"),
    (lambda: NoiseLevelEstimator(channels=(4, 0)), "positive"),
]


@pytest.mark.parametrize("case, match", ILL_CASES)
def test_ill_arguments_raise_a_clear_error(case, match):
    with pytest.raises(ValueError, match=match):
        case()
