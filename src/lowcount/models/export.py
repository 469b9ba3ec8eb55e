"""Export a trained network to ONNX (opset 17) for other runtimes.

Height and width are dynamic, except for networks whose ``onnx_dynamic_shape`` is False (SwinIR's window
partitioning): those are exported for ``example_shape`` only (default 1024 x 256, a whole-body view).

Needs the ``onnx`` extra (``pip install 'lowcount[onnx]'``: onnx and onnxruntime). The exported graph
takes normalised values ``(1, 1, H, W)`` like the PyTorch network (H and W multiples of its stride);
scaling counts in and out stays with the caller (see lowcount.inference).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def export_onnx(
    weights: str | Path, out: str | Path, example_shape: tuple[int, int] = (1024, 256), check: bool = True
) -> Path:
    """Write ``out`` (.onnx) from lowcount weights; with ``check``, compare ONNX Runtime with PyTorch.

    Raises:
        ValueError: missing packages, or ONNX Runtime disagreeing with PyTorch beyond 1e-4 (relative to the
            output's range).
    """
    import torch

    from lowcount.io.atomic import atomic_write_bytes
    from lowcount.models.weights import load_weights, resolve_weights

    try:
        import onnx  # noqa: F401
    except ImportError as exc:
        raise ValueError("ONNX export needs the onnx extra: pip install 'lowcount[onnx]'") from exc
    net, meta = load_weights(resolve_weights(weights), "cpu")
    stride = int(getattr(net, "stride", 1))
    h, w = (-(-s // stride) * stride for s in example_shape)
    channels = int(getattr(net, "in_channels", 1))  # 2: the scan and its count-level map
    example = torch.rand(1, channels, h, w, generator=torch.Generator().manual_seed(0))
    import io

    buffer = io.BytesIO()
    dynamic = bool(getattr(net, "onnx_dynamic_shape", True))
    axes = {"x": {2: "height", 3: "width"}, "y": {2: "height", 3: "width"}} if dynamic else None
    torch.onnx.export(
        net,
        (example,),
        buffer,
        input_names=["x"],
        output_names=["y"],
        opset_version=17,
        dynamic_axes=axes,
        dynamo=False,
    )
    out = Path(out).with_suffix(".onnx")
    atomic_write_bytes(out, buffer.getvalue())
    if check:
        size = (h + 2 * stride, w + stride) if dynamic else (h, w)
        other = torch.rand(1, channels, *size, generator=torch.Generator().manual_seed(1))
        gap = compare_with_onnxruntime(net, out, other.numpy())
        if gap > 1e-4:
            raise ValueError(f"{out}: ONNX Runtime differs from PyTorch by {gap:.2e} (relative); do not deploy it")
    return out


def compare_with_onnxruntime(net, path: str | Path, x: np.ndarray) -> float:
    """Largest |ONNX Runtime - PyTorch| over the PyTorch output's range, for input ``x`` (1, C, H, W)."""
    import onnxruntime
    import torch

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"x": x.astype(np.float32)})
    with torch.no_grad():
        torch_out = net(torch.from_numpy(x.astype(np.float32))).numpy()
    span = float(torch_out.max() - torch_out.min()) or 1.0
    return float(np.abs(onnx_out - torch_out).max() / span)
