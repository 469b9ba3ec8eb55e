"""CT volumes as NIfTI files (nibabel), written atomically.

In memory a volume is (D, H, W) = (slice, row, column) float32 in HU with isotropic or per-axis voxel sizes
in mm; on disk NIfTI's array order is (x, y, z) = (column, row, slice), and the affine is the diagonal of
the voxel sizes (no patient orientation is claimed: the simulator has none to give).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_write_bytes

NIFTI_SUFFIXES = (".nii", ".nii.gz")


def _check_suffix(path: Path) -> None:
    if not path.name.endswith(NIFTI_SUFFIXES):
        raise ValueError(f"{path}: a NIfTI file must end in .nii or .nii.gz")


def write_nifti(path: str | Path, volume: np.ndarray, voxel_mm: tuple[float, float, float]) -> Path:
    """Write ``volume`` (D, H, W) with voxel sizes (z, y, x) mm; returns the path."""
    import nibabel as nib

    path = Path(path)
    _check_suffix(path)
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"{path}: a volume must be (D, H, W), got shape {volume.shape}")
    if not np.all(np.isfinite(volume)):
        raise ValueError(f"{path}: the volume holds NaN or infinite values")
    sz, sy, sx = (float(v) for v in voxel_mm)
    image = nib.Nifti1Image(np.ascontiguousarray(volume.transpose(2, 1, 0)), np.diag([sx, sy, sz, 1.0]))
    image.header.set_xyzt_units("mm")
    data = image.to_bytes()
    if path.name.endswith(".gz"):
        import gzip

        data = gzip.compress(data, compresslevel=6, mtime=0)  # mtime 0: the same volume gives the same bytes
    atomic_write_bytes(path, data)
    return path


def read_nifti(path: str | Path) -> tuple[np.ndarray, tuple[float, float, float]]:
    """(volume (D, H, W) float32, voxel sizes (z, y, x) mm) of a 3-D NIfTI file."""
    import nibabel as nib

    path = Path(path)
    _check_suffix(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such NIfTI file")
    try:
        image = nib.load(path)
        data = np.asarray(image.dataobj, dtype=np.float32)
    except Exception as err:  # nibabel raises several types for a damaged file
        raise ValueError(f"{path}: not a readable NIfTI file ({err})") from err
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise ValueError(f"{path}: expected a 3-D volume, got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{path}: the volume holds NaN or infinite values")
    sx, sy, sz = (round(float(v), 6) for v in image.header.get_zooms()[:3])
    return np.ascontiguousarray(data.transpose(2, 1, 0)), (sz, sy, sx)
