"""YAML configuration into frozen dataclasses.

A config file has one section per subpackage (``phantom:``, later ``data:``, ``model:``, ``train:``...).
Each section is built into its dataclass; nested dataclasses nest in YAML; lists become tuples; an
unknown key is an error that names the key, its section and the file.
"""

from __future__ import annotations

import dataclasses
import itertools
import typing
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration that cannot be built; the message names the file, the key and the fix."""


def from_dict(cls: type[T], data: dict[str, Any] | None, where: str = "config") -> T:
    """Build dataclass ``cls`` from a plain dict, recursing into nested dataclass fields."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of keys to values, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = from_dict(hint, value, f"{where}.{name}")
        else:
            kwargs[name] = _coerce(value, hint, f"{where}.{name}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Lists become tuples; floats written as YAML 1.1 strings such as ``1.5e6`` become floats."""
    if isinstance(value, list):
        return tuple(_coerce(v, float if "float" in str(hint) else None, where) for v in value)
    if isinstance(value, str) and hint is float:
        try:
            return float(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {value!r} is not a number") from exc
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
    """Read ``section`` of YAML file ``path`` into ``cls`` (missing section gives the defaults)."""
    return from_dict(cls, read_yaml(path).get(section), f"{path}:{section}")


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
