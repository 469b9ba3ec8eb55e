"""The one table printer of the command line: markdown (for docs/benchmarks.md) or aligned plain text."""

from __future__ import annotations

from dataclasses import dataclass

STYLES = ("markdown", "plain")


@dataclass(frozen=True)
class Column:
    """A column: the row key, its title and a format spec (``.2f``; empty: ``str``). None prints as ``-``."""

    key: str
    title: str
    spec: str = ""


def cell(value, spec: str = "") -> str:
    """One formatted value; None (not measured) prints as ``-``."""
    if value is None:
        return "-"
    return format(value, spec) if spec else str(value)


def render(rows: list[dict], columns: list[Column], style: str = "markdown") -> str:
    """The table of ``rows`` (dicts; a missing key is ``-``) as text without a trailing newline.

    ``markdown``: ``| a | b |`` rows under a ``|---|`` rule. ``plain``: every column right-aligned to its widest
    cell, two spaces apart.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    cells = [[cell(row.get(c.key), c.spec) for c in columns] for row in rows]
    titles = [c.title for c in columns]
    if style == "markdown":
        lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(columns)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells])
    widths = [max(len(t), *(len(r[i]) for r in cells)) if cells else len(t) for i, t in enumerate(titles)]
    return "\n".join("  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)) for line in [titles, *cells])
