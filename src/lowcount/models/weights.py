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


MAX_PARAMETERS = 100_000_000  # 400 MB of float32; the largest recipe (RRDBNet GAN) has about 10 M
SCALARS = (str, int, float, bool, type(None))


def _plain_json(value, depth: int = 0) -> bool:
    if isinstance(value, SCALARS):
        return True
    if depth > 3:
        return False
    if isinstance(value, list):
        return all(_plain_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v, depth + 1) for k, v in value.items())
    return False


def read_sidecar(path: str | Path) -> dict:
    """The JSON sidecar of a weights file, checked against its schema: a mapping with ``format``
    ``lowcount-weights``, ``model`` (a name in lowcount.models.MODELS), ``model_args`` (a mapping of plain
    values), and optional ``data``, ``validation`` and ``speed_factor`` of the right kinds."""
    from lowcount.models import MODELS

    sidecar = Path(path).with_suffix(".json")
    if not sidecar.is_file():
        raise ValueError(f"{sidecar}: missing; lowcount weights need their .json sidecar beside the .safetensors file")
    try:
        meta = json.loads(sidecar.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{sidecar}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != "lowcount-weights" or "model" not in meta:
        raise ValueError(f"{sidecar}: not a lowcount weights sidecar (a mapping with 'format' and 'model')")
    problems = []
    if meta["model"] not in MODELS:
        problems.append(f"model {meta['model']!r} is not one of {sorted(MODELS)}")
    if not isinstance(meta.get("model_args"), dict) or not _plain_json(meta["model_args"]):
        problems.append("model_args must be a mapping of numbers, strings and lists")
    for key, kind in (("data", dict), ("validation", dict), ("speed_factor", int | float | None)):
        if key in meta and not isinstance(meta[key], kind):
            problems.append(f"{key} must be {'a mapping' if kind is dict else 'a number'}")
    speed = meta.get("speed_factor")
    if isinstance(speed, int | float) and not 0 < speed <= 100:
        problems.append(f"speed_factor {speed} must be in (0, 100]")
    if problems:
        raise ValueError(f"{sidecar}: {'; '.join(problems)}; use the sidecar `lowcount train` wrote")
    return meta


def _architecture(path: Path, meta: dict):
    """The sidecar's network built without memory (meta device), its size checked and its tensor shapes
    compared with the safetensors header, before anything is allocated."""
    import torch
    from safetensors import SafetensorError, safe_open

    from lowcount.models import build_model

    args = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["model_args"].items()}
    with torch.device("meta"):
        model = build_model(meta["model"], **args)
    n_parameters = sum(p.numel() for p in model.parameters())
    if n_parameters > MAX_PARAMETERS:
        raise ValueError(
            f"{path}: the sidecar asks for {meta['model']!r} with {n_parameters:,} parameters, more than lowcount "
            f"loads ({MAX_PARAMETERS:,}); the sidecar is damaged or not lowcount's"
        )
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    try:
        with safe_open(str(path), framework="pt") as weights:
            stored = {k: tuple(weights.get_slice(k).get_shape()) for k in weights.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable safetensors file ({exc}); copy the weights again") from exc
    missing, unexpected = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
    wrong = [k for k in expected if k in stored and stored[k] != expected[k]]
    if missing or unexpected or wrong:
        raise ValueError(
            f"{path}: weights do not fit model {meta['model']!r} with {meta['model_args']}: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}, other shapes {wrong[:5]}"
        )
    return args


def load_weights(path: str | Path, device: str = "cpu"):
    """(model, sidecar) from ``path``; the model is in eval mode on ``device``.

    The sidecar is checked (:func:`read_sidecar`) and the file's tensor names and shapes against the declared
    architecture before the network is built; a damaged file is a ValueError naming it.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from lowcount.models import build_model

    path = Path(path).with_suffix(".safetensors")
    if not path.is_file():
        raise ValueError(f"{path}: no such weights file")
    meta = read_sidecar(path)
    args = _architecture(path, meta)
    model = build_model(meta["model"], **args)
    try:
        state = load_file(str(path), device=device)
        model.load_state_dict(state, strict=True)
    except (SafetensorError, RuntimeError) as exc:
        raise ValueError(f"{path}: the weights cannot be loaded ({exc}); copy the file again") from exc
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
