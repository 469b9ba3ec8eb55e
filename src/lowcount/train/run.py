"""``lowcount train``: build the data, the network and the method from a config, then run the loop."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from pathlib import Path

import torch

from lowcount.data.paired import PairedScans
from lowcount.data.unpaired import UnpairedScans
from lowcount.evaluate.validation import LesionFreeCheck, Validator, joined
from lowcount.io.atomic import atomic_write_text
from lowcount.io.manifest import manifest_path, read_manifest
from lowcount.io.truth import cohort_has_truth
from lowcount.models import build_model
from lowcount.models.patchgan import build_discriminator
from lowcount.models.weights import save_weights
from lowcount.train.checkpoint import LAST
from lowcount.train.config import RunConfig, load_run_config, plain
from lowcount.train.cyclegan import CycleGAN
from lowcount.train.distributed import Dist, barrier, setup, teardown, wrap
from lowcount.train.gan import PairedGAN
from lowcount.train.loop import fit
from lowcount.train.supervised import Supervised


def model_args(cfg: RunConfig) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in cfg.model.args.items()}


def train(
    config: str | Path | RunConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    fold: int | None = None,
    device: str | None = None,
    progress: bool = True,
    overrides: tuple[str, ...] = (),
    no_truth: bool = False,
) -> dict[str, float]:
    """Train one model; returns the validation metrics of the exported weights (``psnr``, ``ssim``,
    ``input_psnr``...: the last validation, or with ``train.export: best`` the chosen one's).

    ``overrides`` (``section.key=value``) change a config read from a file. Validation uses the phantom's
    truth when the manifest names it (missing truth files are an error), never with ``no_truth``. A run
    folder this call created is removed again when the run fails before its first checkpoint.
    """
    out = Path(out_dir)
    created = not out.exists()
    volume_cfg = None if isinstance(config, RunConfig) else _volume_config(config, overrides)
    if volume_cfg is not None:  # a micro-CT config (lowcount.train.volume_run)
        from lowcount.train.volume_run import train_volumes

        with _removed_on_failure(out, created):
            return train_volumes(volume_cfg, data_dir, out, resume, device, progress)
    cfg = config if isinstance(config, RunConfig) else load_run_config(config, overrides)
    manifest = manifest_path(data_dir)
    dist = setup(device)
    try:
        with _removed_on_failure(out, created, dist.main):
            metrics = _train(cfg, manifest, out, dist, resume, fold, progress, no_truth)
        barrier(dist)
        return metrics
    finally:
        teardown(dist)


def _volume_config(config: str | Path, overrides: tuple[str, ...]):
    """The CT run config of a YAML with a ``volume:`` section, else None."""
    from lowcount.config import read_yaml
    from lowcount.train.config import apply_overrides
    from lowcount.train.volume_run import is_volume_config, volume_run_config

    sections = read_yaml(config) or {}
    if not is_volume_config(sections):
        return None
    return volume_run_config(apply_overrides(sections, overrides, str(config)), str(config))


@contextlib.contextmanager
def _removed_on_failure(out: Path, created: bool, main: bool = True):
    """Remove a run folder this call created when the run fails before its first checkpoint."""
    try:
        yield
    except Exception:
        if created and main and out.is_dir() and not (out / LAST).is_file():
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        raise


def train_folds(
    config: str | Path | RunConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    device: str | None = None,
    progress: bool = True,
    overrides: tuple[str, ...] = (),
    no_truth: bool = False,
) -> dict[int, dict[str, float]]:
    """5-fold cross-validation: one run per fold of the manifest into ``out_dir/fold<k>``; {fold: metrics}."""
    folds = sorted({row["fold"] for row in read_manifest(data_dir)})
    out = Path(out_dir)
    return {
        k: train(config, data_dir, out / f"fold{k}", resume, k, device, progress, overrides, no_truth) for k in folds
    }


def exported_validation(run: str | Path) -> dict | None:
    """The ``validation`` card (checkpoint, step, metrics) of a run's exported weights, if it has one."""
    sidecar = Path(run) / "model.json"
    return json.loads(sidecar.read_text()).get("validation") if sidecar.is_file() else None


def _train(
    cfg: RunConfig,
    manifest: Path,
    out: Path,
    dist: Dist,
    resume: bool,
    fold: int | None,
    progress: bool,
    no_truth: bool = False,
) -> dict[str, float]:
    torch.manual_seed(cfg.train.seed)
    net = build_model(cfg.model.name, **model_args(cfg))
    if cfg.model.init_from and not resume:
        net.load_state_dict(_initial_weights(cfg).state_dict())
    if cfg.model.init_parts and not resume:
        _load_parts(net, cfg.model.init_parts)
    data_cfg, method_name = cfg.data, cfg.train.method
    if getattr(net, "stride", 1) > data_cfg.stride or data_cfg.stride % getattr(net, "stride", 1):
        raise ValueError(f"data.stride {data_cfg.stride} must be a multiple of the model's stride {net.stride}")
    method = build_method(cfg, net, dist, _perceptual(cfg) if method_name == "gan" else None)
    if dist.main:
        import yaml

        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "config.yaml", yaml.safe_dump({**plain(cfg), "fold": fold}, sort_keys=False))
    if method_name == "noise_level":
        train_set, validate = _noise_level_data(cfg, manifest, fold, dist, no_truth)
        return _fit_and_export(cfg, method, train_set, validate, manifest, out, dist, resume, progress, fold, 1.0)
    if method_name == "segmentation":
        train_set, validate = _segmentation_data(cfg, manifest, fold, dist, no_truth)
        return _fit_and_export(cfg, method, train_set, validate, manifest, out, dist, resume, progress, fold, 1.0)
    if method_name == "cyclegan":
        settings = cfg.method
        train_set = UnpairedScans(
            manifest, "train", data_cfg, fold, cfg.train.seed, settings.same_patients, settings.split_weight > 0
        )
    else:
        train_set = PairedScans(manifest, "train", data_cfg, fold, cfg.train.seed)
    validate = None
    if dist.main:
        # Models trained on simulated (thinned or split) pairs are validated on the real fast scans when there are any.
        rows = read_manifest(manifest)
        real_fast = data_cfg.pairs in ("thinned", "split") and data_cfg.fast != data_cfg.target
        real_fast = real_fast and any(r["acquisition"] == data_cfg.fast for r in rows)
        val_cfg = replace(data_cfg, pairs="acquired", thin_factor_range=None) if real_fast else data_cfg
        with_truth = cohort_has_truth(rows, manifest, no_truth)
        val_set = PairedScans(manifest, "val", val_cfg, fold, cfg.train.seed, with_truth=with_truth)
        validate = Validator(val_set)
    speed_factor = 1.0 if data_cfg.pairs in ("emanet", "self") else _speed_factor(manifest, data_cfg.fast)
    if validate is not None and cfg.train.lesion_free_seeds:
        check = LesionFreeCheck(cfg.train.lesion_free_seeds, speed_factor, _enhancer_for(plain(cfg)["data"], dist))
        validate = joined(validate, check)
    return _fit_and_export(cfg, method, train_set, validate, manifest, out, dist, resume, progress, fold, speed_factor)


