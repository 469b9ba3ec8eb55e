"""A trained CT network on whole volumes: slice by slice for a 2-D model, by overlapping blocks blended
with Gaussian weights for a 3-D one (MONAI's ``sliding_window_inference``).

Volumes are (D, H, W) float32 CT numbers (HU) in and out; the network sees ``x = HU / 1000``
(lowcount.data.volume_pairs). Slices are padded (replicating the edge) to multiples of the model's stride
and the pad is cut away again; a 3-D block is the training patch unless ``roi`` says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.data.volume_pairs import hu_to_x, x_to_hu
from lowcount.device import autocast, pick_device

PRECISIONS = ("fp32", "bf16")


class VolumeEnhancer:
    """Args:
    net: a 2-D (B, 1, H, W) or 3-D (B, 1, D, H, W) network.
    device: torch device (default: CUDA when present).
    precision: ``fp32`` or ``bf16`` (autocast).
    roi: 3-D block (d, h, w) voxels for sliding-window inference (required for a 3-D model).
    overlap: fraction of a block shared with its neighbours (3-D).
    batch: slices (2-D) or blocks (3-D) per forward pass.
    """

    def __init__(
        self, net, device: str | None = None, precision: str = "fp32", roi=None, overlap: float = 0.5, batch: int = 8
    ):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if not 0.0 <= overlap < 1.0:
            raise ValueError(f"overlap must be in [0, 1), got {overlap}")
        self.device = pick_device(device)
        self.net = net.to(self.device).eval()
        self.precision, self.overlap, self.batch = precision, overlap, max(1, int(batch))
        self.dims = int(getattr(net, "spatial_dims", 2))
        self.stride = int(getattr(net, "stride", 1))
        if self.dims == 3 and (roi is None or len(roi) != 3):
            raise ValueError(f"a 3-D model needs roi (d, h, w) for sliding-window inference, got {roi}")
        self.roi = tuple(int(v) for v in roi) if roi is not None else None

    @classmethod
    def from_run(cls, run: str | Path, device: str | None = None, precision: str = "fp32", overlap: float = 0.5):
        """The exported weights of a CT training run (a folder or its .safetensors file)."""
        from lowcount import shipped
        from lowcount.models.weights import load_weights

        if str(run) in shipped.MODELS:
            path = shipped.model_weights(str(run))
        else:
            path = Path(run) / "model.safetensors" if Path(run).is_dir() else Path(run)
        net, meta = load_weights(path)
        volume = meta.get("volume")
        if not volume:
            raise ValueError(f"{path}: not a CT model (its sidecar has no volume section); train it with a CT config")
        roi = volume["patch"] if int(volume["dims"]) == 3 else None
        return cls(net, device, precision, roi, overlap)

    def _forward(self, x):
        import torch

        with torch.no_grad(), autocast(self.device, "bf16" if self.precision == "bf16" else "none"):
            return self.net(x).float()

    def __call__(self, hu: np.ndarray) -> np.ndarray:
        """The enhanced volume (D, H, W) HU of ``hu`` (D, H, W) HU."""
        import torch

        hu = np.asarray(hu, dtype=np.float32)
        if hu.ndim != 3:
            raise ValueError(f"a CT volume must be (D, H, W), got shape {hu.shape}")
        x = torch.from_numpy(hu_to_x(hu)).to(self.device)
        if self.dims == 2:
            out = self._slices(x)
        else:
            out = self._blocks(x)
        return x_to_hu(out.cpu().numpy())

    def _slices(self, x):
        import torch
        import torch.nn.functional as F

        d, h, w = x.shape
        ph, pw = -h % self.stride, -w % self.stride
        parts = []
        for start in range(0, d, self.batch):
            chunk = x[start : start + self.batch, None]
            if ph or pw:
                chunk = F.pad(chunk, (0, pw, 0, ph), mode="replicate")
            parts.append(self._forward(chunk)[:, 0, :h, :w])
        return torch.cat(parts)

    def _blocks(self, x):
        from monai.inferers import sliding_window_inference

        if any(r % self.stride for r in self.roi):
            raise ValueError(f"roi {self.roi} must be multiples of the model's stride {self.stride}")
        out = sliding_window_inference(
            x[None, None],
            self.roi,
            self.batch,
            self._forward,
            overlap=self.overlap,
            mode="gaussian",
            padding_mode="replicate",
        )
        return out[0, 0]
