"""Slices for display (no Qt): orientation, window/level, segment overlay, coordinates.

Views follow the radiological convention of 3D Slicer and ITK-SNAP: axial seen from the feet
(patient's right on screen left, anterior up), coronal from the front (right on the left,
superior up), sagittal from the patient's left (anterior on the left, superior up). For
oblique acquisitions each view uses the array axes nearest to the anatomical ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment


class View(Enum):
    """The three orthogonal views."""

    AXIAL = "axial"
    CORONAL = "coronal"
    SAGITTAL = "sagittal"


# For each view: (patient axis held fixed, patient axis down the rows, patient axis across the
# columns, whether rows run against that axis, whether columns run against it). LPS: 0 = x
# (to the patient's left), 1 = y (posterior), 2 = z (superior).
_LAYOUT = {
    View.AXIAL: (2, 1, 0, False, False),
    View.CORONAL: (1, 2, 0, True, False),
    View.SAGITTAL: (0, 2, 1, True, False),
}
LABELS = {
    View.AXIAL: ("A", "P", "R", "L"),  # top, bottom, left, right
    View.CORONAL: ("S", "I", "R", "L"),
    View.SAGITTAL: ("S", "I", "A", "P"),
}
PRESETS = {  # name: (window, level)
    "Soft tissue": (400.0, 40.0),
    "Abdomen": (350.0, 50.0),
    "Lung": (1500.0, -600.0),
    "Bone": (2000.0, 300.0),
    "Brain": (80.0, 40.0),
}


@dataclass(frozen=True)
class SliceFrame:
    """How one view maps display (row, column) to array indices [k, j, i]."""

    fixed_axis: int  # array axis (0 = k, 1 = j, 2 = i) held at the slice index
    row_axis: int
    col_axis: int
    flip_rows: bool
    flip_cols: bool
    row_spacing: float
    col_spacing: float

    def extract(self, array: npt.NDArray[np.generic], index: int) -> npt.NDArray[np.generic]:
        """The 2D slice at ``index`` as displayed (a view when possible, no copy)."""
        selector: list[slice | int] = [slice(None)] * 3
        selector[self.fixed_axis] = index
        plane = array[tuple(selector)]
        remaining = [a for a in range(3) if a != self.fixed_axis]
        if remaining.index(self.row_axis) == 1:
            plane = plane.T
        if self.flip_rows:
            plane = plane[::-1, :]
        if self.flip_cols:
            plane = plane[:, ::-1]
        return plane

    def voxel(
        self, shape: tuple[int, int, int], index: int, row: int, col: int
    ) -> tuple[int, int, int]:
        """Array indices ``(k, j, i)`` of display pixel (row, col) in slice ``index``."""
        size_rows, size_cols = shape[self.row_axis], shape[self.col_axis]
        position = [0, 0, 0]
        position[self.fixed_axis] = index
        position[self.row_axis] = size_rows - 1 - row if self.flip_rows else row
        position[self.col_axis] = size_cols - 1 - col if self.flip_cols else col
        return position[0], position[1], position[2]


def slice_frame(geometry: VolumeGeometry, view: View) -> SliceFrame:
    """The frame of ``view`` for a volume with ``geometry`` (nearest array axes if oblique)."""
    matrix = geometry.matrix  # columns: directions of i, j, k
    fixed_patient, row_patient, col_patient, rows_against, cols_against = _LAYOUT[view]
    # array axis (0 = k, 1 = j, 2 = i) best aligned with each patient axis, and its sign
    nearest = {}
    for patient_axis in range(3):
        column = int(np.argmax(np.abs(matrix[patient_axis])))  # 0 = i, 1 = j, 2 = k
        nearest[patient_axis] = (2 - column, float(np.sign(matrix[patient_axis, column])))
    spacing_of = {2: geometry.spacing[0], 1: geometry.spacing[1], 0: geometry.spacing[2]}
    row_axis, row_sign = nearest[row_patient]
    col_axis, col_sign = nearest[col_patient]
    return SliceFrame(
        fixed_axis=nearest[fixed_patient][0],
        row_axis=row_axis,
        col_axis=col_axis,
        flip_rows=(row_sign < 0) != rows_against,
        flip_cols=(col_sign < 0) != cols_against,
        row_spacing=spacing_of[row_axis],
        col_spacing=spacing_of[col_axis],
    )


class WindowLevel:
    """Window/level to 8-bit grey through a lookup table (one table lookup per pixel)."""

    _OFFSET = 32768

    def __init__(self, window: float, level: float) -> None:
        self.window = max(1.0, float(window))
        self.level = float(level)
        values = np.arange(-self._OFFSET, self._OFFSET, dtype=np.float32)
        self._lut = self._map(values)

    def _map(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
        low = self.level - self.window / 2.0
        scaled = (values - low) * (255.0 / self.window)
        return np.clip(scaled, 0, 255).astype(np.uint8)

    def apply(self, plane: npt.NDArray[np.generic]) -> npt.NDArray[np.uint8]:
        """Grey levels of ``plane``."""
        if plane.dtype == np.int16:
            # int16 seen as uint16 with the sign bit flipped indexes the table in value order.
            return np.take(self._lut, plane.view(np.uint16) ^ np.uint16(self._OFFSET))
        return self._map(plane.astype(np.float32))


LABEL_VALUES = 256  # label values the colour table covers (uint8 maps; larger are clamped)


def color_table(segments: list[Segment]) -> npt.NDArray[np.uint32]:
    """Packed 0xFFRRGGBB for every (label value, grey level) pair, indexed ``value << 8 | grey``.

    Each entry is the segment colour blended over the grey level (background and hidden
    segments show the grey alone), so one table lookup turns a grey slice and its labels into
    the displayed image.
    """
    grey = np.arange(256, dtype=np.uint32)
    rgb = np.repeat(np.repeat(grey[None, :, None], 3, axis=2), LABEL_VALUES, axis=0)
    for segment in segments:
        if segment.visible and segment.value < LABEL_VALUES:
            color = np.array([int(segment.color.lstrip("#")[n : n + 2], 16) for n in (0, 2, 4)])
            alpha = round(segment.opacity * 256)
            rgb[segment.value] = (grey[:, None] * (256 - alpha) + color[None, :] * alpha) >> 8
    packed = 0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    return packed.astype(np.uint32).reshape(LABEL_VALUES * 256)


_GREY_ONLY = color_table([])


def compose(
    grey: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.generic] | None,
    table: npt.NDArray[np.uint32] | None,
) -> npt.NDArray[np.uint32]:
    """The displayed image (packed 0xFFRRGGBB) of a grey slice with its segments blended in."""
    if labels is None or table is None:
        return np.take(_GREY_ONLY, grey)
    values = labels.astype(np.uint16)
    if labels.dtype.itemsize > 1:
        np.minimum(values, LABEL_VALUES - 1, out=values)
    return np.take(table, (values << 8) | grey)


def unpack_rgb(image: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """An ``(..., 3)`` RGB array of a packed image (for tests and exports)."""
    return np.stack([(image >> s) & 0xFF for s in (16, 8, 0)], axis=-1).astype(np.uint8)