def _fit_and_export(cfg, method, train_set, validate, manifest, out, dist, resume, progress, fold, speed_factor):
    """Run the loop; the export writes the weights with a sidecar naming the data they were trained on."""
    method_name = cfg.train.method
    pairing = {"cyclegan": "unpaired", "noise_level": "noise levels"}.get(method_name, f"{cfg.data.pairs} pairs")
    if method_name == "segmentation":
        pairing = f"lesion masks on {cfg.data.pairs} inputs"
    if method_name == "cyclegan":
        n_patients = len(set(train_set.fast_patients) | set(train_set.standard_patients))
    else:
        n_patients = len(train_set.patients)

    def export(m, run: Path, validation: dict) -> None:
        save_weights(
            m.inference_net(),
            run / "model",
            cfg.model.name,
            model_args(cfg),
            f"{manifest} ({n_patients} training patients, fold {fold}, {pairing}, method {method_name})",
            extra={
                "data": plain(cfg)["data"],
                "speed_factor": speed_factor,
                "method": method_name,
                "validation": validation,
            },
        )

    return fit(method, train_set, cfg.train, out, dist, validate, resume, export, progress)


def _noise_level_data(cfg: RunConfig, manifest: Path, fold, dist: Dist, no_truth: bool):
    """The training samples and the validation of a noise-level estimator (lowcount.train.noise_level)."""
    from lowcount.data.noise_level_samples import NoiseLevelSamples
    from lowcount.train.noise_level import level_validator

    settings = cfg.method
    rows = read_manifest(manifest)
    base = settings.base
    if base == "auto":
        base = "truth" if cohort_has_truth(rows, manifest, no_truth) else "standard"
    elif base == "truth" and not cohort_has_truth(rows, manifest, no_truth):
        raise ValueError(f"{manifest}: noise_level.base truth needs a phantom cohort's truth; use base standard")
    levels, seed = tuple(settings.levels), cfg.train.seed
    train_set = NoiseLevelSamples(manifest, "train", cfg.data, fold, seed, levels, settings.test_levels, base)
    validate = None
    if dist.main:
        val_set = NoiseLevelSamples(manifest, "val", cfg.data, fold, seed, levels, settings.test_levels, base)
        validate = level_validator(val_set)
    return train_set, validate


def _enhancer_for(data: dict, dist: Dist):
    """The whole-scan enhancer (as ``lowcount enhance`` runs it) around a training method's inference network."""
    from lowcount.inference import Enhancer

    def make(method) -> Enhancer:
        precision = "bf16" if method.cfg.amp == "bf16" else "fp32"
        return Enhancer(method.inference_net(), {"data": data}, str(dist.device), precision)

    return make


