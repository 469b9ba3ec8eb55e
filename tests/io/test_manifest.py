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


def _damaged(small_cohort, tmp_path, edit) -> object:
    lines = small_cohort.read_text().splitlines()
    lines[2] = edit(lines[2])
    path = tmp_path / "manifest.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda line: ",".join(line.split(",")[:5]), r"line 3: no value for column\(s\)"),
        (lambda line: line + ",extra", "line 3: more values than columns"),
        (lambda line: ",".join(["", *line.split(",")[1:]]), r"line 3: column\(s\) \['patient_id'\] are empty"),
    ],
)
def test_a_damaged_row_is_named_by_its_line(small_cohort, tmp_path, edit, message):
    from lowcount.io.manifest import ManifestError

    with pytest.raises(ManifestError, match=message):
        read_manifest(_damaged(small_cohort, tmp_path, edit))


def test_a_speed_factor_that_is_not_a_finite_number_of_at_least_one_is_refused(small_cohort, tmp_path):
    import csv

    from lowcount.io.manifest import MANIFEST_COLUMNS, ManifestError

    rows = list(csv.DictReader(open(small_cohort)))
    for value in ("nan", "inf", "0.5"):
        rows[1]["speed_factor"] = value
        path = tmp_path / "manifest.csv"
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        with pytest.raises(ManifestError, match="line 3, column speed_factor"):
            read_manifest(path)
