"""The command line under the reader's mutants: exit 0 or 2 with a message, never a traceback, and no output
for a refused input."""

import pytest
from typer.testing import CliRunner

from lowcount.cli import app

from .mutations import mutants
from .seeds import write_seeds

runner = CliRunner()


@pytest.fixture(scope="module")
def mutant_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mutants")
    seeds = write_seeds(tmp_path_factory.mktemp("seeds"))
    files = []
    for k, (name, data, invalid) in enumerate(mutants(seeds, seed=11, flips=16, truncations=6)[::3]):
        path = folder / f"m{k:03d}.dcm"
        path.write_bytes(data)
        files.append((name, path, invalid))
    return files


def _clean(result) -> bool:
    return result.exit_code in (0, 2) and (result.exception is None or isinstance(result.exception, SystemExit))


def test_info_and_enhance_exit_cleanly_and_write_nothing_for_a_refused_input(mutant_files, tmp_path):
    failures = []
    for k, (name, path, invalid) in enumerate(mutant_files):
        info = runner.invoke(app, ["info", str(path)])
        out = tmp_path / f"out{k}"
        args = ["enhance", str(path), "--method", "gaussian", "--speed-factor", "3", "--out", str(out), "--no-preview"]
        enhance = runner.invoke(app, args)
        for command, result in (("info", info), ("enhance", enhance)):
            if not _clean(result):
                failures.append(f"{name}: {command} exit {result.exit_code}: {result.exception!r}")
            elif result.exit_code == 2 and not result.output.startswith("error: "):
                failures.append(f"{name}: {command} says {result.output[:80]!r}")
        if enhance.exit_code == 2 and out.exists() and any(out.iterdir()):
            failures.append(f"{name}: enhance refused the input but wrote {sorted(p.name for p in out.iterdir())}")
        if invalid and 0 in (info.exit_code, enhance.exit_code):
            failures.append(f"{name}: an invalid input was accepted")
    assert len(mutant_files) > 80
    assert not failures, "\n".join(failures[:20])


def test_index_skips_the_bad_files_of_a_folder_and_keeps_going(mutant_files, tmp_path):
    result = runner.invoke(app, ["index", str(mutant_files[0][1].parent), "--out", str(tmp_path / "manifest.csv")])
    assert _clean(result), repr(result.exception)
    assert "skipped:" in result.output
