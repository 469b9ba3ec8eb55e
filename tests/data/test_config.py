import pytest

from lowcount.data.config import DataConfig

SMALL = dict(patch=(64, 48), max_shift_px=4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pairs": "real"}, "pairs"),
        ({"consistency": "mean"}, "consistency"),
        ({"views": ("lateral",)}, "views"),
        ({"patch": (4, 4)}, "patch"),
        ({"thin_factor": 0.5}, "thin_factor"),
    ],
)
def test_ill_data_configs_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataConfig(**kwargs)
