"""Where the frames of a DICOM file without functional groups lie, and what the user is told.

Radiographs (CR/DX), mammograms, ultrasound frames and cines, secondary captures and other
multi-frame files (NM, XA) carry no per-frame functional groups; many carry no patient
position at all. Their frames are placed here:

- *In the patient* when the file gives ImagePositionPatient and ImageOrientationPatient (on
  the data set, or for NM in its DetectorInformationSequence): one frame, or frames stacked
  along the slice normal ``SpacingBetweenSlices`` (else ``SliceThickness``) apart.
- *On a plane* otherwise: frames in file order, scrolled like slices 1 (unitless) apart, on an
  identity orientation at the origin. A cine's frames are moments in time, not positions; the
  notice says so (as it does for a single CT/MR/PET/NM image that gives no position; a
  radiograph or a capture is not expected to).

The in-plane pixel spacing is PixelSpacing, else ImagerPixelSpacing (at the detector: the
notice says sizes are not corrected for magnification), else the ultrasound region's physical
deltas, else 1 with a notice that lengths are in pixels.

Colour images are kept as one value per pixel: their luminance, ITU-R BT.601
(``0.299 R + 0.587 G + 0.114 B``, rounded), since a volume holds one value per voxel; a
PALETTE COLOR image is first mapped through its palette. The notice says so.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

PLANE_ORIENTATION = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
#: Modalities whose images are expected to say where they lie (a notice when one does not).
CROSS_SECTIONAL = frozenset({"CT", "MR", "PT", "NM"})
LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601
_CENTIMETRE = 3  # PhysicalUnitsXDirection code of an ultrasound region in cm
COLOUR_NOTICE = (
    "A colour image: kept as its luminance (0.299 R + 0.587 G + 0.114 B), one value per pixel."
)


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _pair(values: Any) -> tuple[float, float] | None:
    try:
        row, column = (_positive(v) for v in values)
    except (TypeError, ValueError):
        return None
    return (row, column) if row is not None and column is not None else None


def pixel_spacing(ds: Any) -> tuple[tuple[float, float], str | None]:
    """The (row, column) spacing in mm and a notice when it is not PixelSpacing."""
    spacing = _pair(ds.get("PixelSpacing"))
    if spacing is not None:
        return spacing, None
    spacing = _pair(ds.get("ImagerPixelSpacing"))
    if spacing is not None:
        return spacing, (
            f"Pixel size from ImagerPixelSpacing ({spacing[0]:g} × {spacing[1]:g} mm, at the "
            "detector): lengths are in mm at the detector, not corrected for magnification."
        )
    for region in ds.get("SequenceOfUltrasoundRegions") or []:
        units = (region.get("PhysicalUnitsXDirection"), region.get("PhysicalUnitsYDirection"))
        deltas = _pair([region.get("PhysicalDeltaY"), region.get("PhysicalDeltaX")])
        if units == (_CENTIMETRE, _CENTIMETRE) and deltas is not None:
            spacing = (deltas[0] * 10, deltas[1] * 10)
            return spacing, (
                f"Pixel size from the ultrasound region ({spacing[0]:.4g} × {spacing[1]:.4g} mm)."
            )
    return (1.0, 1.0), "No pixel size given: lengths are in pixels (shown as mm)."


def patient_geometry(ds: Any) -> tuple[Any, Any] | None:
    """ImagePositionPatient and ImageOrientationPatient of the file (NM: of its detector),
    as given (checked by the caller); None when the file does not place itself."""
    sources = [ds, *(ds.get("DetectorInformationSequence") or [])[:1]]
    for source in sources:
        position = source.get("ImagePositionPatient")
        orientation = source.get("ImageOrientationPatient")
        if position not in (None, "") and orientation not in (None, ""):
            return position, orientation
    return None


def stack_step(ds: Any) -> float | None:
    """The distance between the frames of a stack: SpacingBetweenSlices, else SliceThickness."""
    return _positive(ds.get("SpacingBetweenSlices")) or _positive(ds.get("SliceThickness"))


def frames_notice(count: int, reason: str) -> str:
    """What a user is told of frames that are not positions in the patient."""
    return (
        f"{count} frames without a position in the patient ({reason}): shown one after the "
        "other like slices, 1 apart; distances between frames mean nothing."
    )


def plane_notice(reason: str) -> str:
    """What a user is told of a single image with no position in the patient."""
    return f"A 2D image ({reason}): placed at the origin, facing the viewer."


def luminance(pixels: npt.NDArray[Any], ds: Any) -> npt.NDArray[Any]:
    """One value per pixel from decoded colour pixels (``…×3``, or palette indices)."""
    if str(ds.get("PhotometricInterpretation", "")).strip() == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        pixels = apply_color_lut(pixels, ds)
    if pixels.shape[-1] != 3:
        return pixels
    weighted = pixels[..., 0] * LUMA_WEIGHTS[0] + pixels[..., 1] * LUMA_WEIGHTS[1]
    weighted += pixels[..., 2] * LUMA_WEIGHTS[2]
    return np.rint(weighted).astype(pixels.dtype)
