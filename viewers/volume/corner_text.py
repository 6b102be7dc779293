"""What a radiologist expects in a slice view's corners, worked out without Qt.

Top right: series description, series number and image count, acquisition (or study) date,
and the patient's name and ID only when the profile's settings allow. Under the view's name:
the slice position in millimetres along the view's patient axis (``S 12.5 mm``), as Slicer
and PACS viewers show it. The voxel readout gives the value with its unit (HU for CT).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from workspace.settings import SHOW_PATIENT_DETAILS
from workspace.volume.dicom_dates import dicom_date
from workspace.volume.geometry import VolumeGeometry

__all__ = ["SHOW_PATIENT_DETAILS", "series_lines", "slice_position", "value_with_unit"]

#: LPS axis -> the letters of its negative and positive directions.
_AXIS_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))


def series_lines(meta: Mapping[str, Any], *, show_patient: bool) -> list[str]:
    """The top-right lines for an item's ``meta`` (empty strings left out)."""
    lines: list[str] = []
    if show_patient:
        name = str(meta.get("patient_name", "") or "").replace("^", " ").strip()
        patient_id = str(meta.get("patient_id", "") or "").strip()
        lines.append("  ".join(part for part in (name, patient_id and f"ID {patient_id}") if part))
    lines.append(str(meta.get("series_description", "") or "").strip())
    number, images = meta.get("series_number"), meta.get("slices")
    parts = [f"Se {number}" if number is not None else "", f"{images} im" if images else ""]
    lines.append("  ".join(part for part in parts if part))
    date = str(meta.get("acquisition_date", "") or meta.get("study_date", "") or "")
    lines.append(dicom_date(date))
    return [line for line in lines if line]


def slice_position(geometry: VolumeGeometry, fixed_axis: int, voxel: tuple[int, int, int]) -> str:
    """``S 12.5 mm``: where the slice through ``voxel`` lies along the patient axis closest to
    the slice's normal (the array axis ``fixed_axis``: 0 = k, 1 = j, 2 = i)."""
    k, j, i = voxel
    lps = geometry.index_to_lps([i, j, k])
    step = [0.0, 0.0, 0.0]
    step[2 - fixed_axis] = 1.0  # (i, j, k) order
    normal = geometry.index_to_lps(step) - geometry.index_to_lps([0.0, 0.0, 0.0])
    axis = int(np.argmax(np.abs(normal)))
    value = float(lps[axis])
    negative, positive = _AXIS_LETTERS[axis]
    return f"{positive if value >= 0 else negative} {abs(value):.1f} mm"


def value_with_unit(value: float, units: str, integer: bool) -> str:
    """A voxel value as the readout shows it: ``35 HU``, ``612.4``."""
    number = f"{value:.0f}" if integer else f"{value:.4g}"
    return f"{number} {units}" if units else number
