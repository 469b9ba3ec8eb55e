"""``lowcount ct reader-set``: the blinded, randomised ranking set of the micro-CT observer study, from the
outputs of a ``lowcount ct compare`` run.

Each trial is one axial slice of one test mouse shown as every method's image (and the high-dose scan's,
as the paper's readers ranked it too), in a random order, under random file names. Readers rank the images
of a trial by overall quality. Written into ``out``:

- ``reading_set.json``, what a reader-study app shows (format ``lowcount-reading-set``, version 1):
  ``task`` (``rank``), ``window_hu`` and ``trials``, each ``{"trial": id, "images": [png paths]}``;
- ``images/<random hex>.png``: 8-bit greyscale, the slice windowed to ``window_hu`` and enlarged by ``scale``
  (nearest neighbour), so nothing about the method shows in the name, size or metadata;
- the unblinding key ``<out>.key.json`` beside the folder (so the folder can go to readers as it is): per
  trial the animal's volume hash, the slice and the method behind each image, and the seed.

Slices are drawn per animal from those whose body covers at least a quarter of the slice's largest body
cross-section, by ``default_rng(seed)``, so the same seed gives the same set.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_open, atomic_write_text
from lowcount.io.nifti import read_nifti

FORMAT = "lowcount-reading-set"
WINDOW_HU = (-1000.0, 1500.0)


def _png(path: Path, image: np.ndarray, window: tuple[float, float], scale: int) -> None:
    from PIL import Image

    lo, hi = window
    grey = np.clip((image - lo) / (hi - lo) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    grey = np.repeat(np.repeat(grey, scale, axis=0), scale, axis=1)
    with atomic_open(path, "wb") as fh:
        Image.fromarray(grey, mode="L").save(fh, format="PNG")


def key_path(out: Path) -> Path:
    """Where the unblinding key goes: beside the set's folder, not in it (``SET`` -> ``SET.key.json``)."""
    return out.with_name(f"{out.name}.key.json")


def reader_set(
    compare: str | Path,
    data: str | Path,
    out: str | Path,
    slices_per_animal: int = 3,
    seed: int = 0,
    scale: int = 3,
    window_hu: tuple[float, float] = WINDOW_HU,
) -> dict:
    """Write the reading set (module docstring); returns the key."""
    from lowcount.io.ct_scans import read_scans, scans_path, volumes_of

    compare, out = Path(compare), Path(out)
    card_path = compare / "methods.json"
    if not card_path.is_file():
        raise FileNotFoundError(f"{card_path}: missing; run `lowcount ct compare --out {compare}` first")
    volumes = json.loads(card_path.read_text()).get("mice_volumes") or {}
    if len(volumes) < 2:
        raise ValueError(f"{card_path}: a ranking needs two or more methods' outputs; run `lowcount ct compare` again")
    if slices_per_animal < 1 or scale < 1 or not window_hu[1] > window_hu[0]:
        raise ValueError(
            f"need slices_per_animal >= 1, scale >= 1 and a window low < high; got {slices_per_animal}, "
            f"{scale}, {window_hu}"
        )
    path = scans_path(data)
    rows = read_scans(path)
    rng = np.random.default_rng(seed)
    trials, key = [], {"seed": seed, "trials": {}}
    for animal, low in sorted(volumes_of(rows, "test", "low").items()):
        name = Path(low["path"]).name
        shown = {m: compare / rel / name for m, rel in volumes.items()}
        shown["raw high dose"] = path.parent / volumes_of(rows, "test", "high")[animal]["path"]
        truth = read_nifti(path.parent / low["truth_path"])[0]
        area = (truth > -900).sum(axis=(1, 2))
        candidates = np.flatnonzero(area >= 0.25 * area.max())
        chosen = np.sort(rng.choice(candidates, size=min(slices_per_animal, candidates.size), replace=False))
        loaded = {m: read_nifti(f)[0] for m, f in shown.items()}
        for z in chosen:
            trial = f"t{len(trials):03d}"
            order = rng.permutation(len(loaded))
            names = list(loaded)
            images, behind = [], {}
            for k in order:
                rel = f"images/{rng.bytes(10).hex()}.png"
                _png(out / rel, loaded[names[k]][int(z)], window_hu, scale)
                images.append(rel)
                behind[rel] = names[k]
            trials.append({"trial": trial, "images": images})
            key["trials"][trial] = {"animal_volume": name, "slice": int(z), "images": behind}
    shown_set = {"format": FORMAT, "version": 1, "task": "rank", "window_hu": list(window_hu), "trials": trials}
    atomic_write_text(out / "reading_set.json", json.dumps(shown_set, indent=2))
    atomic_write_text(key_path(out), json.dumps(key, indent=2))
    return key
