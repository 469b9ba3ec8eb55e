"""The layout rules of docs/architecture.md that a reader can check without running anything."""

import ast
import fnmatch
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lowcount"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_CLI_MODULE_LINES = 400, 80, 150


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_short(path):
    lines = len(path.read_text().splitlines())
    limit = MAX_CLI_MODULE_LINES if path.parent.name == "cli" else MAX_MODULE_LINES
    assert lines <= limit, f"{path.relative_to(PACKAGE)} has {lines} lines (limit {limit}); split it"
    long = [(name, n) for name, n in _functions(path) if n > MAX_FUNCTION_LINES]
    assert not long, f"{path.relative_to(PACKAGE)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_every_config_and_template_is_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["lowcount"]
    data = [p for folder in ("configs", "evaluate/templates") for p in (PACKAGE / folder).rglob("*") if p.is_file()]
    assert data
    for path in data:
        relative = str(path.relative_to(PACKAGE))
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
