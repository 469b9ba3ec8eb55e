"""ROI files: parsing with clear errors, and counts measured in the right place of each scan after patient motion."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from lowcount.evaluate.rois import load_rois, roi_rows, view_shifts
from lowcount.evaluate.studies import Study

SHIFT = (5, -3)  # the patient moved 5 rows down and 3 columns left between the standard and the fast scan


def _study() -> Study:
    rng = np.random.default_rng(4)
    standard = gaussian_filter(rng.random((2, 160, 96)), (0, 4, 4)) * 400 + 20
    standard[:, 98:103, 48:53] += 300.0  # a hot lesion around (100, 50)
    fast = np.roll(standard, SHIFT, axis=(1, 2)) / 3.0
    empty = np.zeros(standard.shape, bool)
    return Study("k" * 12, "1.2.3.1", 3.0, fast.astype(np.float32), standard.astype(np.float32), None, None, None,
                 None, empty, empty, standard_uid="1.2.3.2")  # fmt: skip


def _write(tmp_path, lines: list[str], header: str = "sop_uid,view,row,col,radius_px,region,name"):
    path = tmp_path / "rois.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def test_circles_follow_the_patient_between_the_scans(tmp_path):
    study = _study()
    shifts = view_shifts(study)
    assert shifts[0] == pytest.approx(SHIFT, abs=0.2)
    path = _write(
        tmp_path, ["1.2.3.2,anterior,100,50,2,lesion,on standard", "1.2.3.1,anterior,105,47,2,lesion,on fast"]
    )
    rois = load_rois(path, [study])[study.key]
    assert [r.frame for r in rois] == ["standard", "fast"]
    rows = roi_rows(
        "raw", study, 3.0 * study.fast_counts.astype(np.float64), rois, [tuple(np.round(s)) for s in shifts]
    )
    for row in rows:
        assert row["max_counts"] == pytest.approx(row["standard_max_counts"], rel=1e-5)
        assert row["mean_counts"] == pytest.approx(row["standard_mean_counts"], rel=1e-5)
        assert row["standard_max_counts"] > 300
    # Without the shift the circle drawn on the standard scan misses most of the lesion in the fast frame.
    unshifted = roi_rows("raw", study, 3.0 * study.fast_counts.astype(np.float64), rois[:1], [(0.0, 0.0)] * 2)
    assert unshifted[0]["mean_counts"] < 0.7 * unshifted[0]["standard_mean_counts"]


@pytest.mark.parametrize(
    "lines, header, message",
    [
        (["9.9.9,anterior,10,10,2,lesion,x"], None, "line 2, column sop_uid"),
        (["1.2.3.1,lateral,10,10,2,lesion,x"], None, "line 2, column view"),
        (["1.2.3.1,anterior,10,10,2,tumour,x"], None, "line 2, column region"),
        (["1.2.3.1,anterior,10,ten,2,lesion,x"], None, "line 2, column col"),
        (["1.2.3.1,anterior,10,10,2,lesion,a", "1.2.3.1,anterior,170,10,2,lesion,b"], None, "line 3, columns row/col"),
        (["1.2.3.1,anterior,10,10,0.1,lesion,x"], None, "column radius_px"),
        (["1.2.3.1,anterior,10,10"], "sop_uid,view,row,col", "missing columns"),
    ],
)
def test_bad_roi_files_name_the_line_and_column(tmp_path, lines, header, message):
    path = _write(tmp_path, lines, *([header] if header else []))
    with pytest.raises(ValueError, match=message):
        load_rois(path, [_study()])
