"""What a volume is first shown with: the series' own window, or one from its intensities.

A DICOM series usually carries the window its maker chose (Window Center / Window Width,
PS3.3 C.11.2.1.2, in rescaled units — the units of the stored voxels); a NIfTI, NRRD or a
series without one is shown with a window from its intensity percentiles. The intensity
statistics are computed plane by plane so that a worker thread computing them lets the GUI
thread run between planes.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from storage.blobs import BlobStore

if TYPE_CHECKING:
    import pydicom

#: Percentiles of the "data" window (as ITK-SNAP's and Slicer's automatic windows).
LOW_PERCENTILE, HIGH_PERCENTILE = 0.5, 99.5
#: At most this many voxels are sorted for the percentiles.
PERCENTILE_SAMPLES = 1_000_000


@dataclass(frozen=True)
class VoxelStats:
    """A volume's intensity range and its 0.5th and 99.5th percentiles."""

    minimum: float
    maximum: float
    low: float
    high: float

    @property
    def data_window(self) -> tuple[float, float]:
        """(window, level) spanning the percentiles (at least 1 wide)."""
        width = max(self.high - self.low, 1.0)
        return width, self.low + width / 2.0

    @property
    def full_window(self) -> tuple[float, float]:
        """(window, level) spanning the whole range."""
        width = max(self.maximum - self.minimum, 1.0)
        return width, self.minimum + width / 2.0

    @property
    def looks_like_ct(self) -> bool:
        """Hounsfield-like values: air near -1000 (or padding down to -3024) and bone above."""
        return -3100.0 <= self.minimum <= -900.0 and self.maximum >= 200.0


def voxel_stats(voxels: npt.NDArray[Any]) -> VoxelStats:
    """The intensity statistics of ``voxels`` ``[k, j, i]`` (minimum and maximum exact)."""
    if voxels.size == 0:
        return VoxelStats(0.0, 0.0, 0.0, 0.0)
    minimum, maximum = math.inf, -math.inf
    for plane in voxels:
        minimum = min(minimum, float(plane.min()))
        maximum = max(maximum, float(plane.max()))
    step = max(1, round((voxels.size / PERCENTILE_SAMPLES) ** (1.0 / 3.0)))
    sample = voxels[::step, ::step, ::step].ravel()
    sample = sample[np.isfinite(sample)] if sample.dtype.kind == "f" else sample
    if sample.size == 0:
        return VoxelStats(minimum, maximum, minimum, maximum)
    low, high = np.percentile(sample, [LOW_PERCENTILE, HIGH_PERCENTILE])
    return VoxelStats(minimum, maximum, float(low), float(high))


@dataclass(frozen=True)
class SeriesDisplay:
    """What the item says about showing it: modality, the maker's window, and units."""

    modality: str = ""  # DICOM Modality (CT, MR, PT...), "" when unknown (NIfTI, NRRD)
    window: tuple[float, float] | None = None  # (width, centre) from the series itself
    units: str = ""  # "HU" for CT; PET's Units (BQML, GML...); "" when unknown

    @property
    def is_ct(self) -> bool:
        """A CT series."""
        return self.modality == "CT"


def dicom_window(header: pydicom.Dataset) -> tuple[float, float] | None:
    """The first (width, centre) of a header's Window Width / Window Center, if usable."""
    centre, width = header.get("WindowCenter"), header.get("WindowWidth")
    if centre is None or width is None:
        return None
    centres = list(centre) if isinstance(centre, list | tuple) or _multi(centre) else [centre]
    widths = list(width) if isinstance(width, list | tuple) or _multi(width) else [width]
    try:
        first_centre, first_width = float(centres[0]), float(widths[0])
    except (IndexError, TypeError, ValueError):
        return None
    if not (math.isfinite(first_centre) and math.isfinite(first_width)) or first_width < 1.0:
        return None
    return first_width, first_centre


def _multi(value: object) -> bool:
    from pydicom.multival import MultiValue

    return isinstance(value, MultiValue)


def _first_header(blobs: BlobStore, digest: str) -> pydicom.Dataset | None:
    import pydicom

    with zipfile.ZipFile(io.BytesIO(blobs.get(digest))) as archive:
        names = archive.namelist()
        if not names:
            return None
        return pydicom.dcmread(io.BytesIO(archive.read(names[0])), force=True)


def series_display(blobs: BlobStore, meta: dict[str, Any]) -> SeriesDisplay:
    """How the item ``meta`` describes its display (the first stored header, for DICOM)."""
    modality = str(meta.get("dicom_modality", "") or "").upper()
    entry = meta.get("volume")
    digest = entry.get("headers") if isinstance(entry, dict) else None
    if not isinstance(digest, str):
        return SeriesDisplay(modality, None, "HU" if modality == "CT" else "")
    from pydicom.errors import InvalidDicomError

    try:
        header = _first_header(blobs, digest)
    except (zipfile.BadZipFile, InvalidDicomError, OSError, ValueError):
        header = None  # the voxels are what matter; the display falls back to the data
    if header is None:
        return SeriesDisplay(modality, None, "HU" if modality == "CT" else "")
    units = "HU" if modality == "CT" else str(header.get("Units", "") or "")
    return SeriesDisplay(modality, dicom_window(header), units)
