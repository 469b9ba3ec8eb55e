"""The statistics the papers report: one-way ANOVA with post-hoc tests, paired tests, ICC, mean +/- SD.

- :func:`anova`: one-way ANOVA across methods (``scipy.stats.f_oneway``). Levene's test (centred on the
  mean, as SPSS does) decides the post-hoc comparison: Fisher's LSD (pairwise t with the ANOVA's pooled
  within-group variance, no multiplicity correction) when variances are equal, Tamhane's T2 (pairwise
  Welch t, Sidak-adjusted over all pairs) when they are not.
- :func:`wilcoxon`: Wilcoxon signed-rank test of paired per-patient values (``scipy.stats.wilcoxon``).
- :func:`mcnemar`: McNemar's test of paired binary decisions: exact (binomial on the discordant pairs)
  or chi-square with or without continuity correction.
- :func:`icc`: intraclass correlation of a targets x raters table, Shrout & Fleiss (1979) forms
  ICC(1,1), ICC(2,1) (two-way random, absolute agreement), ICC(3,1) (two-way mixed, consistency) and
  their k-rater averages, with F tests and 95 % confidence intervals (McGraw & Wong 1996).
- :func:`mean_sd`: "mean +/- SD" text as in the papers' tables.

scipy.stats is imported inside the functions (it is slow to import).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairwiseResult:
    first: str
    second: str
    mean_difference: float  # mean(first) - mean(second)
    statistic: float
    df: float
    p_value: float


@dataclass(frozen=True)
class AnovaResult:
    f_statistic: float
    p_value: float
    df_between: int
    df_within: int
    levene_statistic: float
    levene_p_value: float
    equal_variances: bool
    posthoc_method: str  # "LSD" or "Tamhane T2"
    posthoc: tuple[PairwiseResult, ...]

    def pair(self, first: str, second: str) -> PairwiseResult:
        for r in self.posthoc:
            if (r.first, r.second) == (first, second):
                return r
            if (r.second, r.first) == (first, second):
                return PairwiseResult(first, second, -r.mean_difference, -r.statistic, r.df, r.p_value)
        raise KeyError(f"no comparison of {first!r} with {second!r}")


def _groups(groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if len(groups) < 2:
        raise ValueError(f"ANOVA needs at least 2 groups, got {len(groups)}")
    out = {}
    for name, values in groups.items():
        values = np.asarray(values, np.float64).ravel()
        if values.size < 2 or not np.all(np.isfinite(values)):
            raise ValueError(f"group {name!r}: needs at least 2 finite values, got {values.size}")
        out[name] = values
    return out


POSTHOC = ("auto", "lsd", "tamhane")


def anova(groups: dict[str, np.ndarray], alpha: float = 0.05, posthoc: str = "auto") -> AnovaResult:
    """One-way ANOVA of ``groups`` ({method: per-image values}) with post-hoc pairwise comparisons.

    ``posthoc``: ``auto`` (Levene's test at ``alpha`` picks LSD or Tamhane's T2), ``lsd`` or ``tamhane``.
    """
    from scipy import stats

    if posthoc not in POSTHOC:
        raise ValueError(f"posthoc must be one of {POSTHOC}, got {posthoc!r}")
    groups = _groups(groups)
    values = list(groups.values())
    f, p = stats.f_oneway(*values)
    levene_w, levene_p = stats.levene(*values, center="mean")
    equal = bool(levene_p >= alpha)
    use_lsd = equal if posthoc == "auto" else posthoc == "lsd"
    n_total, k = sum(v.size for v in values), len(values)
    df_within = n_total - k
    mse_within = sum(((v - v.mean()) ** 2).sum() for v in values) / df_within
    pairs = list(itertools.combinations(groups, 2))
    results = []
    for a, b in pairs:
        x, y = groups[a], groups[b]
        diff = float(x.mean() - y.mean())
        if use_lsd:
            se = np.sqrt(mse_within * (1 / x.size + 1 / y.size))
            t, df = diff / se, float(df_within)
            p_pair = float(2 * stats.t.sf(abs(t), df))
        else:
            vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
            t = diff / np.sqrt(vx + vy)
            df = float((vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1)))
            p_raw = float(2 * stats.t.sf(abs(t), df))
            p_pair = float(min(1.0, 1.0 - (1.0 - p_raw) ** len(pairs)))
        results.append(PairwiseResult(a, b, diff, float(t), df, p_pair))
    return AnovaResult(
        float(f),
        float(p),
        k - 1,
        int(df_within),
        float(levene_w),
        float(levene_p),
        equal,
        "LSD" if use_lsd else "Tamhane T2",
        tuple(results),
    )


def wilcoxon(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """(statistic, two-sided p) of the Wilcoxon signed-rank test of paired values."""
    from scipy import stats

    first, second = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"paired values must be 1-D of the same length, got {first.shape} and {second.shape}")
    result = stats.wilcoxon(first, second)
    return float(result.statistic), float(result.pvalue)


def mcnemar(first: np.ndarray, second: np.ndarray, exact: bool = True, correction: bool = True) -> dict:
    """McNemar's test of two paired binary decisions per case (e.g. lesion found by method A / by B).

    Returns the discordant counts ``b`` (A yes, B no) and ``c`` (A no, B yes), the statistic (chi-square,
    or ``b`` for the exact test) and the two-sided p-value.
    """
    from scipy import stats

    first, second = np.asarray(first, bool), np.asarray(second, bool)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"paired decisions must be 1-D of the same length, got {first.shape} and {second.shape}")
    b, c = int(np.sum(first & ~second)), int(np.sum(~first & second))
    if b + c == 0:
        return {"b": b, "c": c, "statistic": 0.0, "p_value": 1.0, "method": "no discordant pairs"}
    if exact:
        p = stats.binomtest(b, b + c, 0.5).pvalue
        return {"b": b, "c": c, "statistic": float(b), "p_value": float(p), "method": "exact binomial"}
    chi2 = (abs(b - c) - (1.0 if correction else 0.0)) ** 2 / (b + c)
    method = "chi-square, continuity-corrected" if correction else "chi-square"
    return {"b": b, "c": c, "statistic": float(chi2), "p_value": float(stats.chi2.sf(chi2, 1)), "method": method}


@dataclass(frozen=True)
class ICCResult:
    kind: str  # ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k
    value: float
    f_statistic: float
    df1: int
    df2: int
    p_value: float
    ci95: tuple[float, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ci95", (float(self.ci95[0]), float(self.ci95[1])))
        object.__setattr__(self, "value", float(self.value))


def icc(ratings: np.ndarray) -> dict[str, ICCResult]:
    """All six Shrout & Fleiss ICCs of a (targets, raters) table without missing values."""
    from scipy import stats

    x = np.asarray(ratings, np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"ratings must be a finite (targets >= 2, raters >= 2) table, got shape {x.shape}")
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    ss_error = ss_total - ss_rows - ss_cols
    msr, msc = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    msw = (ss_cols + ss_error) / (n * (k - 1))
    alpha = 0.05
    out: dict[str, ICCResult] = {}

    # ICC(1): one-way random
    f1 = msr / msw
    df1, df2 = n - 1, n * (k - 1)
    fl, fu = f1 / stats.f.ppf(1 - alpha / 2, df1, df2), f1 * stats.f.ppf(1 - alpha / 2, df2, df1)
    p1 = float(stats.f.sf(f1, df1, df2))
    out["ICC1"] = ICCResult("ICC1", (msr - msw) / (msr + (k - 1) * msw), f1, df1, df2, p1,
                            ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)))  # fmt: skip
    out["ICC1k"] = ICCResult("ICC1k", (msr - msw) / msr, f1, df1, df2, p1, (1 - 1 / fl, 1 - 1 / fu))

    # ICC(3): two-way mixed, consistency
    f3 = msr / mse
    df2_3 = (n - 1) * (k - 1)
    fl, fu = f3 / stats.f.ppf(1 - alpha / 2, df1, df2_3), f3 * stats.f.ppf(1 - alpha / 2, df2_3, df1)
    p3 = float(stats.f.sf(f3, df1, df2_3))
    out["ICC3"] = ICCResult("ICC3", (msr - mse) / (msr + (k - 1) * mse), f3, df1, df2_3, p3,
                            ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)))  # fmt: skip
    out["ICC3k"] = ICCResult("ICC3k", (msr - mse) / msr, f3, df1, df2_3, p3, (1 - 1 / fl, 1 - 1 / fu))

    # ICC(2): two-way random, absolute agreement; CI with Satterthwaite's degrees of freedom
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    a, b = k * icc2 / (n * (1 - icc2)), 1 + k * icc2 * (n - 1) / (n * (1 - icc2))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    fs, fi = stats.f.ppf(1 - alpha / 2, n - 1, v), stats.f.ppf(1 - alpha / 2, v, n - 1)
    low = n * (msr - fs * mse) / (fs * (k * msc + (k * n - k - n) * mse) + n * msr)
    high = n * (fi * msr - mse) / (k * msc + (k * n - k - n) * mse + n * fi * msr)
    out["ICC2"] = ICCResult("ICC2", icc2, f3, df1, df2_3, p3, (low, high))
    icc2k = (msr - mse) / (msr + (msc - mse) / n)
    out["ICC2k"] = ICCResult(
        "ICC2k", icc2k, f3, df1, df2_3, p3, (low * k / (1 + low * (k - 1)), high * k / (1 + high * (k - 1)))
    )
    return out


def mean_sd(values, digits: int = 3) -> str:
    """'mean +/- SD' (sample SD, ddof 1) of finite values, e.g. '0.912 ± 0.021'."""
    values = np.asarray(values, np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "n/a"
    sd = values.std(ddof=1) if values.size > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {sd:.{digits}f}"
