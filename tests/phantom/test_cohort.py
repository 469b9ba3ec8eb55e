import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lowcount.io.dicom import read_wholebody
from lowcount.io.manifest import MANIFEST_COLUMNS, assign_splits, read_manifest
from lowcount.io.truth import load_truth
from lowcount.phantom.cohort import simulate_cohort


def _rows(manifest: Path) -> list[dict]:
    return read_manifest(manifest)


def test_manifest_has_one_row_per_acquisition_and_patient_level_splits(small_cohort):
    rows = _rows(small_cohort)
    assert len(rows) == 3 * 3
    assert Counter(r["acquisition"] for r in rows) == {"standard": 3, "fast2x": 3, "fast3x": 3}
    by_patient: dict[str, set] = {}
    for r in rows:
        by_patient.setdefault(r["patient_id"], set()).add((r["split"], r["fold"]))
    assert all(len(v) == 1 for v in by_patient.values())
    with open(small_cohort) as fh:
        assert tuple(csv.DictReader(fh).fieldnames) == MANIFEST_COLUMNS


def test_assign_splits_is_8_1_1_with_five_balanced_folds():
    ids = [f"p{i}" for i in range(100)]
    splits = assign_splits(ids, np.random.default_rng(0))
    assert Counter(s.split for s in splits.values()) == {"train": 80, "val": 10, "test": 10}
    assert Counter(s.fold for s in splits.values()) == {f: 20 for f in range(5)}
    small = assign_splits(["a", "b", "c"], np.random.default_rng(0))
    assert Counter(s.split for s in small.values()) == {"train": 1, "val": 1, "test": 1}
    with pytest.raises(ValueError, match="unique"):
        assign_splits(["a", "a"], np.random.default_rng(0))


def test_files_are_named_by_uid_not_by_patient(small_cohort):
    rows = _rows(small_cohort)
    for r in rows:
        assert Path(r["dicom_path"]).name == f"{r['sop_uid']}.dcm"
        assert Path(r["truth_path"]).name == f"{r['sop_uid']}.npz"
    patient_ids = {r["patient_id"] for r in rows}
    for path in small_cohort.parent.rglob("*"):
        assert not any(pid in path.name for pid in patient_ids)


def test_dicom_round_trip_gives_the_simulated_counts_and_metadata(small_cohort):
    for r in _rows(small_cohort):
        scan = read_wholebody(r["dicom_path"])
        assert scan.anterior.sum() == r["counts_anterior"]
        assert scan.posterior.sum() == r["counts_posterior"]
        assert scan.counts_accumulated == r["counts_anterior"] + r["counts_posterior"]
        assert scan.scan_velocity_cm_min == pytest.approx(r["scan_velocity_cm_min"])
        assert scan.frame_duration_ms == pytest.approx(r["duration_min"] * 60_000, abs=1.0)
        assert scan.pixel_spacing_mm == pytest.approx((2.4, 2.4))
        assert scan.sop_uids == (r["sop_uid"],) and scan.study_uid == r["study_uid"]
        assert not scan.view_guessed
        expected, labels = load_truth(r["truth_path"])
        assert expected.shape == labels.shape == (2, 1024, 256)
        assert expected.sum(axis=(1, 2)) == pytest.approx([r["expected_anterior"], r["expected_posterior"]], rel=1e-5)
        # The stored counts are a Poisson draw around the stored truth.
        assert abs(scan.anterior.sum() - expected[0].sum()) < 5 * np.sqrt(expected[0].sum())


def test_every_written_file_passes_dciodvfy(small_cohort, dciodvfy_errors):
    for r in _rows(small_cohort):
        assert dciodvfy_errors(Path(r["dicom_path"])) == []


def test_lesion_table_matches_the_label_maps(small_cohort):
    rows = _rows(small_cohort)
    with open(small_cohort.parent / "lesions.csv") as fh:
        lesions = list(csv.DictReader(fh))
    for r in rows:
        _, labels = load_truth(r["truth_path"])
        listed = {
            int(le["lesion_id"])
            for le in lesions
            if le["patient_id"] == r["patient_id"]
            and le["kind"] != "superscan"
            and (le["first_acquisition"] == "standard" or r["acquisition"] != "standard")
        }
        present = set(np.unique(labels).tolist()) - {0}
        assert present <= listed
        assert len(listed - present) <= 1  # a lesion may fall just outside the field of view
    with open(small_cohort.parent / "patients.csv") as fh:
        patients = list(csv.DictReader(fh))
    assert len(patients) == 3
    assert json.loads((small_cohort.parent / "cohort.json").read_text())["seed"] == 11


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_the_same_xcat_cohort_bit_for_bit(tmp_path):
    from lowcount.phantom.protocol import PhantomConfig

    cfg = PhantomConfig(family="xcat", speed_factors=(3.0,))
    one = simulate_cohort(tmp_path / "one", patients=2, seed=5, cfg=cfg, workers=1, progress=False).parent
    two = simulate_cohort(tmp_path / "two", patients=2, seed=5, cfg=cfg, workers=2, progress=False).parent
    assert _digest(one) == _digest(two)
    families = {row["family"] for row in csv.DictReader((one / "patients.csv").open())}
    assert families == {"xcat"}


def test_mixed_cohort_holds_both_families(tmp_path):
    from lowcount.phantom.protocol import PhantomConfig

    cfg = PhantomConfig(family="mixed", speed_factors=(3.0,), xcat_fraction=0.5)
    out = simulate_cohort(tmp_path / "mixed", patients=6, seed=3, cfg=cfg, workers=2, progress=False).parent
    families = [row["family"] for row in csv.DictReader((out / "patients.csv").open())]
    assert set(families) == {"xcat", "procedural"}


def test_same_seed_gives_the_same_cohort_bit_for_bit(tmp_path):
    one = simulate_cohort(tmp_path / "one", patients=2, seed=5, workers=1, progress=False).parent
    two = simulate_cohort(tmp_path / "two", patients=2, seed=5, workers=2, progress=False).parent
    other = simulate_cohort(tmp_path / "other", patients=2, seed=6, workers=1, progress=False).parent
    assert _digest(one) == _digest(two)
    assert _digest(one) != _digest(other)


def test_thinned_cohort_is_nested_in_its_standard_scans(thinned_cohort):
    rows = _rows(thinned_cohort)
    by_patient: dict[str, dict] = {}
    for r in rows:
        by_patient.setdefault(r["patient_id"], {})[r["acquisition"]] = r
    for scans in by_patient.values():
        std = read_wholebody(scans["standard"]["dicom_path"]).views()
        fast = read_wholebody(scans["fast3x"]["dicom_path"]).views()
        assert np.all(fast <= std)
        assert scans["fast3x"]["fast_mode"] == "thinned"


def test_bad_cohort_arguments_raise(tmp_path):
    with pytest.raises(ValueError, match="patients"):
        simulate_cohort(tmp_path, patients=0, seed=0)
    with pytest.raises(ValueError, match="workers"):
        simulate_cohort(tmp_path, patients=1, seed=0, workers=0)
