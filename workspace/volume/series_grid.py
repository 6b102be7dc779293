"""The grid of a DICOM series: slices ordered along the normal, then checked before loading.

Slices are sorted by their position along the slice normal (never by file name or
InstanceNumber). The grid's origin is the first slice's ImagePositionPatient, its i/j axes come
from ImageOrientationPatient, its k axis is the normal and its k spacing the median step.

What is safe loads, with a warning where the user should know; what would misplace voxels is
refused with one sentence naming the slices concerned:

- *Missing slices*: a step of 1.5× the median spacing or more is a gap; refused.
- *Uneven spacing*: a step more than 1 % away from the median is reported; if any slice would
  sit more than 10 % of a slice spacing away from its place on the regular grid, refused.
- *Gantry tilt* (slices shifted sideways along the stack): 3D Slicer loads such a series on
  the acquired grid and corrects it with a non-linear "regularization transform". Caliper's
  grids are plain orthonormal grids with no such transform, so a shear whose sideways
  displacement stays under half a pixel over the whole stack loads with a warning, and a larger
  one is refused with the tilt angle and the displacement it would cause.
- *Mixed sizes, orientations or pixel spacings*, and two slices at one position (several
  phases or echoes in one series): refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from workspace.volume.dicom_header import DicomFile, VolumeAssemblyError
from workspace.volume.geometry import VolumeGeometry

GAP_FACTOR = 1.5
UNEVEN_WARN = 0.01
UNEVEN_REFUSE = 0.10
SHEAR_WARN_PIXELS = 0.05
SHEAR_REFUSE_PIXELS = 0.5
SAME_POSITION_MM = 1e-3
ORIENTATION_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Slice:
    """One frame of one file, placed on the grid."""

    file: int  # index in the file list given to :func:`plan_grid`
    frame: int  # frame number inside that file
    distance: float  # position along the slice normal (mm)
    slope: float
    intercept: float


@dataclass
class SeriesGrid:
    """Slices in grid order (slice ``k`` is ``slices[k]``), the geometry and the warnings."""

    slices: list[Slice]
    geometry: VolumeGeometry
    warnings: list[str] = field(default_factory=list)

    @property
    def integral(self) -> bool:
        """True when every slope and intercept is a whole number (int16 may hold the result)."""
        return all(
            s.slope == round(s.slope) and s.intercept == round(s.intercept) for s in self.slices
        )


def axes(orientation: npt.NDArray[np.float64], name: str) -> npt.NDArray[np.float64]:
    """Unit i, j and normal axes (as columns) from an ImageOrientationPatient."""
    row, column = orientation[:3], orientation[3:]
    if (
        abs(np.linalg.norm(row) - 1) > 1e-3
        or abs(np.linalg.norm(column) - 1) > 1e-3
        or abs(float(row @ column)) > 1e-3
    ):
        raise VolumeAssemblyError(
            f"{name}: ImageOrientationPatient is not two perpendicular unit vectors."
        )
    row = row / np.linalg.norm(row)
    column = column - (column @ row) * row
    column = column / np.linalg.norm(column)
    return np.column_stack([row, column, np.cross(row, column)])


def _first_outlier(values: npt.NDArray[np.float64], *, rtol: float, atol: float) -> int | None:
    """The first row of ``values`` not close to row 0 (as ``np.allclose`` judges), or None."""
    close = np.isclose(values, values[0], rtol=rtol, atol=atol).all(axis=1)
    outliers = np.flatnonzero(~close)
    return int(outliers[0]) if outliers.size else None


def _check_consistent(files: Sequence[DicomFile]) -> None:
    """Refuse files that differ from the first in size, orientation or pixel spacing (the
    first such file is named; the checks run on all files at once, not file by file)."""
    first = files[0]
    orientations = np.array([file.orientation for file in files])
    spacings = np.array([file.pixel_spacing for file in files])
    bad_orientation = _first_outlier(orientations, rtol=1e-5, atol=ORIENTATION_TOLERANCE)
    bad_spacing = _first_outlier(spacings, rtol=1e-4, atol=1e-6)
    for f, file in enumerate(files):
        if (file.rows, file.cols) != (first.rows, first.cols):
            raise VolumeAssemblyError(
                f"{file.name} is {file.rows}×{file.cols} where {first.name} is "
                f"{first.rows}×{first.cols}: the slices differ in size."
            )
        if f == bad_orientation:
            raise VolumeAssemblyError(
                f"{file.name}: its orientation differs from {first.name}'s (not one volume)."
            )
        if f == bad_spacing:
            raise VolumeAssemblyError(
                f"{file.name}: its pixel spacing differs from {first.name}'s (not one volume)."
            )


def _label(files: Sequence[DicomFile], item: Slice, k: int) -> str:
    frame = f" frame {item.frame + 1}" if len(files[item.file].frames) > 1 else ""
    return f"slice {k + 1} ({files[item.file].name}{frame})"


def _step(files: Sequence[DicomFile], slices: list[Slice], warnings: list[str]) -> float:
    """The regular slice spacing; refuses gaps, coincident slices and very uneven spacing."""
    d = np.array([s.distance for s in slices])
    steps = np.diff(d)
    same = np.flatnonzero(steps < SAME_POSITION_MM)
    if same.size:
        k = int(same[0])
        raise VolumeAssemblyError(
            f"{_label(files, slices[k], k)} and {_label(files, slices[k + 1], k + 1)} lie at "
            "the same position: the series holds more than one volume (phases, echoes or "
            "repeats)."
        )
    median = float(np.median(steps))
    gaps = np.flatnonzero(steps >= GAP_FACTOR * median)
    if gaps.size:
        k = int(gaps[0])
        missing = max(round(steps[k] / median) - 1, 1)
        what = "A slice is" if missing == 1 else f"{missing} slices are"
        raise VolumeAssemblyError(
            f"{what} missing between {_label(files, slices[k], k)} and "
            f"{_label(files, slices[k + 1], k + 1)}: they are {steps[k]:.2f} mm apart where "
            f"the others are {median:.2f} mm apart."
        )
    misplaced = np.abs(d - d[0] - median * np.arange(len(d)))
    worst = int(np.argmax(misplaced))
    if misplaced[worst] > UNEVEN_REFUSE * median:
        raise VolumeAssemblyError(
            f"Slice spacing is uneven ({steps.min():.3f} to {steps.max():.3f} mm): on a regular "
            f"{median:.3f} mm grid {_label(files, slices[worst], worst)} would sit "
            f"{misplaced[worst]:.2f} mm from its true place (more than "
            f"{UNEVEN_REFUSE:.0%} of the spacing)."
        )
    deviation = float(np.max(np.abs(steps - median)) / median)
    if deviation > UNEVEN_WARN:
        warnings.append(
            f"Slice spacing varies by up to {deviation:.1%} ({steps.min():.3f} to "
            f"{steps.max():.3f} mm); loaded on a regular {median:.3f} mm grid, no slice more "
            f"than {misplaced[worst]:.3f} mm from its true place."
        )
    return median


def _check_shear(
    positions: npt.NDArray[np.float64],
    distances: npt.NDArray[np.float64],
    normal: npt.NDArray[np.float64],
    pixel: float,
    warnings: list[str],
) -> None:
    """Refuse slices shifted sideways (gantry tilt) by half a pixel or more; warn if visible."""
    along = distances - distances[0]
    offsets = positions - positions[0] - np.outer(along, normal)
    displacement = float(np.max(np.linalg.norm(offsets, axis=1)))
    if displacement <= SHEAR_WARN_PIXELS * pixel:
        return
    shear = (along @ offsets) / max(float(along @ along), 1e-12)
    angle = float(np.degrees(np.arctan(np.linalg.norm(shear))))
    if displacement > SHEAR_REFUSE_PIXELS * pixel:
        raise VolumeAssemblyError(
            f"The slices are sheared by {angle:.1f}° (gantry tilt): on a rectangular grid the "
            f"farthest slice would sit {displacement:.1f} mm from its true place, so Caliper "
            "does not load it; reconstruct or resample the series without tilt and import that."
        )
    warnings.append(
        f"The slices are shifted sideways by up to {displacement:.2f} mm (gantry tilt of "
        f"{angle:.2f}°); less than half a pixel, so loaded on a rectangular grid."
    )


def _vector3(values: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    return float(values[0]), float(values[1]), float(values[2])


def _plane_grid(files: Sequence[DicomFile]) -> SeriesGrid:
    """The frames of one file not placed in the patient, in file order, 1 apart."""
    placed = [f for f in files if f.placement == "patient"]
    if len(files) > 1:
        odd = next(f for f in files if f.placement == "plane")
        what = f"while {placed[0].name} is" if placed else "and so are the others"
        raise VolumeAssemblyError(
            f"{odd.name} has no position in the patient ({what}): such images are imported "
            "one file at a time, not stacked."
        )
    (file,) = files
    slices = [
        Slice(0, info.index, float(n), info.slope, info.intercept)
        for n, info in enumerate(file.frames)
    ]
    row_spacing, column_spacing = (float(v) for v in file.pixel_spacing)
    geometry = VolumeGeometry(
        shape=(len(slices), file.rows, file.cols), spacing=(column_spacing, row_spacing, 1.0)
    )
    return SeriesGrid(slices, geometry, list(file.notices))


def plan_grid(files: Sequence[DicomFile]) -> SeriesGrid:
    """Order the frames of ``files`` along the normal, check them and build the geometry
    (frames not placed in the patient keep their order, see :func:`_plane_grid`)."""
    if not files:
        raise VolumeAssemblyError("The series has no readable image files.")
    if any(file.placement == "plane" for file in files):
        return _plane_grid(files)
    _check_consistent(files)
    first = files[0]
    frame = axes(first.orientation, first.name)
    normal = frame[:, 2]
    placed = [
        (
            info.position,
            Slice(f, info.index, float(info.position @ normal), info.slope, info.intercept),
        )
        for f, file in enumerate(files)
        for info in file.frames
    ]
    placed.sort(key=lambda pair: pair[1].distance)
    slices = [s for _, s in placed]
    positions = np.array([p for p, _ in placed])
    warnings: list[str] = list(dict.fromkeys(n for file in files for n in file.notices))
    if len(slices) == 1:
        thickness = first.slice_thickness
        if thickness is not None and not (math.isfinite(thickness) and thickness > 0):
            raise VolumeAssemblyError(
                f"{first.name}: its SliceThickness ({thickness:g}) cannot be the slice spacing "
                "of a single slice: it must be a finite number above 0."
            )
        if thickness is not None:
            step = thickness
            warnings.append(f"A single slice: its thickness ({step:g} mm) is the slice spacing.")
        else:
            step = 1.0
            warnings.append("A single slice with no thickness given: 1 mm is the slice spacing.")
    else:
        step = _step(files, slices, warnings)
        pixel = float(np.min(first.pixel_spacing))
        _check_shear(positions, np.array([s.distance for s in slices]), normal, pixel, warnings)
    row_spacing, column_spacing = (float(v) for v in first.pixel_spacing)
    try:
        geometry = VolumeGeometry(
            shape=(len(slices), first.rows, first.cols),
            spacing=(column_spacing, row_spacing, step),  # PixelSpacing is (row, column)
            origin=_vector3(positions[0]),
            direction=(_vector3(frame[0]), _vector3(frame[1]), _vector3(frame[2])),
        )
    except ValueError as exc:
        raise VolumeAssemblyError(f"{first.name}: {exc}.") from None
    return SeriesGrid(slices, geometry, warnings)
