import pytest

from lowcount.io.manifest import read_manifest, select_patients


def test_patients_by_split_and_by_fold(small_cohort):
    rows = read_manifest(small_cohort)
    all_ids = {r["patient_id"] for r in rows}
    by_split = [set(select_patients(rows, role)) for role in ("train", "val", "test")]
    assert set().union(*by_split) == all_ids and sum(map(len, by_split)) == len(all_ids)
    fold = rows[0]["fold"]
    train, val = set(select_patients(rows, "train", fold)), set(select_patients(rows, "val", fold))
    assert not train & val
    assert train | val == all_ids - by_split[2]
    with pytest.raises(ValueError, match="fold 9"):
        select_patients(rows, "train", 9)
