"""Training checkpoints: written atomically, loaded without unpickling arbitrary objects.

A checkpoint holds the method's state (model, optimiser, scheduler, EMA), the step, the best validation
score and the RNG states, so a resumed run continues exactly where it stopped. ``torch.load`` is always
called with ``weights_only=True``: a checkpoint can hold tensors, numbers, strings and containers, never
code.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from lowcount.io.atomic import atomic_write_bytes

LAST = "last.pt"
BEST = "best.pt"


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | Path, state: dict) -> Path:
    """Serialise ``state`` to ``path`` atomically (temporary file, then rename)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no checkpoint to resume from; start without --resume")
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError or EOFError for bad files
        raise ValueError(f"{path}: not a readable lowcount checkpoint ({type(exc).__name__}: {exc})") from exc
