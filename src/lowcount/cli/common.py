"""What every command shares: turning library errors into a clear message and exit code 2."""

from __future__ import annotations

import contextlib

import typer


@contextlib.contextmanager
def exit_on(*errors: type[Exception]):
    """Report ``errors`` raised inside as ``error: <message>`` on stderr and exit with code 2.

    Library errors already name the file, the field and the fix, so the message is printed as it is.
    """
    try:
        yield
    except errors as exc:
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
