import gzip

import numpy as np
import pytest

from lowcount.io.nifti import read_nifti, write_nifti


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_round_trip_keeps_axes_and_voxel_sizes(tmp_path, suffix):
    volume = np.random.default_rng(0).normal(size=(5, 6, 7)).astype(np.float32)
    path = write_nifti(tmp_path / f"v{suffix}", volume, (0.5, 0.35, 0.25))
    back, voxel_mm = read_nifti(path)
    np.testing.assert_array_equal(back, volume)
    assert voxel_mm == (0.5, 0.35, 0.25)


def test_nifti_axes_are_x_y_z_on_disk(tmp_path):
    import nibabel as nib

    volume = np.zeros((2, 3, 4), np.float32)
    volume[1, 2, 3] = 1.0  # slice 1, row 2, column 3
    write_nifti(tmp_path / "v.nii", volume, (3.0, 2.0, 1.0))
    image = nib.load(tmp_path / "v.nii")
    assert image.shape == (4, 3, 2)
    assert np.asarray(image.dataobj)[3, 2, 1] == 1.0
    assert tuple(float(v) for v in image.header.get_zooms()) == (1.0, 2.0, 3.0)


def test_same_volume_gives_same_bytes(tmp_path):
    volume = np.ones((2, 2, 2), np.float32)
    a = write_nifti(tmp_path / "a.nii.gz", volume, (1, 1, 1)).read_bytes()
    b = write_nifti(tmp_path / "b.nii.gz", volume, (1, 1, 1)).read_bytes()
    assert a == b


def test_bad_files_and_volumes_raise(tmp_path):
    with pytest.raises(ValueError, match=r"\.nii"):
        write_nifti(tmp_path / "v.npy", np.zeros((2, 2, 2)), (1, 1, 1))
    with pytest.raises(ValueError, match=r"\(D, H, W\)"):
        write_nifti(tmp_path / "v.nii", np.zeros((2, 2)), (1, 1, 1))
    with pytest.raises(ValueError, match="NaN"):
        write_nifti(tmp_path / "v.nii", np.full((2, 2, 2), np.nan), (1, 1, 1))
    assert not (tmp_path / "v.nii").exists()
    with pytest.raises(FileNotFoundError, match="no such"):
        read_nifti(tmp_path / "missing.nii.gz")
    (tmp_path / "broken.nii.gz").write_bytes(gzip.compress(b"not a nifti file"))
    with pytest.raises(ValueError, match="broken.nii.gz"):
        read_nifti(tmp_path / "broken.nii.gz")
