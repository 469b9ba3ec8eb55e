import csv

import pytest

from lowcount.io.ct_scans import is_ct_cohort, read_scans, volumes_of, write_scans


def test_rows_round_trip_and_select(tmp_path):
    rows = [
        {
            "animal_id": "M0",
            "kind": "mouse",
            "split": "val",
            "role": "low",
            "dose": "0.25",
            "path": "a.nii.gz",
            "truth_path": "t.nii.gz",
            "labels_path": "l.nii.gz",
            "sinogram_path": "",
        },
        {
            "animal_id": "qa",
            "kind": "qa",
            "split": "test",
            "role": "low",
            "dose": "0.25",
            "path": "b.nii.gz",
            "truth_path": "u.nii.gz",
            "labels_path": "m.nii.gz",
            "sinogram_path": "",
        },
    ]
    write_scans(tmp_path / "scans.csv", rows)
    assert is_ct_cohort(tmp_path) and not is_ct_cohort(tmp_path / "elsewhere")
    back = read_scans(tmp_path)
    assert back[0]["dose"] == 0.25
    assert list(volumes_of(back, "val", "low")) == ["M0"]
    assert volumes_of(back, "test", "low") == {}  # the QA phantom is not a mouse


def test_read_scans_names_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="ct simulate"):
        read_scans(tmp_path)
    (tmp_path / "scans.csv").write_text("animal_id,kind\nM0,mouse\n")
    with pytest.raises(ValueError, match="missing columns"):
        read_scans(tmp_path)
    rows = list(csv.reader(["animal_id,kind,split,role,dose,path,truth_path,labels_path,sinogram_path"]))
    (tmp_path / "scans.csv").write_text(",".join(rows[0]) + "\nM0,mouse,train,low,lots,a,b,c,\n")
    with pytest.raises(ValueError, match="line 2"):
        read_scans(tmp_path)
