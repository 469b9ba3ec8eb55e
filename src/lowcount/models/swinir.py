"""SwinIR (Liang et al., ICCVW 2021) for scale-1 restoration, in a small configuration that runs on a CPU.

Shallow 3x3 conv; residual Swin Transformer blocks (RSTB), each a stack of Swin layers (window
multi-head self-attention with a relative position bias, alternating with windows shifted by half a
window, each followed by an MLP) and a 3x3 conv with a skip; a conv after the body with a long skip; a
3x3 output conv; the input added to the output (SwinIR's denoising setting). Defaults follow the
lightweight SwinIR (embedding 60, 4 RSTBs of 6 layers, 6 heads, window 8, MLP ratio 2). Inputs of any
size are padded (reflect) to a multiple of the window and cropped back, so ``stride`` is 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lowcount.models.blocks import check_input


def _windows(x: torch.Tensor, w: int) -> torch.Tensor:
    b, h, wd, c = x.shape
    x = x.view(b, h // w, w, wd // w, w, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, w * w, c)


def _merge(windows: torch.Tensor, w: int, b: int, h: int, wd: int) -> torch.Tensor:
    c = windows.shape[-1]
    x = windows.view(b, h // w, wd // w, w, w, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, wd, c)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside w x w windows with a learned relative position bias."""

    def __init__(self, dim: int, window: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"embedding dim {dim} must be divisible by heads {heads}")
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
        self.register_buffer("bias_index", rel[..., 0] * (2 * window - 1) + rel[..., 1], persistent=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        n_win, n, c = x.shape
        qkv = self.qkv(x).view(n_win, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn + self.bias_table[self.bias_index].permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            groups = mask.shape[0]
            attn = attn.view(n_win // groups, groups, self.heads, n, n) + mask[None, :, None]
            attn = attn.view(n_win, self.heads, n, n)
        out = attn.softmax(dim=-1) @ v
        return self.proj(out.transpose(1, 2).reshape(n_win, n, c))


class SwinLayer(nn.Module):
    def __init__(self, dim: int, heads: int, window: int, shift: int, mlp_ratio: float) -> None:
        super().__init__()
        self.window, self.shift = window, shift
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, heads)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def _mask(self, h: int, w: int, device: torch.device) -> torch.Tensor | None:
        if not self.shift:
            return None
        region = torch.zeros(1, h, w, 1, device=device)
        cuts = (slice(0, -self.window), slice(-self.window, -self.shift), slice(-self.shift, None))
        label = 0
        for rows in cuts:
            for cols in cuts:
                region[:, rows, cols, :] = label
                label += 1
        ids = _windows(region, self.window).squeeze(-1)
        diff = ids[:, None, :] - ids[:, :, None]
        return torch.zeros_like(diff).masked_fill(diff != 0, -100.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        y = self.norm1(x)
        if self.shift:
            y = torch.roll(y, (-self.shift, -self.shift), dims=(1, 2))
        attended = self.attn(_windows(y, self.window), self._mask(h, w, x.device))
        y = _merge(attended, self.window, b, h, w)
        if self.shift:
            y = torch.roll(y, (self.shift, self.shift), dims=(1, 2))
        x = x + y
        return x + self.mlp(self.norm2(x))


class RSTB(nn.Module):
    def __init__(self, dim: int, depth: int, heads: int, window: int, mlp_ratio: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            [SwinLayer(dim, heads, window, 0 if i % 2 == 0 else window // 2, mlp_ratio) for i in range(depth)]
        )
        self.conv = nn.Conv2d(dim, dim, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.permute(0, 2, 3, 1)
        for layer in self.layers:
            y = layer(y)
        return x + self.conv(y.permute(0, 3, 1, 2))


class SwinIR(nn.Module):
    """Args: embed_dim, depths (layers per RSTB), heads, window, mlp_ratio.

    Window partitioning uses the traced sizes, so an ONNX export has a fixed input size.
    """

    stride = 1
    onnx_dynamic_shape = False

    def __init__(
        self,
        embed_dim: int = 60,
        depths: tuple[int, ...] = (6, 6, 6, 6),
        heads: int = 6,
        window: int = 8,
        mlp_ratio: float = 2.0,
    ) -> None:
        super().__init__()
        if window < 2 or not depths or min(depths) < 1:
            raise ValueError(f"window must be >= 2 and depths non-empty and positive, got {window}, {depths}")
        self.window = window
        self.head = nn.Conv2d(1, embed_dim, 3, padding=1)
        self.body = nn.Sequential(*[RSTB(embed_dim, d, heads, window, mlp_ratio) for d in depths])
        self.norm = nn.LayerNorm(embed_dim)
        self.body_conv = nn.Conv2d(embed_dim, embed_dim, 3, padding=1)
        self.tail = nn.Conv2d(embed_dim, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, 2, 1, "SwinIR")
        h, w = x.shape[-2:]
        pad_h, pad_w = (-h) % self.window, (-w) % self.window
        padded = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect") if pad_h or pad_w else x
        f = self.head(padded)
        body = self.norm(self.body(f).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        out = self.tail(f + self.body_conv(body))
        return x + out[..., :h, :w]
