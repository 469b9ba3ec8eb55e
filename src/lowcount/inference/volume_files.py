"""Enhancing CT volumes on disk: NIfTI in, NIfTI out, named by the input's content hash.

Each output ``<out>/<hash>.nii.gz`` (hash: the first 20 hex digits of the input file's SHA-256, so no name
or identifier of the input travels into the output's name) keeps the input's voxel sizes and comes with
``<hash>.json``: the model, its training data, the precision, the input's hash and the words
``derived, AI-enhanced``. Outputs are written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

from lowcount.inference.volume import VolumeEnhancer
from lowcount.io.atomic import atomic_write_text
from lowcount.io.nifti import NIFTI_SUFFIXES, read_nifti, write_nifti


def is_nifti(path: str | Path) -> bool:
    return Path(path).name.endswith(NIFTI_SUFFIXES)


def _ct_model(model: str | Path | None, device: str | None, precision: str) -> VolumeEnhancer:
    if model is None:
        raise ValueError("enhancing CT needs --model: a CT training run (lowcount train microct_unet2d ...)")
    return VolumeEnhancer.from_run(model, device, precision)


def enhance_nifti_files(
    inputs: list[Path],
    model: str | Path | None,
    out_dir: str | Path,
    device: str | None = None,
    precision: str = "fp32",
) -> list[Path]:
    """Enhance every NIfTI volume of ``inputs`` with the CT model ``model``; returns the written volumes."""
    from lowcount.models.weights import sha256_of

    others = [p for p in inputs if not is_nifti(p)]
    if others:
        raise ValueError(f"{others[0]}: CT volumes (.nii, .nii.gz) and other files cannot be enhanced in one call")
    enhancer = _ct_model(model, device, precision)
    out = Path(out_dir)
    written = []
    for path in inputs:
        hu, voxel_mm = read_nifti(path)
        digest = sha256_of(Path(path))
        target = out / f"{digest[:20]}.nii.gz"
        write_nifti(target, enhancer(hu), voxel_mm)
        card = {
            "derived": "AI-enhanced CT volume",
            "model": str(model),
            "input_sha256": digest,
            "precision": enhancer.precision,
            "device": enhancer.device,
            "voxel_mm": list(voxel_mm),
        }
        atomic_write_text(target.with_name(f"{digest[:20]}.json"), json.dumps(card, indent=2))
        written.append(target)
    return written


def enhance_ct_series(
    inputs: list[Path],
    model: str | Path | None,
    out_dir: str | Path,
    device: str | None = None,
    precision: str = "fp32",
) -> list[Path]:
    """Enhance one DICOM CT series (files or a folder) with a CT model into a derived series in ``out_dir``."""
    from lowcount.io.dicom.ct_series import read_ct_series, write_derived_ct_series

    enhancer = _ct_model(model, device, precision)
    series = read_ct_series([Path(p) for p in inputs])
    name = Path(str(model)).name if Path(str(model)).name != "model.safetensors" else Path(str(model)).parent.name
    return write_derived_ct_series(series, enhancer(series.hu), out_dir, name)
