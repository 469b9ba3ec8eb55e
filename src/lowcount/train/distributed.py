"""Distributed data parallel with PyTorch's own engine, set up from torchrun's environment.

Under ``torchrun --nproc-per-node N lowcount train ...`` each process reads RANK, WORLD_SIZE and
LOCAL_RANK, joins a process group (NCCL on GPUs, gloo on CPUs) and wraps the model in
DistributedDataParallel. Outside torchrun everything is a single process and nothing is initialised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from lowcount.device import pick_device


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: str = "cpu"

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def setup(preferred_device: str | None = None) -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist(device=pick_device(preferred_device))
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and (preferred_device or "cuda").startswith("cuda")
    if use_cuda:
        torch.cuda.set_device(local)
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Dist(rank=rank, world=world, local_rank=local, device=f"cuda:{local}" if use_cuda else "cpu")


def wrap(model: torch.nn.Module, d: Dist) -> torch.nn.Module:
    if not d.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[d.local_rank] if d.device.startswith("cuda") else None)


def barrier(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        dist.barrier()


def teardown(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def average_gradients(modules: list[torch.nn.Module], d: Dist) -> None:
    """All-reduce (mean) the gradients of ``modules`` across processes.

    GAN methods call each network several times per step (generator, then discriminator on real and fake),
    which DistributedDataParallel's one-forward-one-backward bookkeeping does not fit; they keep the bare
    networks and average gradients here after every backward pass instead.
    """
    if not d.active:
        return
    import torch.distributed as dist

    grads = [p.grad for m in modules for p in m.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= d.world
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()
