"""On every scan it enhances, is the model better than a classical filter? An estimate from that scan alone.

The fast scan's own counts are split binomially (lowcount.evaluate.truth_free): a fraction ``p`` goes to the
model and to the reference filter (the shipped Gaussian tuned for fast scans), the other 1 - p is an
independent target. The gain of the model over the filter, 10 log10 of the ratio of their estimated squared
errors against the unknown truth, comes with a 95 % interval from a bootstrap over tiles of both views.

``p`` trades the count level the methods see (a 3x scan becomes a 3/p x one) against the target's noise,
which the ratio divides by. p = 2/3 was chosen on phantom 3x scans (seeds 940-947, used for nothing else):
there the shipped SE-UNet's true gain of +1.3 to +2.8 dB was estimated +2.6 to +3.8 dB and a blurring
network's -3.9 to -4.6 dB as -3.1 to -4.0 dB, with intervals about 2 dB wide; p = 0.9 kept the level but
left intervals 10 to 15 dB wide, p = 0.5 narrow ones about a model at twice the speed factor.

``lowcount enhance --if-worse`` decides what happens when the interval lies below 0 (the model is worse on
this scan): ``warn`` (default: a warning naming the file), ``classical`` (the filter's output is written
instead, and the derived series says so) or ``refuse`` (nothing is written for that input).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POLICIES = ("warn", "classical", "refuse")


@dataclass(frozen=True)
class SelfCheck:
    """The estimated gain (dB) of the model over ``reference`` on one scan, and its 95 % interval."""

    gain_db: float
    low_db: float
    high_db: float
    reference: str
    input_fraction: float

    @property
    def worse(self) -> bool:
        """The whole interval lies below 0: on this scan the model is worse than the filter."""
        return self.high_db < 0

    def line(self) -> str:
        return (
            f"estimated gain over {self.reference} on this scan: {self.gain_db:+.1f} dB "
            f"(95% interval {self.low_db:+.1f}..{self.high_db:+.1f})"
        )

    def as_dict(self) -> dict:
        return {
            "gain_db": self.gain_db,
            "low_db": self.low_db,
            "high_db": self.high_db,
            "reference": self.reference,
            "input_fraction": self.input_fraction,
            "worse": self.worse,
        }


def self_check(
    enhancer, reference, counts: np.ndarray, speed_factor: float, input_fraction: float = 2 / 3, seed: int = 0
) -> SelfCheck:
    """The gain of ``enhancer`` over ``reference`` (both with ``enhance(counts, k)``) on the (views, rows, cols)
    fast-scan ``counts`` of speed factor k, estimated by splitting them (see the module docstring)."""
    from lowcount.evaluate.truth_free import error_terms, paired_gain_db, scoring_region, split_scan

    views = np.asarray(counts, np.float32).reshape(-1, *np.shape(counts)[-2:])
    rng = np.random.default_rng([seed, 7])
    a, b = zip(*(split_scan(view, input_fraction, rng) for view in views), strict=True)
    a, b = np.stack(a), np.stack(b)
    k = speed_factor / input_fraction  # the input is a scan k times faster than standard
    model, filtered = enhancer.enhance(a, k), reference.enhance(a, k)
    q = 1.0 - input_fraction
    mask = np.concatenate([scoring_region(view, input_fraction) for view in a])
    model_terms = np.concatenate(list(error_terms(model, b, q, speed_factor)))
    filter_terms = np.concatenate(list(error_terms(filtered, b, q, speed_factor)))
    gain, low, high = paired_gain_db(model_terms, filter_terms, mask, rng)
    return SelfCheck(gain, low, high, reference.label, input_fraction)
