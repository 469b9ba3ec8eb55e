"""One table for several phantom families: each method's truth-based figures and its gain over the best
classical filter, against the truth and by the truth-free estimate, per family of test patients.

``truth_rows`` condenses a written report (lowcount.evaluate.report) into the figures the table shows and the
paired gain of every method over the best of the named classical filters (per patient, mean PSNR over the
views; 95 % bootstrap interval over patients, lowcount.evaluate.truth_free_report.summary). ``markdown``
renders {family: {"truth": rows, "truth_free": {method: summary row}}} as a Markdown table; ``lowcount
demo`` and ``lowcount bench cross-domain`` both use it.
"""

from __future__ import annotations

import csv
from pathlib import Path

TRUTH_FIGURES = ("psnr_vs_truth_db", "lesion_max_ratio_median", "lesions_lost", "created_hot_spots_per_view")
GAIN_FIELDS = ("gain_db", "gain_low", "gain_high", "reference")


def truth_rows(report: Path, headline: dict, classical: list[str]) -> dict[str, dict]:
    """Per method of ``headline`` (a report's headline numbers): its figures and the paired gain over the
    best of the ``classical`` methods against the truth, from the report's ``tables/views.csv``."""
    from lowcount.evaluate import truth_free_report

    with open(report / "tables" / "views.csv", newline="") as fh:
        views = list(csv.DictReader(fh))
    per_patient: dict[tuple[str, str], list[float]] = {}
    for row in views:
        per_patient.setdefault((row["method"], row["patient"]), []).append(float(row["truth_psnr"]))
    rows = [{"method": m, "patient": p, "psnr_db": sum(v) / len(v)} for (m, p), v in per_patient.items()]
    summary = {row["method"]: row for row in truth_free_report.summary(rows, classical)}
    return {
        name: {**{k: headline[name].get(k) for k in TRUTH_FIGURES}, **{k: summary[name].get(k) for k in GAIN_FIELDS}}
        for name in headline
    }


def number(value, digits: int = 2, signed: bool = False) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def gain(row: dict | None) -> str:
    """``+1.23 (+0.50..+1.90)``: a gain and its 95 % interval, or n/a."""
    if not row or row.get("gain_db") is None:
        return "n/a"
    low, high = (number(row[key], signed=True) for key in ("gain_low", "gain_high"))
    return f"{number(row['gain_db'], signed=True)} ({low}..{high})"


def markdown(scores: dict[str, dict], truth_free_label: str = "truth-free gain, k 3", skip: tuple[str, ...] = ()):
    """The table: one row per method and test family; the methods named in ``skip`` and the classical filters
    other than each family's best (those in the family's ``classical`` list, or named ``... (tuned on the
    other half)``) are left out: they are in the reports."""
    lines = [
        f"| method | tested on | PSNR vs truth (dB) | gain over best filter, truth (dB, 95 %) | {truth_free_label} "
        "(dB, 95 %) | lesion max ratio | lesions lost | created hot spots / view |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for family, family_scores in scores.items():
        free = family_scores.get("truth_free", {})
        filters = set(family_scores.get("classical", ()))
        for name, row in family_scores["truth"].items():
            is_filter = name in filters or name.endswith("(tuned on the other half)")
            other_filter = is_filter and name != row["reference"]
            if name in skip or other_filter:
                continue
            lines.append(
                f"| {name} | {family} | {number(row['psnr_vs_truth_db'])} | {gain(row)} | {gain(free.get(name))} | "
                f"{number(row['lesion_max_ratio_median'], 3)} | {row['lesions_lost']} | "
                f"{number(row['created_hot_spots_per_view'])} |"
            )
    return "\n".join(lines) + "\n"
