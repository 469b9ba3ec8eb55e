"""The EMANet paper's Table 6 on the phantom: each noise estimator's mean estimate and RMSE per true level.

Views of a cohort's held-out patients get Poisson noise at each test level (lowcount.data.noise_level_samples,
the noise on the phantom's truth when the cohort has it, else on the standard scans, whose own level then
sets a floor), and HBNE, DWTNE (lowcount.data.noise_level) and, given its weights, the trained network
(lowcount.inference.noise_estimate.NetworkLevel) estimate every view. Rows are per test level and phantom
family, the label being the level of the image as the estimators see it (the drawn level re-mapped to the
noisy image's own peak; within a few per cent of it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _families(manifest: Path, role: str) -> list[str]:
    """The phantom family of each patient of ``role`` in the datasets' order, from the cohort's patients.csv
    (``lowcount simulate``); 'unknown' for a cohort without one."""
    import csv

    from lowcount.io.manifest import read_manifest, select_patients

    table = manifest.parent / "patients.csv"
    known = {}
    if table.is_file():
        with table.open(newline="") as handle:
            known = {row["patient_id"]: row.get("family", "unknown") for row in csv.DictReader(handle)}
    return [known.get(pid, "unknown") for pid in select_patients(read_manifest(manifest), role, None)]


def noise_level_table(
    data_dir: str | Path,
    network: str | Path | None = None,
    role: str = "test",
    base: str = "auto",
    levels: tuple[int, ...] = (5, 10, 15, 20, 25, 30, 35, 40),
    seed: int = 0,
    device: str | None = None,
) -> list[dict]:
    """Rows {family, level, views, label, <method>_mean, <method>_rmse} for hbne, dwtne and (with
    ``network``) the network, per family and level, then over all families ('all')."""
    from lowcount.data.config import DataConfig
    from lowcount.data.noise_level import ESTIMATORS
    from lowcount.data.noise_level_samples import NoiseLevelSamples
    from lowcount.inference.noise_estimate import NetworkLevel
    from lowcount.io.manifest import manifest_path, read_manifest
    from lowcount.io.truth import cohort_has_truth

    manifest = manifest_path(data_dir)
    if base == "auto":
        base = "truth" if cohort_has_truth(read_manifest(manifest), manifest) else "standard"
    cfg = DataConfig(pairs="emanet")
    samples = NoiseLevelSamples(manifest, role, cfg, None, seed, test_levels=levels, base=base, train=False)
    methods = dict(ESTIMATORS)
    if network is not None:
        methods["network"] = NetworkLevel(network, device)
    family_of_view = [family for family in _families(manifest, role) for _ in cfg.views]
    records = []
    for index in range(len(samples)):
        item = samples[index]
        image = item["input"][0] * np.float32(255.0)
        record = {"family": family_of_view[index // len(levels)], "level": levels[index % len(levels)]}
        record["label"] = float(item["level"])
        record.update({name: float(estimate(image)) for name, estimate in methods.items()})
        records.append(record)
    return _summarise(records, list(methods), levels)


def _summarise(records: list[dict], methods: list[str], levels: tuple[int, ...]) -> list[dict]:
    rows = []
    families = sorted({r["family"] for r in records})
    for family in [*families, "all"] if len(families) > 1 else families:
        for level in levels:
            chosen = [r for r in records if r["level"] == level and family in (r["family"], "all")]
            label = np.array([r["label"] for r in chosen])
            row = {"family": family, "level": level, "views": len(chosen), "label": float(label.mean())}
            for name in methods:
                estimate = np.array([r[name] for r in chosen])
                row[f"{name}_mean"] = float(estimate.mean())
                row[f"{name}_rmse"] = float(np.sqrt(np.mean((estimate - label) ** 2)))
            rows.append(row)
    return rows
