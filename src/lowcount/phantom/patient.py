"""One synthetic patient and its scans: the standard scan and fast scans at any speed factor.

Fast scans are made one of two ways (shared/docs/phantom-physics.md section 4):

- ``independent`` (default): a separate Poisson draw of the patient as it is at the later scan time:
  decay between and during scans, soft tissue clearing, the bladder filling or voided (sometimes leaving
  urine contamination), a rigid shift of up to ``max_shift_px`` and sometimes head or limb motion. The
  fast/standard count ratio therefore differs from 1/k.
- ``thinned``: binomial thinning of the standard scan's counts with p = 1/k, nested in the standard scan.

Every acquisition keeps its noiseless expected counts (the ground truth) and its lesion label maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lowcount.phantom.anatomy import Anatomy, Body, add_bladder, build_anatomy, sample_body
from lowcount.phantom.camera import CameraConfig, Motion, place, project, row_times_min
from lowcount.phantom.lesions import (
    Diagnosis,
    Lesion,
    label_map,
    render_lesion,
    sample_diagnosis,
    sample_lesions,
    urine_contamination,
)
from lowcount.phantom.protocol import PhantomConfig, acquisition_name
from lowcount.phantom.uptake import Kinetics, Uptake, decay_factor, sample_kinetics, sample_uptake, uptake_at
from lowcount.poisson import poisson_counts, thin_counts


@dataclass
class Patient:
    """A sampled patient.

    Attributes:
        body, uptake, kinetics, diagnosis: sampled parameters.
        lesions: findings; ``lesion_start`` maps an id to the first acquisition index showing it
            (0 for all but contamination that appears after voiding).
        delay_min: injection to start of the standard scan.
        counts_per_view: expected counts per view of the standard scan (mean of ANT and POST).
        family: ``procedural`` or ``xcat`` (lowcount.phantom.protocol.PhantomConfig.family).
        camera: the patient's camera: the cohort's, with its own pixel size or collimator when randomised.
        soft_texture: the factor on the soft tissue's emission, when the cohort randomises it.
    """

    body: Body
    uptake: Uptake
    kinetics: Kinetics
    diagnosis: Diagnosis
    lesions: list[Lesion]
    delay_min: float
    counts_per_view: float
    anatomy: Anatomy
    lesion_start: dict[int, int] = field(default_factory=dict)
    family: str = "procedural"
    camera: CameraConfig | None = None
    soft_texture: np.ndarray | None = None


@dataclass
class Acquisition:
    """One scan of a patient.

    Attributes:
        name: ``standard``, ``fast2x``...
        speed_factor: table speed relative to the standard scan.
        velocity_cm_min: table speed.
        start_min: start time after injection.
        duration_min: time the table takes to cover the field of view.
        expected: (2, rows, cols) float32 noiseless expected counts (anterior, posterior): the truth.
        counts: (2, rows, cols) float32 integer counts.
        labels: (2, rows, cols) uint16 lesion ids per pixel (posterior mirrored like its image).
        motion: displacement against the standard scan.
        mode: ``standard``, ``independent`` or ``thinned``.
    """

    name: str
    speed_factor: float
    velocity_cm_min: float
    start_min: float
    duration_min: float
    expected: np.ndarray
    counts: np.ndarray
    labels: np.ndarray
    motion: Motion
    mode: str


def _family(rng: np.random.Generator, cfg: PhantomConfig) -> str:
    if cfg.family != "mixed":
        return cfg.family
    return "xcat" if rng.random() < cfg.xcat_fraction else "procedural"


def scaled_bone_uptake(uptake: Uptake, factor: float) -> Uptake:
    """``uptake`` with bone, kidneys and bladder times ``factor`` (they keep their ratios to the spine)."""
    from dataclasses import replace

    fields = ("spine", "rib", "skull", "joint", "sternum", "kidney", "bladder")
    return replace(uptake, **{name: getattr(uptake, name) * factor for name in fields})


def xcat_uptake(uptake: Uptake, spine_to_soft: float) -> Uptake:
    """``uptake`` with bone, kidneys and bladder rescaled so that spine : soft tissue is ``spine_to_soft``.

    The procedural concentrations are set for its thin drawn bones; the voxel skeleton's bones are solid, so
    its per-volume ratio is drawn directly (the kidneys and bladder keep their ratio to the spine).
    """
    return scaled_bone_uptake(uptake, spine_to_soft * uptake.soft / uptake.spine)


def sample_patient(rng: np.random.Generator, cfg: PhantomConfig) -> Patient:
    """Draw a patient: family, body, diagnosis, uptake, kinetics, findings, delay and count level."""
    from lowcount.phantom import randomisation

    family = _family(rng, cfg)
    camera = randomisation.sample_camera(rng, cfg)
    grid = camera.grid
    body = sample_body(rng, grid, cfg.young_fraction if family == "procedural" else 0.0)
    diagnosis = sample_diagnosis(rng, body.sex, cfg.metastatic_fraction, age_years=body.age_years)
    uptake = sample_uptake(rng, body.age_years, diagnosis.superscan)
    kinetics = sample_kinetics(rng, cfg.void_probability)
    if family == "xcat":
        from lowcount.phantom.xcat.anatomy import build_xcat_anatomy

        uptake = xcat_uptake(uptake, float(rng.uniform(*cfg.xcat_spine_to_soft)))
        anatomy = build_xcat_anatomy(body, uptake, grid, float(rng.uniform(*cfg.xcat_liver_to_soft)))
    else:
        if cfg.procedural_bone_scale is not None:
            uptake = scaled_bone_uptake(uptake, float(rng.uniform(*cfg.procedural_bone_scale)))
        anatomy = build_anatomy(body, uptake, grid)
    if cfg.bone_uptake_spread > 0:
        randomisation.spread_bone_uptake(rng, anatomy, cfg.bone_uptake_spread)
    if cfg.heart_to_soft is not None:
        ratio = float(rng.uniform(*cfg.heart_to_soft))
        randomisation.add_heart(anatomy, grid, uptake, ratio, body.height_cm / 175.0)
    texture = None
    if cfg.soft_texture_sd > 0:
        texture = randomisation.soft_texture(rng, grid, cfg.soft_texture_sd, cfg.soft_texture_length_cm)
    lesions = sample_lesions(rng, anatomy, grid, uptake, diagnosis, body.age_years)
    delay = rng.uniform(*cfg.delay_h) * 60.0
    counts = rng.uniform(*cfg.standard_counts_per_view)
    start = {lesion.lesion_id: 0 for lesion in lesions}
    patient = Patient(
        body, uptake, kinetics, diagnosis, lesions, delay, counts, anatomy, start, family, camera, texture
    )
    contaminated = rng.random() < cfg.contamination_after_void
    if kinetics.voided and contaminated and cfg.fast_mode == "independent" and cfg.speed_factors:
        extra = urine_contamination(rng, anatomy, uptake, len(lesions) + 1)
        patient.lesions.append(extra)
        patient.lesion_start[extra.lesion_id] = 1
    return patient


def _sample_motion(rng: np.random.Generator, cfg: PhantomConfig) -> Motion:
    pixel = cfg.camera.grid.pixel_cm
    shift = tuple(float(v) for v in rng.uniform(-cfg.max_shift_px, cfg.max_shift_px, size=2) * pixel)
    segments: list[tuple[str, float, float]] = []
    if rng.random() < cfg.limb_motion_probability:
        part = str(rng.choice(["head", "arm", "leg"]))
        side = str(rng.choice(["left", "right"]))
        sign = float(rng.choice([-1.0, 1.0]))
        if part == "head":
            segments.append(("head", sign * rng.uniform(0.5, 1.5), rng.uniform(-0.3, 0.3)))
        elif part == "arm":
            segments.append((f"arm_{side}", sign * rng.uniform(0.5, 2.0), rng.uniform(-1.0, 1.0)))
        else:
            segments.append((f"leg_{side}", sign * rng.uniform(0.3, 1.0), 0.0))
    return Motion(shift_cm=shift, segments=tuple(segments))  # type: ignore[arg-type]


def anatomy_at(patient: Patient, uptake: Uptake, grid) -> Anatomy:
    """The patient's anatomy with ``uptake``'s concentrations: bone is unchanged (plateau), soft tissue,
    lungs and kidneys are rescaled, and the bladder is rebuilt for its new volume."""
    base = patient.uptake
    soft = uptake.soft / base.soft
    factors = {"soft": soft, "lung": soft, "organ": soft, "kidney": uptake.kidney / base.kidney}
    pieces = [
        p.scaled(factors[p.tissue]) if p.tissue in factors else p
        for p in patient.anatomy.pieces
        if p.tissue != "bladder"
    ]
    base_anatomy = patient.anatomy
    anatomy = Anatomy(
        pieces, base_anatomy.paths, base_anatomy.landmarks, base_anatomy.sites, base_anatomy.bladder_centre_cm
    )
    add_bladder(anatomy, grid, patient.body, uptake)
    return anatomy


def _render(patient: Patient, uptake: Uptake, lesion_ids: list[int], motion: Motion, cfg: PhantomConfig):
    grid = cfg.camera.grid
    anatomy = anatomy_at(patient, uptake, grid)
    lesion_pieces = [
        piece
        for lesion in patient.lesions
        if lesion.lesion_id in lesion_ids
        for piece in render_lesion(lesion, anatomy, grid)
    ]
    pieces = place(anatomy.pieces + lesion_pieces, motion, grid)
    placed_lesions = pieces[len(anatomy.pieces) :]
    texture = patient.soft_texture
    if texture is not None and motion.shift_cm != (0.0, 0.0):
        from scipy import ndimage

        shift_px = (motion.shift_cm[1] / grid.pixel_cm, motion.shift_cm[0] / grid.pixel_cm)
        texture = ndimage.shift(texture, shift_px, order=1, mode="nearest")
    density = project(pieces, uptake.soft, cfg.camera, texture)
    labels = label_map(placed_lesions, grid)
    return density, np.stack([labels, labels[:, ::-1]])


def _time_weights(start_min: float, velocity: float, cfg: PhantomConfig) -> np.ndarray:
    """(rows, 1) exposure (min) times decay at the moment the detector passes each row."""
    cam = cfg.camera
    times = row_times_min(cam.grid, start_min, velocity, cam.fov_length_cm)
    return (cam.fov_length_cm / velocity * decay_factor(times)).astype(np.float32)[:, None]


def acquire(patient: Patient, cfg: PhantomConfig, rng: np.random.Generator) -> list[Acquisition]:
    """Simulate the standard scan, then each fast scan in ``cfg.speed_factors`` order.

    The sensitivity is set so that the standard scan's expected counts per view (mean of the two views)
    equal ``patient.counts_per_view``; later scans use the same sensitivity, so their counts follow from
    speed, decay and redistribution. A patient with its own camera (randomised pixel or collimator) is
    scanned with it.
    """
    if patient.camera is not None:
        from dataclasses import replace

        cfg = replace(cfg, camera=patient.camera)
    length_cm = cfg.camera.grid.rows * cfg.camera.grid.pixel_cm
    v0 = cfg.standard_velocity_cm_min
    duration0 = length_cm / v0
    first_ids = [i for i, start in patient.lesion_start.items() if start == 0]
    density, labels = _render(patient, patient.uptake, first_ids, Motion(), cfg)
    raw = density * _time_weights(patient.delay_min, v0, cfg)[None]
    scale = patient.counts_per_view / float(raw.sum(axis=(1, 2)).mean())
    expected = (raw * scale).astype(np.float32)
    standard = Acquisition(
        "standard",
        1.0,
        v0,
        patient.delay_min,
        duration0,
        expected,
        poisson_counts(expected, rng),
        labels,
        Motion(),
        "standard",
    )
    out = [standard]
    clock = patient.delay_min + duration0
    for index, k in enumerate(cfg.speed_factors, start=1):
        velocity = v0 * k
        duration = length_cm / velocity
        if cfg.fast_mode == "thinned":
            out.append(
                Acquisition(
                    acquisition_name(k),
                    k,
                    velocity,
                    patient.delay_min,
                    duration,
                    (standard.expected / k).astype(np.float32),
                    thin_counts(standard.counts, 1.0 / k, rng),
                    standard.labels,
                    Motion(),
                    "thinned",
                )
            )
            continue
        start = clock + rng.uniform(*cfg.setup_gap_min)
        minutes_after = start + duration / 2 - (patient.delay_min + duration0 / 2)
        uptake = uptake_at(patient.uptake, patient.kinetics, max(minutes_after, 0.0))
        motion = _sample_motion(rng, cfg)
        ids = [i for i, s in patient.lesion_start.items() if s <= index]
        density, labels = _render(patient, uptake, ids, motion, cfg)
        expected = (density * _time_weights(start, velocity, cfg)[None] * scale).astype(np.float32)
        out.append(
            Acquisition(
                acquisition_name(k),
                k,
                velocity,
                start,
                duration,
                expected,
                poisson_counts(expected, rng),
                labels,
                motion,
                "independent",
            )
        )
        clock = start + duration
    return out


def lesion_free_scans(seed: int, speed_factor: float = 3.0) -> tuple[Acquisition, Acquisition]:
    """(standard, fast) acquisitions of the default phantom patient of ``seed`` with every lesion and artefact
    removed: where a method's hot spot cannot be a finding (lowcount bench hot-spots, training validation)."""
    from dataclasses import replace

    cfg = replace(PhantomConfig(), speed_factors=(speed_factor,))
    rng = np.random.default_rng(seed)
    patient = sample_patient(rng, cfg)
    patient.lesions.clear()
    patient.lesion_start.clear()
    standard, fast = acquire(patient, cfg, rng)
    return standard, fast
