import pytest
import torch

from lowcount.train.image_pool import ImagePool


def _batch(start: int, n: int = 2) -> torch.Tensor:
    return torch.arange(start, start + n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()


def test_the_pool_fills_then_mixes_history_with_new_images():
    pool = ImagePool(size=4, seed=0)
    first = pool.query(_batch(0, 4))
    assert torch.equal(first, _batch(0, 4)) and len(pool.images) == 4
    seen_old = seen_new = 0
    for step in range(1, 40):
        out = pool.query(_batch(10 * step))
        for value in out[:, 0, 0, 0].tolist():
            seen_new += value >= 10 * step
            seen_old += value < 10 * step
    assert len(pool.images) == 4
    assert 20 < seen_old < 60 and 20 < seen_new < 60  # about half of 78 images each


def test_the_pool_state_replays_the_same_draws():
    pool = ImagePool(size=3, seed=5)
    for step in range(5):
        pool.query(_batch(step * 3))
    twin = ImagePool(size=3, seed=99)
    twin.load_state_dict(pool.state_dict())
    for step in range(5, 15):
        assert torch.equal(pool.query(_batch(step * 3)), twin.query(_batch(step * 3)))
    with pytest.raises(ValueError, match="holds 3"):
        ImagePool(size=4).load_state_dict(pool.state_dict())


def test_size_zero_passes_images_through_and_negative_sizes_raise():
    images = torch.rand(3, 1, 4, 4, requires_grad=True)
    out = ImagePool(size=0).query(images)
    assert torch.equal(out, images) and not out.requires_grad
    with pytest.raises(ValueError):
        ImagePool(size=-1)
