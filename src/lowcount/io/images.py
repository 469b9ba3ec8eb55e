"""Counts as plain image files, for users without DICOM: 16-bit PNG, TIFF and NumPy .npy.

PNG holds one view (rows, cols); TIFF and .npy also hold both views as (2, rows, cols). Counts are
rounded to uint16 for PNG and TIFF (the range of an NM image); .npy keeps float32. Writes are atomic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_open, atomic_write_bytes
from lowcount.io.counts import check_counts, counts_to_uint16

FORMATS = (".png", ".tif", ".tiff", ".npy")


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unsupported image format {suffix!r}; use one of {FORMATS} (or DICOM via read_wholebody)"
        )
    return suffix


def write_counts_image(path: str | Path, counts: np.ndarray) -> Path:
    """Write counts (rows, cols) or (views, rows, cols) to ``path`` by its suffix.

    Raises:
        ValueError: negative, NaN or infinite counts, a 3-D array for PNG, or an unknown suffix.
    """
    path = Path(path)
    suffix = _suffix(path)
    arr = np.asarray(counts)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{path}: counts must be (rows, cols) or (views, rows, cols), got shape {arr.shape}")
    if suffix == ".npy":
        check_counts(arr, str(path))
        with atomic_open(path, "wb") as fh:
            np.save(fh, arr.astype(np.float32), allow_pickle=False)
        return path
    data = counts_to_uint16(arr, str(path))
    if suffix == ".png":
        if data.ndim != 2:
            raise ValueError(f"{path}: a PNG holds one view; write each view separately or use .tif/.npy")
        from PIL import Image

        with atomic_open(path, "wb") as fh:
            Image.fromarray(data).save(fh, format="PNG")
        return path
    import io

    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def read_counts_image(path: str | Path) -> np.ndarray:
    """Read counts from a PNG, TIFF or .npy file as float32 (rows, cols) or (views, rows, cols).

    Raises:
        ValueError: missing file, colour images, negative or non-finite values, or an unknown suffix.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if suffix == ".npy":
        arr = np.load(path, allow_pickle=False)
    elif suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            if image.mode not in ("I;16", "I;16B", "I", "L"):
                raise ValueError(
                    f"{path}: PNG mode {image.mode} is not a grey-level count image; "
                    "export raw counts as 16-bit grey PNG, TIFF or DICOM"
                )
            arr = np.asarray(image)
    else:
        import tifffile

        arr = tifffile.imread(path)
    arr = np.asarray(arr)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] in (3, 4) and arr.shape[0] > 4):
        raise ValueError(f"{path}: shape {arr.shape} is not (rows, cols) or (views, rows, cols) grey counts")
    out = arr.astype(np.float32)
    if not np.all(np.isfinite(out)) or (out.size and out.min() < 0):
        raise ValueError(f"{path}: counts must be finite and non-negative")
    return out
