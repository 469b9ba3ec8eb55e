"""Deployment weights: safetensors plus a JSON sidecar, never pickle.

``save_weights`` writes ``<name>.safetensors`` (tensors only) and ``<name>.json`` (model name and
constructor arguments, a description of the training data, lowcount version, and what the caller adds: a
training run adds its ``data`` section, which holds the count normalisation inference applies).
``load_weights`` rebuilds the model from the sidecar through ``lowcount.models.MODELS`` and loads the
tensors with safetensors, which cannot execute code. ``read_state_dict`` reads other projects' state dicts
(torchvision's VGG, LPIPS, pytorch-fid) with ``torch.load(weights_only=True)``, which cannot either.
"""

from __future__ import annotations

import json
from pathlib import Path

from lowcount.io.atomic import atomic_write_bytes, atomic_write_text

SIDECAR_VERSION = 1


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def save_weights(
    model,
    path: str | Path,
    model_name: str,
    model_args: dict,
    training_data: str = "",
    extra: dict | None = None,
) -> Path:
    """Write ``path`` (.safetensors) and its .json sidecar atomically; returns the weights path."""
    from safetensors.torch import save

    from lowcount import __version__

    path = Path(path).with_suffix(".safetensors")
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(path, save(tensors))
    sidecar = {
        "format": "lowcount-weights",
        "version": SIDECAR_VERSION,
        "lowcount_version": __version__,
        "model": model_name,
        "model_args": _plain(model_args),
        "training_data": training_data,
        **(extra or {}),
    }
    atomic_write_text(path.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
    return path


def resolve_weights(path: str | Path) -> Path:
    """A run folder (its model.safetensors) or a weights file."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.safetensors"
    path = path.with_suffix(".safetensors")
    if not path.is_file():
        raise ValueError(f"{path}: no weights there; give a run folder from `lowcount train` or a .safetensors file")
    return path


def read_sidecar(path: str | Path) -> dict:
    """The JSON sidecar of a weights file, checked."""
    sidecar = Path(path).with_suffix(".json")
    if not sidecar.is_file():
        raise ValueError(f"{sidecar}: missing; lowcount weights need their .json sidecar beside the .safetensors file")
    try:
        meta = json.loads(sidecar.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{sidecar}: not valid JSON ({exc})") from exc
    if meta.get("format") != "lowcount-weights" or "model" not in meta:
        raise ValueError(f"{sidecar}: not a lowcount weights sidecar (missing 'format' or 'model')")
    return meta


def load_weights(path: str | Path, device: str = "cpu"):
    """(model, sidecar) from ``path``; the model is in eval mode on ``device``."""
    from safetensors.torch import load_file

    from lowcount.models import build_model

    path = Path(path).with_suffix(".safetensors")
    if not path.is_file():
        raise ValueError(f"{path}: no such weights file")
    meta = read_sidecar(path)
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["model_args"].items()}
    model = build_model(meta["model"], **args)
    state = load_file(str(path), device=device)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # tensor shapes differ
        raise ValueError(
            f"{path}: weights do not fit model {meta['model']!r} with {meta['model_args']}: "
            f"{str(exc).splitlines()[1].strip() if len(str(exc).splitlines()) > 1 else exc}"
        ) from exc
    if missing or unexpected:
        raise ValueError(
            f"{path}: weights do not fit model {meta['model']!r} with {meta['model_args']}: "
            f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}"
        )
    return model.to(device).eval(), meta


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_state_dict(path: Path) -> dict:
    """A state dict from a .safetensors file or (safely, ``weights_only``) from a PyTorch pickle."""
    import torch

    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError, EOFError for damaged or unsafe files
        raise ValueError(f"{path}: not a readable state dict ({type(exc).__name__}: {exc})") from exc


def layout_problems(expected: dict, state: dict) -> tuple[list[str], list[str]]:
    """(keys of ``expected`` missing from ``state``, keys whose tensor shapes differ)."""
    missing = sorted(set(expected) - set(state))
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    return missing, wrong
