"""Coverage-guided fuzzing of the DICOM reader with Atheris, for long runs: ``make fuzz`` (FUZZ_SECONDS=600).

Every input is written to a file and read with ``read_wholebody``; a DicomInputError is the expected way to
refuse, anything else is a crash: Atheris stops and saves the input as ``crash-<hash>``. Copy such a file
into ``tests/fuzz/crashes/`` (test_crashes.py then holds the reader to it). The corpus starts from the seed
files and their attribute mutants (tests/fuzz/mutations.py).

    python tests/fuzz/atheris_reader.py -max_total_time=600 fuzz-corpus/
"""

import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["lowcount", "pydicom"]):
    from lowcount.io.dicom import DicomInputError, read_wholebody

WORK = Path(tempfile.mkdtemp(prefix="lowcount-fuzz-"))
INPUT = WORK / "input.dcm"


def test_one_input(data: bytes) -> None:
    INPUT.write_bytes(data)
    try:
        read_wholebody(INPUT)
    except DicomInputError:
        pass


def _seed_corpus(folder: Path) -> None:
    import pydicom

    from tests.fuzz.mutations import attribute_mutants
    from tests.fuzz.seeds import write_seeds

    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        return
    for seed in write_seeds(WORK / "seeds"):
        (folder / seed.name).write_bytes(seed.read_bytes())
        for k, (_, data, _) in enumerate(attribute_mutants(pydicom.dcmread(seed))):
            (folder / f"{seed.stem}-{k:03d}.dcm").write_bytes(data)


if __name__ == "__main__":
    corpora = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    for corpus in corpora:
        _seed_corpus(corpus)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
