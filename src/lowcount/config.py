"""YAML configuration into frozen dataclasses.

A config file has one section per subpackage (``phantom:``, later ``data:``, ``model:``, ``train:``...).
Each section is built into its dataclass; nested dataclasses nest in YAML; lists become tuples; an
unknown key or section, and a value of the wrong type, is an error that names the key, its section and the
file.
"""

from __future__ import annotations

import dataclasses
import itertools
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration that cannot be built; the message names the file, the key and the fix."""


def from_dict(cls: type[T], data: dict[str, Any] | None, where: str = "config", context: str = "") -> T:
    """Build dataclass ``cls`` from a plain dict, recursing into nested dataclass fields; ``context`` is added
    to the message of an unknown key (e.g. `` for train.method gan``).

    Every value is checked against its field's type: a whole number for ``int`` (``true`` and ``2.5`` are
    not), a number for ``float`` (YAML 1.1 strings such as ``1.5e6`` are read as numbers), ``true``/``false``
    for ``bool``, text for ``str``, a list of the right length and kinds for a tuple, a mapping for ``dict``.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of keys to values, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}{context}; allowed keys are {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {name: _convert(value, hints[name], f"{where}.{name}") for name, value in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{where}: {exc}") from exc


def _kind(hint: Any) -> str:
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "text", dict: "a mapping"}
    if hint in names:
        return names[hint]
    if typing.get_origin(hint) is tuple:
        return "a list"
    return getattr(hint, "__name__", str(hint))


def _convert(value: Any, hint: Any, where: str) -> Any:
    """``value`` checked against ``hint`` (lists become tuples); a ConfigError names ``where`` otherwise."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:  # X | None: X's own message says more
            return _convert(value, options[0], where)
        for option in options:
            try:
                return _convert(value, option, where)
            except ConfigError:
                continue
        expected = " or ".join([_kind(o) for o in options] + (["null"] if type(None) in args else []))
        raise ConfigError(f"{where}: must be {expected}, got {value!r}")
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if hint is bool or hint is int or hint is str:
        if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
            return value
        raise ConfigError(f"{where}: must be {_kind(hint)}, got {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):  # YAML 1.1 reads 1.5e6 (no dot before the e) as text
            try:
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: must be a number, got {value!r}")
    if hint is dict or origin is dict:
        if isinstance(value, dict):
            return value
        raise ConfigError(f"{where}: must be a mapping, got {value!r}")
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(f"{where}: must be a list of {len(args)} values, got {value!r}")
        return tuple(_convert(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True)))
    return value


def read_yaml(path: str | Path) -> dict:
    """The top-level mapping of a YAML config file (sections by name)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections such as 'phantom:' or 'model:'")
    return data


def load_section(path: str | Path, section: str, cls: type[T]) -> T:
    """Read ``section`` of YAML file ``path`` into ``cls`` (missing section gives the defaults); any other
    section is an error, so a misspelt one is never silently ignored."""
    sections = read_yaml(path)
    others = sorted(set(sections) - {section})
    if others:
        raise ConfigError(f"{path}: unknown section(s) {others}; this file takes a {section!r} section only")
    return from_dict(cls, sections.get(section), f"{path}:{section}")


def recipes_dir() -> Path:
    """The folder of lowcount's own configs (package data: ``lowcount/configs``), wherever it is installed."""
    from importlib.resources import files

    return Path(str(files("lowcount") / "configs"))


def recipe_names() -> list[str]:
    """Names of the shipped configs, e.g. ``se_unet``, ``shipped/se_lite_cyclegan``, ``phantom``."""
    root = recipes_dir()
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.yaml"))


def recipe_path(name: str | Path) -> Path:
    """A config file: ``name`` itself when it is an existing file, else the shipped config of that name
    (``se_unet`` or ``se_unet.yaml``; ``shipped/se_unet``).

    Raises:
        ConfigError: neither a file nor a shipped config; the message lists the shipped ones.
    """
    path = Path(name)
    if path.is_file():
        return path
    shipped = recipes_dir() / Path(str(name).removesuffix(".yaml")).with_suffix(".yaml")
    if shipped.is_file() and not path.is_absolute():
        return shipped
    raise ConfigError(
        f"{name}: no such config file, and no shipped config of that name; shipped: {', '.join(recipe_names())} "
        "(`lowcount configs show NAME > my.yaml` copies one to edit)"
    )


def recipe_summaries() -> list[dict[str, str]]:
    """Per shipped config: ``name``, ``method`` (``train.method``; ``phantom`` for a phantom config) and
    ``summary`` (the first sentence of its header comment)."""
    rows = []
    for name in recipe_names():
        path = recipe_path(name)
        sections = read_yaml(path)
        method = "phantom" if "phantom" in sections else (sections.get("train") or {}).get("method", "supervised")
        lines = path.read_text().splitlines()
        header = " ".join(line.lstrip("# ").strip() for line in itertools.takewhile(lambda x: x.startswith("#"), lines))
        first = header.split(". ")[0].rstrip(".")
        rows.append({"name": name, "method": method, "summary": first if len(first) <= 110 else first[:107] + "..."})
    return rows
