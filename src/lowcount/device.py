"""Where and in which precision networks run: the device chosen at run time, bf16 autocast where native.

Every layer that runs a network (training, inference, benchmarks) asks here, so no device is hard-coded.
torch is imported inside the functions: ``import lowcount.device`` stays light.
"""

from __future__ import annotations

import contextlib


def pick_device(preferred: str | None = None) -> str:
    """``cuda`` when available (or asked for), else ``cpu``; never hard-coded."""
    import torch

    if preferred:
        if preferred.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device {preferred!r} asked for, but CUDA is not available here")
        return preferred
    return "cuda" if torch.cuda.is_available() else "cpu"


def bf16_native(device: str) -> bool:
    """Whether ``device`` computes in bf16 natively (a CUDA GPU that supports it, or a CPU with AVX-512 BF16
    or AMX); elsewhere bf16 autocast is emulated and slower than fp32."""
    import torch

    if device.startswith("cuda"):
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(check() for check in checks if check is not None)


def autocast(device: str, amp: str):
    """bf16 autocast when ``amp == "bf16"``, else a no-op context."""
    if amp == "bf16":
        import torch

        return torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
