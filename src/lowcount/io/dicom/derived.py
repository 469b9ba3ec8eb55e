"""Enhanced counts as derived objects (NM Image, or Secondary Capture for an SC source): a new series of the
source's study, clearly marked AI-enhanced."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from lowcount.io.counts import counts_to_uint16
from lowcount.io.dicom.read import dcmread, read_wholebody
from lowcount.io.dicom.scan import ENHANCED_MARKER, SECONDARY_CAPTURE_PREFIX, UID_ROOT
from lowcount.io.dicom.views import IMAGE_TYPE_OF_VIEW, frame_views
from lowcount.io.dicom.write import code_item, set_frames, write_dataset


def write_enhanced(
    sources: str | Path | list[str | Path],
    anterior: np.ndarray | None,
    posterior: np.ndarray | None,
    out_dir: str | Path,
    model_name: str,
    model_version: str,
    input_description: str,
    energy_window: int | None = None,
    uid_entropy: list[str] | None = None,
    view: str | None = None,
) -> list[Path]:
    """Write enhanced counts as derived objects of the source's class in a new series of the source's study.

    Each source object is copied and edited as shared/docs/dicom-nm.md section 2 says: new series and
    instance UIDs, ``DERIVED\\PRIMARY\\WHOLE BODY\\EMISSION``, Derivation Description and Code, Source Image
    Sequence, Contributing Equipment, an explicit AI-enhanced series description and image comment, uint16
    counts with Counts Accumulated recomputed, stale display attributes removed. A 2-frame source gives one
    derived 2-frame object; separate ANT and POST files give one derived object each (same new series).
    A multi-window source keeps only the window that was enhanced. A 16-bit Secondary Capture source (one
    view) gives a derived Secondary Capture: an NM Image object would need NM modules (detectors, energy
    windows, counts accumulated) whose values the source never recorded, so none are invented.

    Args:
        sources: the acquired NM file(s) the enhanced views were computed from, as given to
            :func:`read_wholebody`.
        anterior, posterior: (rows, cols) enhanced counts in the source's stored geometry; None for a view the
            source does not hold.
        out_dir: folder to write ``<new SOPInstanceUID>.dcm`` files into.
        model_name, model_version: what produced the counts (goes into Derivation Description).
        input_description: how the input was acquired, e.g. ``"input acquired at 45 cm/min"``.
        energy_window: the window that was enhanced (default: the one :func:`read_wholebody` picks).
        uid_entropy: strings that make the new UIDs reproducible (default: random UIDs).
        view: the view of a single-view source, as given to :func:`read_wholebody`.

    Returns:
        The paths written, one per source file.
    """
    from pydicom.uid import generate_uid

    paths = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(p) for p in sources]
    scan = read_wholebody(paths, energy_window=energy_window, view=view)
    given = {"anterior": anterior, "posterior": posterior}
    if {v for v, counts in given.items() if counts is not None} != set(scan.view_names):
        present = [v for v, counts in given.items() if counts is not None]
        raise ValueError(f"enhanced views {present} do not match the source's views {list(scan.view_names)}")
    enhanced = {v: counts_to_uint16(given[v], f"enhanced {v} view") for v in scan.view_names}
    for v, counts in enhanced.items():
        if counts.shape != getattr(scan, v).shape:
            raise ValueError(
                f"enhanced {v} view must keep the source geometry {getattr(scan, v).shape}, got {counts.shape}"
            )
    series = generate_uid(UID_ROOT, entropy_srcs=None if uid_entropy is None else [*uid_entropy, "series"])
    written = []
    for k, path in enumerate(paths):
        frames = sorted((index, view) for view, (origin, index) in scan.origin.items() if origin == str(path))
        sop = generate_uid(UID_ROOT, entropy_srcs=None if uid_entropy is None else [*uid_entropy, "instance", str(k)])
        ds = derived_dataset(dcmread(path), path, frames, enhanced, series, sop, scan.energy_window or 1)
        annotate_derivation(ds, model_name, model_version, input_description)
        if scan.secondary_capture:  # no Detector Information here: Image Type carries the view on
            ds.ImageType = [*ds.ImageType, IMAGE_TYPE_OF_VIEW[frames[0][1]]]
        written.append(write_dataset(ds, Path(out_dir)))
    return written


def derived_dataset(src, path: Path, frames: list[tuple[int, str]], enhanced: dict, series: str, sop: str, window: int):
    """A copy of ``src`` holding only ``frames`` (source index, view), with the enhanced pixels and new UIDs."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian

    frame_keys, _ = frame_views(src, path, int(src.get("NumberOfFrames", 1) or 1))
    secondary_capture = str(src.SOPClassUID).startswith(SECONDARY_CAPTURE_PREFIX)
    ds = copy.deepcopy(src)  # Dataset.copy() shares data elements with the source
    ds.SeriesInstanceUID = series
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SeriesNumber = int(src.get("SeriesNumber", 0) or 0) + 1000
    ref = Dataset()
    ref.ReferencedSOPClassUID = str(src.SOPClassUID)
    ref.ReferencedSOPInstanceUID = str(src.SOPInstanceUID)
    ref.PurposeOfReferenceCodeSequence = Sequence(
        [code_item("121322", "DCM", "Source image for image processing operation")]
    )
    ref.SpatialLocationsPreserved = "YES"
    ds.SourceImageSequence = Sequence([ref])
    if "DetectorVector" in src:
        ds.DetectorVector = [frame_keys[index][1] for index, _ in frames]
    if "EnergyWindowVector" in src:
        ds.EnergyWindowVector = [1] * len(frames)
    if int(src.get("NumberOfEnergyWindows", 1) or 1) > 1:
        ds.NumberOfEnergyWindows = 1
        seq = list(src.get("EnergyWindowInformationSequence", []) or [])
        if window - 1 < len(seq):
            ds.EnergyWindowInformationSequence = Sequence([seq[window - 1]])
    set_frames(ds, np.stack([enhanced[view] for _, view in frames]), nm=not secondary_capture)
    return ds


def annotate_derivation(ds, model_name: str, model_version: str, input_description: str) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds.ImageType = ["DERIVED", "PRIMARY", "WHOLE BODY", "EMISSION"]
    ds.SeriesDescription = f"{ENHANCED_MARKER} {model_name}"[:64]
    ds.ImageComments = f"{ENHANCED_MARKER}; {model_name} {model_version}; {input_description}"[:10240]
    ds.DerivationDescription = f"{model_name} {model_version}: deep-learning count enhancement; {input_description}"[
        :1024
    ]
    ds.DerivationCodeSequence = Sequence([code_item("113087", "DCM", "Smoothing")])
    equipment = Dataset()
    equipment.PurposeOfReferenceCodeSequence = Sequence([code_item("109103", "DCM", "Modifying Equipment")])
    equipment.Manufacturer = "lowcount"
    equipment.ManufacturerModelName = model_name[:64]
    equipment.SoftwareVersions = model_version[:64]
    equipment.ContributionDescription = "AI count enhancement"
    ds.ContributingEquipmentSequence = Sequence([equipment])
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
