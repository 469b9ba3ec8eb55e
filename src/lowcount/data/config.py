"""The ``data:`` section of a training config: which scans make the samples and how.

Pairs come in five kinds (``pairs``): ``acquired`` (real fast and standard scans of one patient,
registered), ``thinned`` (the standard scan thinned binomially by ``thin_factor``), ``split`` (the standard
scan split binomially into a 1/k input and the complementary target), ``emanet`` (EMANet's noise levels
on the standard scan) and ``self`` (input = target, for the feature auto-encoder).
"""

from __future__ import annotations

from dataclasses import dataclass

PAIRS = ("acquired", "thinned", "split", "emanet", "self")
VIEW_INDEX = {"anterior": 0, "posterior": 1}


@dataclass(frozen=True)
class DataConfig:
    """How scans become samples (the ``data:`` section of a training config).

    Attributes:
        fast: acquisition used as network input (``fast3x``...); its speed factor comes from the manifest.
        target: acquisition used as target (``standard``).
        pairs: ``acquired`` (the real fast scan), ``thinned`` (binomial thinning of the target by
            ``thin_factor``, drawn anew each epoch), ``split`` (the target scan split binomially into a 1/k
            input and the complementary (k-1)/k counts, rescaled by k/(k-1), as the target: two independent
            Poisson scans of the same instant, aligned to the pixel; trains from standard scans alone, and the
            squared-error loss then converges to the noiseless image), ``emanet`` (EMANet noise levels 1-50 on
            the target) or ``self`` (input = target: fitting the feature auto-encoder of the perceptual loss).
        thin_factor: k for ``thinned`` and ``split`` pairs.
        thin_factor_range: (low, high): ``thinned`` and ``split`` pairs draw k per sample, log-uniformly in
            this range, instead of using ``thin_factor``: one model for a range of speed factors.
        level_channel: give the network a second input channel holding the scan's count level, the
            relative Poisson noise of a pixel at unit value, ``sqrt(gain / counts_per_unit)`` (with ``mean``
            normalisation: one over the root of the input's mean counts per pixel); the model needs
            ``in_channels: 2``.
        consistency: ``speed`` (target left at its own level; input multiplied by k) or ``total``
            (target rescaled so its total equals k x the input's).
        register: align each acquired standard scan to its fast scan (global + patch-wise shifts). The target
            is warped, never the input: interpolation averages neighbouring pixels and would leave the input
            less noisy than the raw fast scans the model meets in use.
        normalisation: ``mean``, ``percentile`` or ``fixed`` (see lowcount.data.normalise).
        fixed_counts_per_unit: for ``fixed``.
        patch: training patch (rows, cols); None trains on whole images.
        patches_per_image: training samples drawn from each image per epoch.
        flip_probability, max_shift_px: augmentation of training samples.
        exclude_bladder: weight 0 on the bladder in the returned ``weight`` map.
        views: which views make samples.
        target_shape: network grid for whole images; None keeps the native size.
        stride: whole images are padded to a multiple of this.
    """

    fast: str = "fast3x"
    target: str = "standard"
    pairs: str = "acquired"
    thin_factor: float = 3.0
    thin_factor_range: tuple[float, float] | None = None
    level_channel: bool = False
    consistency: str = "speed"
    register: bool = True
    normalisation: str = "mean"
    fixed_counts_per_unit: float | None = None
    patch: tuple[int, int] | None = (192, 192)
    patches_per_image: int = 4
    flip_probability: float = 0.5
    max_shift_px: int = 8
    exclude_bladder: bool = True
    views: tuple[str, ...] = ("anterior", "posterior")
    target_shape: tuple[int, int] | None = (1024, 256)
    stride: int = 16

    def __post_init__(self) -> None:
        if self.pairs not in PAIRS:
            raise ValueError(f"pairs must be one of {PAIRS}, got {self.pairs!r}")
        if self.consistency not in ("speed", "total"):
            raise ValueError(f"consistency must be 'speed' or 'total', got {self.consistency!r}")
        if not self.thin_factor >= 1.0:
            raise ValueError(f"thin_factor must be >= 1, got {self.thin_factor}")
        if self.pairs == "split" and not self.thin_factor > 1.0:
            raise ValueError(f"split pairs leave no counts for the target at thin_factor {self.thin_factor}; use > 1")
        if self.thin_factor_range is not None:
            low, high = self.thin_factor_range
            if self.pairs not in ("thinned", "split"):
                raise ValueError(f"thin_factor_range applies to thinned and split pairs, not {self.pairs!r}")
            if not (1.0 < low <= high):
                raise ValueError(f"thin_factor_range needs 1 < low <= high, got {self.thin_factor_range}")
        unknown = set(self.views) - set(VIEW_INDEX)
        if unknown or not self.views:
            raise ValueError(f"views must be a non-empty subset of {sorted(VIEW_INDEX)}, got {self.views}")
        if self.patches_per_image < 1:
            raise ValueError(f"patches_per_image must be >= 1, got {self.patches_per_image}")
        if self.patch is not None and min(self.patch) < 8:
            raise ValueError(f"patch must be at least 8 x 8, got {self.patch}")