def build_method(cfg: RunConfig, net, dist: Dist, perceptual=None):
    """The training method of ``cfg.train.method`` around generator ``net`` (critics built here)."""
    settings = cfg.method
    if cfg.train.method == "segmentation":
        from lowcount.train.segmentation import SegmentationTraining

        return SegmentationTraining(net, cfg.train, settings, dist.device, wrap(net.to(dist.device), dist))
    if cfg.train.method == "noise_level":
        from lowcount.train.noise_level import NoiseLevelTraining

        return NoiseLevelTraining(net, cfg.train, dist.device, wrap(net.to(dist.device), dist))
    if cfg.train.method == "supervised":
        return Supervised(net, cfg.train, settings, dist.device, wrap(net.to(dist.device), dist))
    if cfg.train.method == "gan":
        critic = build_discriminator(settings.critic.name, **settings.critic_args())
        return PairedGAN(net, critic, cfg.train, settings, dist.device, perceptual, dist)
    critic = build_discriminator(settings.critic.name, **settings.critic.args)
    return CycleGAN(net, critic, cfg.train, settings, dist.device, dist)


def _speed_factor(manifest: Path, acquisition: str) -> float:
    factors = {float(r["speed_factor"]) for r in read_manifest(manifest) if r["acquisition"] == acquisition}
    if not factors:
        raise ValueError(f"{manifest}: no {acquisition!r} scans; check data.fast against the manifest")
    return factors.pop()


def _initial_weights(cfg: RunConfig) -> torch.nn.Module:
    """The trained network ``model.init_from`` names, checked against the ``model`` section."""
    from lowcount.models.weights import load_weights
    from lowcount.shipped import MODELS, STARTS, model_weights

    source = cfg.model.init_from
    path = model_weights(source) if source in (*MODELS, *STARTS) else Path(source).with_suffix(".safetensors")
    loaded, meta = load_weights(path)
    if meta["model"] != cfg.model.name or json.loads(json.dumps(model_args(cfg))) != meta["model_args"]:
        raise ValueError(
            f"{path}: model.init_from holds {meta['model']!r} with {meta['model_args']}, but the model section "
            f"asks for {cfg.model.name!r} with {model_args(cfg)}; give weights of the same architecture"
        )
    return loaded


def _segmentation_data(cfg: RunConfig, manifest: Path, fold, dist: Dist, no_truth: bool):
    """The training samples (with their lesion masks) and the validation of a lesion segmenter."""
    from lowcount.train.segmentation import segmentation_validator

    if not cohort_has_truth(read_manifest(manifest), manifest, no_truth):
        raise ValueError(
            f"{manifest}: train.method segmentation learns the phantom's lesion masks; give a simulated cohort"
        )
    seed = cfg.train.seed
    train_set = PairedScans(manifest, "train", cfg.data, fold, seed, with_truth=True)
    validate = None
    if dist.main:
        val_cfg = replace(cfg.data, thin_factor_range=None)
        validate = segmentation_validator(PairedScans(manifest, "val", val_cfg, fold, seed, with_truth=True))
    return train_set, validate


def _load_parts(net: torch.nn.Module, parts: dict) -> None:
    """Load each ``{part: weights}`` into the submodule ``net.<part>`` (model.init_parts)."""
    from lowcount.models.weights import load_weights

    for part, source in parts.items():
        target = getattr(net, part, None)
        if not isinstance(target, torch.nn.Module):
            raise ValueError(f"model.init_parts: the model has no part {part!r}; its parts: {_part_names(net)}")
        path = Path(source) / "model.safetensors" if Path(source).is_dir() else Path(source).with_suffix(".safetensors")
        loaded, meta = load_weights(path)
        try:
            target.load_state_dict(loaded.state_dict())
        except RuntimeError as exc:
            raise ValueError(
                f"{path}: model.init_parts.{part} holds {meta['model']!r} with {meta['model_args']}, which does not "
                f"fit the model's {part}; give weights of the same architecture ({str(exc).splitlines()[0]})"
            ) from exc


def _part_names(net: torch.nn.Module) -> list[str]:
    return [name for name, _ in net.named_children()]


def _perceptual(cfg: RunConfig):
    """The perceptual loss of a paired GAN run, or None without one."""
    settings = cfg.method.perceptual
    if settings.network is None or cfg.method.perceptual_weight == 0:
        return None
    from lowcount.losses.perceptual import PerceptualLoss

    if settings.network == "domain" and not Path(settings.weights).with_suffix(".safetensors").is_file():
        raise ValueError(
            f"gan.perceptual.weights {settings.weights}: no fitted domain feature network there; fit it first with "
            f"`lowcount train feature_autoencoder --data COHORT --out {Path(settings.weights).parent}` "
            "(or give --set gan.perceptual.weights=FILE)"
        )
    return PerceptualLoss(settings.network, settings.layers, settings.weights, settings.criterion)
