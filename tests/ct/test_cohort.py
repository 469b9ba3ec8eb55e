"""A CT cohort on disk: splits, roles, independence of the scans, bit-exact whatever the workers."""

import numpy as np
import pytest

from lowcount.ct.cohort import CTCohortConfig, animal_splits, simulate_ct_cohort
from lowcount.io.ct_scans import read_scans
from lowcount.io.nifti import read_nifti

TINY = {"animals": 3, "split": (1, 1), "shape": (12, 96, 96), "ladder_doses": (0.25, 1.0)}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("ct")
    simulate_ct_cohort(CTCohortConfig(**TINY, seed=4), out, workers=1)
    return out


def test_rows_and_files(cohort):
    rows = read_scans(cohort)
    mice = {r["animal_id"] for r in rows if r["kind"] == "mouse"}
    assert len(mice) == 3
    assert {r["split"] for r in rows if r["kind"] == "mouse"} == {"train", "val", "test"}
    for row in rows:
        assert (cohort / row["path"]).is_file()
        assert row["animal_id"] not in row["path"]  # files are named by hash
    test_id = next(r["animal_id"] for r in rows if r["split"] == "test" and r["kind"] == "mouse")
    ladder = sorted(r["dose"] for r in rows if r["animal_id"] == test_id and r["role"] == "ladder")
    assert ladder == [0.25, 1.0]
    sinograms = [r for r in rows if r["sinogram_path"]]
    assert {r["split"] for r in sinograms} == {"val", "test"} and {r["role"] for r in sinograms} == {"low"}


def test_low_and_high_scans_are_independent_draws_around_the_truth(cohort):
    rows = read_scans(cohort)
    train = [r for r in rows if r["split"] == "train"]
    volume = {r["role"]: read_nifti(cohort / r["path"])[0] for r in train}
    body = volume["labels"] > 0
    low, high = (volume[k] - volume["truth"] for k in ("low", "high"))
    assert low[body].std() > 1.5 * high[body].std()  # a quarter of the dose: about twice the noise
    assert abs(np.corrcoef(low[body], high[body])[0, 1]) < 0.1


def test_same_seed_gives_same_files_with_more_workers(cohort, tmp_path):
    simulate_ct_cohort(CTCohortConfig(**TINY, seed=4), tmp_path, workers=2)
    assert (tmp_path / "scans.csv").read_text() == (cohort / "scans.csv").read_text()
    for row in read_scans(cohort):
        assert (tmp_path / row["path"]).read_bytes() == (cohort / row["path"]).read_bytes(), row["role"]


def test_default_split_is_the_papers():
    assert [animal_splits(CTCohortConfig()).count(s) for s in ("train", "val", "test")] == [30, 4, 4]


ILL_CASES = [
    ({"animals": 2, "split": (1, 1)}, "cannot be split"),
    ({"low_dose": 1.0, "high_dose": 0.5}, "low_dose"),
    ({"ladder_doses": ()}, "ladder_doses"),
]


@pytest.mark.parametrize(("kwargs", "word"), ILL_CASES)
def test_bad_cohort_settings_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        CTCohortConfig(**kwargs)


def test_dicom_series_hold_the_same_volumes(tmp_path, dciodvfy_errors):
    from lowcount.io.dicom.ct_series import read_ct_series
    from lowcount.io.nifti import read_nifti

    cfg = CTCohortConfig(animals=3, split=(1, 1), shape=(10, 96, 96), ladder_doses=(1.0,), dicom=True, seed=2)
    simulate_ct_cohort(cfg, tmp_path)
    rows = read_scans(tmp_path)
    with_dicom = [r for r in rows if r["dicom_path"]]
    assert {r["role"] for r in with_dicom} == {"truth", "low", "high", "ladder"}
    row = next(r for r in with_dicom if r["role"] == "low")
    series = read_ct_series([tmp_path / row["dicom_path"]])
    volume, voxel_mm = read_nifti(tmp_path / row["path"])
    np.testing.assert_allclose(series.hu, volume, atol=0.501)
    assert series.voxel_mm == pytest.approx(voxel_mm)
    assert dciodvfy_errors(next((tmp_path / row["dicom_path"]).glob("*.dcm"))) == []
    studies = {
        read_ct_series([tmp_path / r["dicom_path"]]).datasets[0].StudyInstanceUID
        for r in with_dicom
        if r["animal_id"] == row["animal_id"]
    }
    assert len(studies) == 1  # an animal's scans are one study
