"""The image pool of CycleGAN (Shrivastava et al. 2017): discriminators see a history of generated images.

Until the pool holds ``size`` images every generated image is stored and returned. Then each incoming image
is, with probability 1/2, returned as it is, or else swapped for a stored one chosen at random (which is
returned, the new image taking its place). The choices come from the pool's own ``torch.Generator``, and
``state_dict`` holds the stored images and that generator's state, so a resumed run draws the same.
"""

from __future__ import annotations

import torch


class ImagePool:
    def __init__(self, size: int = 50, seed: int = 0) -> None:
        if size < 0:
            raise ValueError(f"pool size must be >= 0, got {size}")
        self.size = size
        self.images: list[torch.Tensor] = []
        self.rng = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) generated images (detached here) -> (B, C, H, W) images for the discriminator."""
        if self.size == 0:
            return images.detach()
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand((), generator=self.rng).item() < 0.5:
                out.append(image)
            else:
                k = int(torch.randint(len(self.images), (), generator=self.rng))
                out.append(self.images[k].clone())
                self.images[k] = image.clone()
        return torch.stack(out)

    def state_dict(self) -> dict:
        images = torch.stack(self.images).cpu() if self.images else torch.zeros(0)
        return {"size": self.size, "images": images, "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict, device: str | torch.device = "cpu") -> None:
        if int(state["size"]) != self.size:
            raise ValueError(f"the checkpoint's image pool holds {int(state['size'])} images, the config {self.size}")
        self.images = [image.to(device) for image in state["images"]] if state["images"].numel() else []
        self.rng.set_state(state["rng"])
