"""``lowcount index``, ``lowcount info`` and ``lowcount estimate-noise``: a site's own whole-body files, as
lowcount reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowcount.cli.common import View, exit_on


def index(
    folder: Annotated[
        Path, typer.Argument(help="Folder holding the exported whole-body NM files (searched recursively).")
    ],
    out: Annotated[Path, typer.Option(help="Manifest to write (e.g. site/manifest.csv); paths become relative to it.")],
    split: Annotated[
        str, typer.Option(help="test (every patient, for evaluation) or auto (train/val/test 8:1:1).")
    ] = "test",
    seed: Annotated[int, typer.Option(help="Seed of the auto split.")] = 0,
) -> None:
    """Index a site's own whole-body DICOM files into a manifest (standard = the slowest scan per patient)."""
    from lowcount.io.index import write_index

    with exit_on():
        result, manifest = write_index(folder, out, split, seed)
    for problem in result.skipped:
        typer.echo(f"skipped: {problem}", err=True)
    names = sorted({row["acquisition"] for row in result.rows})
    typer.echo(
        f"indexed {len(result.rows)} acquisitions of {result.patients} patients ({', '.join(names)}): {manifest}"
    )


def info(
    files: Annotated[list[Path], typer.Argument(help="NM file(s) of one acquisition.")], view: View = None
) -> None:
    """Read a whole-body NM acquisition and report how lowcount sees it (no patient identifiers)."""
    from lowcount.io.dicom import describe_scan, read_wholebody

    with exit_on():
        scan = read_wholebody(files, view=view)
    for line in describe_scan(scan):
        typer.echo(line)


def estimate_noise(
    files: Annotated[
        list[Path], typer.Argument(help="Whole-body NM files, single views or PNG/TIFF/NPY count images.")
    ],
    method: Annotated[
        str,
        typer.Option(help="dwtne (Haar diagonal band, MAD), hbne (histogram of block deviations) or network."),
    ] = "dwtne",
    model: Annotated[
        Path | None, typer.Option(help="With --method network: the noise-level estimator's run folder or weights.")
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda or cuda:N (--method network).")] = None,
) -> None:
    """Print the EMANet noise level (lowcount.data.noise_level) of every view of every file."""
    from lowcount.cli.table import Column, render
    from lowcount.inference.noise_estimate import estimate_file_levels

    with exit_on():
        rows = estimate_file_levels(files, method, model, device)
    columns = [
        Column("file", "file"),
        Column("view", "view"),
        Column("method", "method"),
        Column("level", "level", ".2f"),
    ]
    typer.echo(render(rows, columns, "plain"))
