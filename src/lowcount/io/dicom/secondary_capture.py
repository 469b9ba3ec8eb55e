"""Which Secondary Capture objects hold counts.

Many cameras and workstations export a whole-body view as a Secondary Capture (SC) object rather than as an
NM Image: one view per file, ``Modality NM``, the counts stored as 16-bit greyscale. Those are read like a
single-frame NM object. Screenshots are SC objects too, and hold display grey levels or colours instead of
counts: 8-bit, colour, palette, inverted or bitmap captures are refused with the reason. A 16-bit capture of
a processed image (smoothed, rescaled) passes this check; the counts check (lowcount.io.counts_check) is what
catches it, in ``lowcount info`` and before ``lowcount enhance``.
"""

from __future__ import annotations

from lowcount.io.dicom.scan import GRAYSCALE_WORD_SECONDARY_CAPTURE, SECONDARY_CAPTURE_IMAGE, fail
from lowcount.io.dicom.values import number, raw

MIN_BITS_STORED = 12  # a camera's counts per pixel reach thousands; fewer bits means a rendering for display

REFUSED_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.7.1": "a single-bit (bitmap) capture",
    "1.2.840.10008.5.1.4.1.1.7.2": "an 8-bit greyscale capture",
    "1.2.840.10008.5.1.4.1.1.7.4": "a true-colour capture",
}
COLOUR = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT")  # PALETTE COLOR is allowed in NM objects
ORIGINAL_FIX = (
    "Export the original NM acquisition (SOP Class 1.2.840.10008.5.1.4.1.1.20), or the raw counts of each view "
    "as a 16-bit MONOCHROME2 Secondary Capture with Modality NM."
)


def check_secondary_capture(ds, path) -> None:
    """Refuse a Secondary Capture that cannot hold a view's counts; pass a 16-bit NM greyscale one.

    Raises:
        DicomInputError: naming the file, the attribute and why the capture is a rendering, not counts.
    """
    sop_class = str(raw(ds, "SOPClassUID", path, ""))
    if sop_class in REFUSED_CLASSES:
        raise fail(path, "SOP Class UID (0008,0016)", f"is {sop_class}, {REFUSED_CLASSES[sop_class]}", ORIGINAL_FIX)
    if sop_class not in (SECONDARY_CAPTURE_IMAGE, GRAYSCALE_WORD_SECONDARY_CAPTURE):
        raise fail(path, "SOP Class UID (0008,0016)", f"is {sop_class}, an unknown kind of capture", ORIGINAL_FIX)
    photometric = str(raw(ds, "PhotometricInterpretation", path, ""))
    samples = number(ds, "SamplesPerPixel", path, default=1, whole=True)
    if photometric in (*COLOUR, "PALETTE COLOR") or samples != 1:
        raise fail(
            path,
            "Photometric Interpretation (0028,0004)",
            f"is {photometric or 'missing'} with {samples} sample(s) per pixel: a colour screenshot holds display "
            "colours, not counts",
            ORIGINAL_FIX,
        )
    if photometric != "MONOCHROME2":
        raise fail(
            path,
            "Photometric Interpretation (0028,0004)",
            f"is {photometric or 'missing'}, not MONOCHROME2: a capture for display (black on white), not counts",
            ORIGINAL_FIX,
        )
    modality = raw(ds, "Modality", path, None)
    if modality != "NM":
        raise fail(
            path,
            "Modality (0008,0060)",
            f"is {modality!r}: a Secondary Capture of counts must say 'NM'",
            "lowcount reads nuclear-medicine whole-body images only; check the export settings.",
        )
    bits = number(ds, "BitsStored", path, whole=True, positive=True)
    if bits is None or bits < MIN_BITS_STORED:
        raise fail(
            path,
            "Bits Stored (0028,0101)",
            f"is {bits}: an image of fewer than {MIN_BITS_STORED} bits is a rendering "
            "for display whose grey levels are not counts",
            ORIGINAL_FIX,
        )
    frames = number(ds, "NumberOfFrames", path, default=1, whole=True, positive=True)
    if frames != 1:
        raise fail(
            path,
            "Number of Frames (0028,0008)",
            f"is {frames}: a Secondary Capture is read as one view per file",
            "Export each view (anterior, posterior) as its own file and pass them together.",
        )
