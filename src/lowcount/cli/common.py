"""What every command shares: turning library errors into a clear message and exit code 2."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

View = Annotated[
    str | None,
    typer.Option(
        help="anterior or posterior: the view of a single-view file (e.g. a Secondary Capture) that does not say."
    ),
]


@contextlib.contextmanager
def exit_on(*errors: type[Exception]):
    """Report lowcount's errors (ValueError and its kinds: ConfigError, DicomInputError, ManifestError, and
    ``errors``) and file-system errors as ``error: <message>`` on stderr and exit with code 2, never a traceback.

    Library errors already name the file, the field and the fix, so the message is printed as it is; an
    OSError (a read-only or full disk, a missing folder) is said with its file and what to check.
    """
    try:
        yield
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(
            f"error: {where}{exc.strerror or exc}; check that the folder exists and is writable and that the disk "
            "has space",
            err=True,
        )
        raise typer.Exit(code=2) from exc
    except (ValueError, *errors) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def numbers(text: str, option: str) -> tuple[float, ...]:
    """Comma-separated numbers such as ``2,3`` (a bad item is named with its option)."""
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"{option} takes comma-separated numbers such as 2,3; got {text!r}") from exc


def assignments(items: list[str] | None, option: str) -> dict:
    """``name=value`` items (values in YAML) as a dict, e.g. ``--param sigma_px=1.5``."""
    import yaml

    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{option} {item!r}: write name=value, e.g. {option} sigma_px=1.5")
        out[name.strip()] = yaml.safe_load(value)
    return out
