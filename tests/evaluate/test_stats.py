"""Statistics against published worked examples and against other packages' outputs (values copied below)."""

import numpy as np
import pytest

from lowcount.evaluate.stats import anova, icc, mcnemar, mean_sd, wilcoxon

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)
# pingouin 0.7.0 intraclass_corr on that table: ICC and its 95 % CI (pingouin rounds the CI to 2 decimals).
PINGOUIN_ICC = {
    "ICC1": (0.1657417684, (-0.13, 0.72)),
    "ICC2": (0.2897637795, (0.02, 0.76)),
    "ICC3": (0.7148407148, (0.34, 0.95)),
    "ICC1k": (0.4427971337, (-0.88, 0.91)),
    "ICC2k": (0.6200505476, (0.07, 0.93)),
    "ICC3k": (0.9093155424, (0.68, 0.99)),
}
# Three groups of unequal variance drawn once with numpy (seed 12345) and rounded to 4 decimals.
GROUPS = {
    "a": [-1.4238, 1.2637, -0.8707, -0.2592, -0.0753, -0.7409, -1.3678, 0.6489, 0.3611, -1.9529, 2.3474, 0.9685],
    "b": [-1.4782, 3.5066, -0.6009, 0.6179, 3.1665, -2.97, 2.5276, 4.9969, 4.7669, -0.0991],
    "c": [
        2.4515,
        1.1892,
        1.9209,
        2.2247,
        1.3282,
        1.9592,
        2.8624,
        3.3091,
        2.3887,
        2.4143,
        1.5205,
        1.3953,
        1.2939,
        2.2708,
    ],
}
# scikit-posthocs 0.17.1 on GROUPS: posthoc_tamhane, and posthoc_ttest(pool_sd=True, p_adjust=None) (= Fisher's LSD).
TAMHANE_P = {("a", "b"): 0.335955, ("a", "c"): 0.000236, ("b", "c"): 0.886578}
LSD_P = {("a", "b"): 0.037431, ("a", "c"): 0.002493, ("b", "c"): 0.391559}


def test_icc_matches_shrout_fleiss_and_pingouin():
    result = icc(SHROUT_FLEISS)
    # the paper's own rounded values
    for kind, published in {
        "ICC1": 0.17,
        "ICC2": 0.29,
        "ICC3": 0.71,
        "ICC1k": 0.44,
        "ICC2k": 0.62,
        "ICC3k": 0.91,
    }.items():
        assert round(result[kind].value, 2) == published
    for kind, (value, (low, high)) in PINGOUIN_ICC.items():
        assert result[kind].value == pytest.approx(value, abs=1e-9)
        assert result[kind].ci95[0] == pytest.approx(low, abs=0.005)
        assert result[kind].ci95[1] == pytest.approx(high, abs=0.005)
    assert result["ICC3"].f_statistic == pytest.approx(11.027247956, abs=1e-6)
    assert result["ICC3"].p_value == pytest.approx(0.000134566, rel=1e-4)


def test_anova_matches_scipy_and_levene_picks_tamhane_for_unequal_variances():
    from scipy import stats

    result = anova(GROUPS)
    f, p = stats.f_oneway(*GROUPS.values())
    assert (result.f_statistic, result.p_value) == (pytest.approx(f), pytest.approx(p))
    assert (result.df_between, result.df_within) == (2, 33)
    assert not result.equal_variances and result.posthoc_method == "Tamhane T2"
    for (a, b), expected in TAMHANE_P.items():
        assert result.pair(a, b).p_value == pytest.approx(expected, abs=1e-6)


def test_lsd_matches_pooled_sd_t_tests_and_reduces_to_student_t_for_two_groups():
    from scipy import stats

    result = anova(GROUPS, posthoc="lsd")
    for (a, b), expected in LSD_P.items():
        assert result.pair(a, b).p_value == pytest.approx(expected, abs=1e-6)
    two = anova({"a": GROUPS["a"], "c": GROUPS["c"]}, posthoc="lsd")
    t = stats.ttest_ind(GROUPS["a"], GROUPS["c"], equal_var=True)
    assert two.pair("a", "c").statistic == pytest.approx(t.statistic)
    assert two.pair("a", "c").p_value == pytest.approx(t.pvalue)
    assert two.f_statistic == pytest.approx(t.statistic**2)


def test_equal_variances_get_lsd():
    rng = np.random.default_rng(0)
    result = anova({m: rng.normal(mu, 1.0, 30) for m, mu in (("x", 0.0), ("y", 0.3), ("z", 1.0))})
    assert result.equal_variances and result.posthoc_method == "LSD"
    assert result.pair("z", "x").mean_difference == pytest.approx(-result.pair("x", "z").mean_difference)


def test_mcnemar_matches_agresti_s_worked_example():
    """Agresti, Categorical Data Analysis: approval ratings 794/150/86/570, z^2 = 17.36."""
    first = np.array([1] * 794 + [1] * 150 + [0] * 86 + [0] * 570, bool)
    second = np.array([1] * 794 + [0] * 150 + [1] * 86 + [0] * 570, bool)
    chi2 = mcnemar(first, second, exact=False, correction=False)
    assert (chi2["b"], chi2["c"]) == (150, 86)
    assert chi2["statistic"] == pytest.approx(17.3559322, abs=1e-6)
    assert chi2["p_value"] == pytest.approx(
        3.0992934e-05, rel=1e-5
    )  # statsmodels 0.15 mcnemar(exact=False, correction=False)
    exact = mcnemar(first, second)
    assert exact["p_value"] == pytest.approx(3.7159361e-05, rel=1e-5)  # statsmodels mcnemar(exact=True)
    assert mcnemar(first, first)["p_value"] == 1.0


def test_wilcoxon_detects_a_consistent_paired_shift():
    rng = np.random.default_rng(1)
    before = rng.normal(30, 2, 20)
    _, p_shift = wilcoxon(before + 0.5 + rng.normal(0, 0.2, 20), before)
    _, p_none = wilcoxon(before + rng.normal(0, 0.2, 20), before)
    assert p_shift < 0.001 < p_none


ILL_CASES = [
    (lambda: anova({"a": [1.0, 2.0]}), "at least 2 groups"),
    (lambda: anova({"a": [1.0], "b": [1.0, 2.0]}), "at least 2 finite values"),
    (lambda: anova({"a": [1.0, 2.0], "b": [1.0, 2.0]}, posthoc="tukey"), "posthoc must be one of"),
    (lambda: icc(np.ones(5)), "targets >= 2"),
    (lambda: wilcoxon(np.ones(3), np.ones(4)), "same length"),
    (lambda: mcnemar(np.ones(3), np.ones(4)), "same length"),
]


@pytest.mark.parametrize("call, message", ILL_CASES)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mean_sd_formats_like_the_papers():
    assert mean_sd([0.90, 0.92, 0.94]) == "0.920 ± 0.020"
    assert mean_sd([np.nan, 1.0], digits=1) == "1.0 ± 0.0"
    assert mean_sd([]) == "n/a"
