"""Slicing a ``[k, j, i]`` voxel array for the three orthogonal views (pure numpy, no Qt).

Views follow the radiological convention of 3D Slicer and ITK-SNAP: axial seen from the feet
(patient's right on the screen's left, anterior up), coronal seen from the front (right on the
left, superior up), sagittal seen from the patient's left (anterior on the left, superior up).

Oblique acquisitions are shown on their own voxel grid, as ITK-SNAP does and as 3D Slicer does
after "Rotate to volume plane": each view takes the array axes nearest to its anatomical axes
(one axis each, chosen as a whole permutation) and flips them so that the anatomical direction
points the conventional way. Nothing is interpolated, so a voxel is always one display pixel
and painting lands on exactly the voxel shown. (Slicer's default slice views stay aligned with
the patient axes and resample an oblique volume instead.) The orientation letters at the edges
are computed from the axes actually shown, so they stay truthful for oblique volumes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry

Voxel = tuple[int, int, int]  # array index (k, j, i)


class View(Enum):
    """The three orthogonal views."""

    AXIAL = "axial"
    CORONAL = "coronal"
    SAGITTAL = "sagittal"


# For each view: patient axis held fixed, patient axis down the rows, patient axis across the
# columns, and whether rows / columns run against that axis. LPS: 0 = x (towards the patient's
# left), 1 = y (posterior), 2 = z (superior).
_LAYOUT = {
    View.AXIAL: (2, 1, 0, False, False),
    View.CORONAL: (1, 2, 0, True, False),
    View.SAGITTAL: (0, 2, 1, True, False),
}
_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))  # (negative, positive) end of each LPS axis


@dataclass(frozen=True)
class SliceFrame:
    """How one view maps display pixels ``(row, col)`` of slice ``index`` to array indices."""

    view: View
    shape: tuple[int, int, int]  # the array's (k, j, i) shape
    fixed_axis: int  # array axis (0 = k, 1 = j, 2 = i) held at the slice index
    row_axis: int
    col_axis: int
    flip_rows: bool
    flip_cols: bool
    row_spacing: float  # mm between display rows
    col_spacing: float  # mm between display columns

    @property
    def slice_count(self) -> int:
        """Slices along this view's axis."""
        return self.shape[self.fixed_axis]

    @property
    def size(self) -> tuple[int, int]:
        """Display image size ``(rows, cols)`` in pixels."""
        return self.shape[self.row_axis], self.shape[self.col_axis]

    @property
    def size_mm(self) -> tuple[float, float]:
        """Physical ``(height, width)`` of the displayed slice in mm (for an aspect-correct
        display, draw the image at this aspect ratio)."""
        rows, cols = self.size
        return rows * self.row_spacing, cols * self.col_spacing

    def display_size(self, pixels_per_mm: float) -> tuple[int, int]:
        """Aspect-correct ``(height, width)`` in screen pixels at ``pixels_per_mm``."""
        height, width = self.size_mm
        return max(1, round(height * pixels_per_mm)), max(1, round(width * pixels_per_mm))

    def extract(self, array: npt.NDArray[np.generic], index: int) -> npt.NDArray[np.generic]:
        """The 2D slice ``index`` as displayed (a strided view of ``array``, never a copy)."""
        selector: list[slice | int] = [slice(None)] * 3
        selector[self.fixed_axis] = index
        return self.orient(array[tuple(selector)])

    def orient(self, plane: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """``array``'s slice (its two other axes in array order) turned as displayed."""
        if self.row_axis > self.col_axis:
            plane = plane.T
        if self.flip_rows:
            plane = plane[::-1, :]
        if self.flip_cols:
            plane = plane[:, ::-1]
        return plane

    def voxel(self, index: int, row: int, col: int) -> Voxel:
        """Array index ``(k, j, i)`` of display pixel ``(row, col)`` in slice ``index``."""
        rows, cols = self.size
        position = [0, 0, 0]
        position[self.fixed_axis] = index
        position[self.row_axis] = rows - 1 - row if self.flip_rows else row
        position[self.col_axis] = cols - 1 - col if self.flip_cols else col
        return position[0], position[1], position[2]

    def pixel(self, voxel: Voxel) -> tuple[int, int, int]:
        """Inverse of :meth:`voxel`: ``(index, row, col)`` showing ``voxel``."""
        rows, cols = self.size
        row, col = voxel[self.row_axis], voxel[self.col_axis]
        return (
            voxel[self.fixed_axis],
            rows - 1 - row if self.flip_rows else row,
            cols - 1 - col if self.flip_cols else col,
        )

    def voxel_at(self, index: int, row: float, col: float) -> Voxel | None:
        """The voxel under continuous display position ``(row, col)`` (pixel ``r`` spans
        ``[r, r + 1)``); None outside the slice."""
        rows, cols = self.size
        if not (0 <= row < rows and 0 <= col < cols and 0 <= index < self.slice_count):
            return None
        return self.voxel(index, int(row), int(col))

    def continuous_index(self, index: float, row: float, col: float) -> tuple[float, float, float]:
        """Continuous voxel index ``(i, j, k)`` of display position ``(row, col)`` (pixel
        centres at ``r + 0.5``), for patient coordinates between voxel centres."""
        rows, cols = self.size
        position = [0.0, 0.0, 0.0]
        position[self.fixed_axis] = index
        position[self.row_axis] = rows - row - 0.5 if self.flip_rows else row - 0.5
        position[self.col_axis] = cols - col - 0.5 if self.flip_cols else col - 0.5
        k, j, i = position
        return i, j, k


def _nearest_axes(matrix: npt.NDArray[np.float64]) -> tuple[int, int, int]:
    """For each patient axis (x, y, z), the array axis (0 = k, 1 = j, 2 = i) closest to it.

    The axes are chosen together (the permutation with the largest total alignment), so a
    45° oblique volume never shows the same array axis in two views.
    """
    best: tuple[int, int, int] = (2, 1, 0)
    best_score = -1.0
    for columns in itertools.permutations(range(3)):  # columns of the matrix: i, j, k
        score = sum(abs(matrix[patient, column]) for patient, column in enumerate(columns))
        if score > best_score + 1e-9:
            best_score = score
            best = (2 - columns[0], 2 - columns[1], 2 - columns[2])
    return best


def _sign(matrix: npt.NDArray[np.float64], patient_axis: int, array_axis: int) -> bool:
    """Whether ``array_axis`` runs against ``patient_axis`` (its direction component < 0)."""
    return bool(matrix[patient_axis, 2 - array_axis] < 0)


def slice_frame(geometry: VolumeGeometry, view: View) -> SliceFrame:
    """The frame of ``view`` for a volume with ``geometry`` (nearest array axes if oblique)."""
    matrix = geometry.matrix  # columns: directions of i, j, k
    fixed_patient, row_patient, col_patient, rows_against, cols_against = _LAYOUT[view]
    nearest = _nearest_axes(matrix)
    spacing_of = {2: geometry.spacing[0], 1: geometry.spacing[1], 0: geometry.spacing[2]}
    row_axis, col_axis = nearest[row_patient], nearest[col_patient]
    return SliceFrame(
        view=view,
        shape=geometry.shape,
        fixed_axis=nearest[fixed_patient],
        row_axis=row_axis,
        col_axis=col_axis,
        flip_rows=_sign(matrix, row_patient, row_axis) != rows_against,
        flip_cols=_sign(matrix, col_patient, col_axis) != cols_against,
        row_spacing=spacing_of[row_axis],
        col_spacing=spacing_of[col_axis],
    )


def _letter(direction: npt.NDArray[np.float64]) -> str:
    axis = int(np.argmax(np.abs(direction)))
    return _LETTERS[axis][1 if direction[axis] > 0 else 0]


def orientation_labels(geometry: VolumeGeometry, frame: SliceFrame) -> tuple[str, str, str, str]:
    """Patient directions at the ``(top, bottom, left, right)`` edges of a view, e.g.
    ``("A", "P", "R", "L")`` for an axial view; computed from the axes shown."""
    matrix = geometry.matrix

    def screen_direction(array_axis: int, flipped: bool) -> npt.NDArray[np.float64]:
        column = matrix[:, 2 - array_axis]
        return -column if flipped else column

    down = screen_direction(frame.row_axis, frame.flip_rows)
    right = screen_direction(frame.col_axis, frame.flip_cols)
    return _letter(-down), _letter(down), _letter(-right), _letter(right)


def patient_position(
    geometry: VolumeGeometry, frame: SliceFrame, index: float, row: float, col: float
) -> npt.NDArray[np.float64]:
    """LPS millimetres of display position ``(row, col)`` in slice ``index``."""
    return geometry.index_to_lps(frame.continuous_index(index, row, col))


def voxel_of_patient(geometry: VolumeGeometry, lps: npt.ArrayLike) -> Voxel | None:
    """The voxel ``(k, j, i)`` containing LPS point ``lps`` (None outside the volume)."""
    i, j, k = (round(float(v)) for v in geometry.lps_to_index(lps))
    shape = geometry.shape
    if 0 <= k < shape[0] and 0 <= j < shape[1] and 0 <= i < shape[2]:
        return k, j, i
    return None
