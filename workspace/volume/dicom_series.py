"""Assemble a CT/MR volume from the DICOM files of one series (classic or Enhanced multi-frame).

Slices are ordered by their position along the slice normal (never by file name or
InstanceNumber); rescale slope/intercept is applied (int16 when the result is exact, float32
otherwise). The geometry is exact: origin = first slice's ImagePositionPatient, i/j axes from
ImageOrientationPatient, k axis = the normal, k spacing = the median step between positions.

What is safe loads with a warning; what would misplace voxels is refused with one sentence:
uneven spacing within 1 % loads, above 10 % is refused, in between loads with a warning;
a gap (a step ≥ 1.5× the median) is a missing slice and is refused; gantry tilt (slices
shifted off the normal) is refused, since an orthogonal grid would misplace every voxel.
"""

from __future__ import annotations

import hashlib
import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Volume

if TYPE_CHECKING:
    import pydicom

UNEVEN_WARN = 0.01
UNEVEN_REFUSE = 0.10
GAP_FACTOR = 1.5
TILT_TOLERANCE_DEG = 0.5


class VolumeAssemblyError(Exception):
    """The series cannot be turned into a volume safely; the message says why."""


@dataclass
class _Frame:
    position: npt.NDArray[np.float64]
    pixels: npt.NDArray[Any]
    slope: float
    intercept: float


@dataclass(frozen=True)
class SourceFile:
    """One source DICOM file: its name, SHA-256, and its header (pixel data removed)."""

    name: str
    sha256: str
    header: pydicom.Dataset


@dataclass
class AssembledVolume:
    """The volume, its source files in slice order, and what the user should be told."""

    volume: Volume
    sources: list[SourceFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _vector(values: Any, count: int, what: str, name: str) -> npt.NDArray[np.float64]:
    try:
        array = np.array([float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise VolumeAssemblyError(f"{name}: {what} is missing or not numeric.") from None
    if array.shape != (count,):
        raise VolumeAssemblyError(f"{name}: {what} should have {count} values.")
    return array


def _rescale(item: Any) -> tuple[float, float]:
    return float(getattr(item, "RescaleSlope", 1) or 1), float(
        getattr(item, "RescaleIntercept", 0) or 0
    )


def _classic_frames(ds: Any, name: str) -> tuple[list[_Frame], npt.NDArray[np.float64], Any]:
    orientation = _vector(ds.get("ImageOrientationPatient"), 6, "ImageOrientationPatient", name)
    position = _vector(ds.get("ImagePositionPatient"), 3, "ImagePositionPatient", name)
    slope, intercept = _rescale(ds)
    return [_Frame(position, ds.pixel_array, slope, intercept)], orientation, ds.PixelSpacing


def _enhanced_frames(ds: Any, name: str) -> tuple[list[_Frame], npt.NDArray[np.float64], Any]:
    shared = ds.SharedFunctionalGroupsSequence[0]
    pixels = ds.pixel_array
    frames: list[_Frame] = []
    orientation = None
    spacing = None
    for index, group in enumerate(ds.PerFrameFunctionalGroupsSequence):

        def find(sequence: str, group: Any = group) -> Any:
            return (group.get(sequence) or shared.get(sequence) or [None])[0]

        plane = find("PlaneOrientationSequence")
        measures = find("PixelMeasuresSequence")
        transform = find("PixelValueTransformationSequence")
        orientation = _vector(plane.ImageOrientationPatient, 6, "ImageOrientationPatient", name)
        spacing = measures.PixelSpacing
        position = find("PlanePositionSequence").ImagePositionPatient
        slope, intercept = _rescale(transform) if transform is not None else (1.0, 0.0)
        frames.append(
            _Frame(
                _vector(position, 3, "ImagePositionPatient", name), pixels[index], slope, intercept
            )
        )
    if orientation is None:
        raise VolumeAssemblyError(f"{name}: the multi-frame file has no frames.")
    return frames, orientation, spacing


def _read(path: Path) -> tuple[list[_Frame], npt.NDArray[np.float64], Any, SourceFile]:
    try:
        raw = path.read_bytes()
        import pydicom  # lazily: it costs a quarter second at start-up

        ds = pydicom.dcmread(io.BytesIO(raw))
        if "PerFrameFunctionalGroupsSequence" in ds:
            frames, orientation, spacing = _enhanced_frames(ds, path.name)
        else:
            frames, orientation, spacing = _classic_frames(ds, path.name)
    except VolumeAssemblyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure becomes one sentence
        raise VolumeAssemblyError(f"{path.name}: pixel data could not be read ({exc}).") from None
    del ds.PixelData  # the voxels are kept once, in the volume; the header is kept for export
    source = SourceFile(path.name, hashlib.sha256(raw).hexdigest(), ds)
    return frames, orientation, spacing, source


def _axes(orientation: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    row, column = orientation[:3], orientation[3:]
    normal = np.cross(row, column)
    return np.column_stack([row, column, normal / np.linalg.norm(normal)])


def _check_steps(
    positions: npt.NDArray[np.float64], normal: npt.NDArray[np.float64]
) -> tuple[float, list[str]]:
    if len(positions) == 1:
        return 1.0, ["Single slice: the slice spacing is unknown and set to 1 mm."]
    steps = np.diff(positions, axis=0)
    along = steps @ normal
    if np.any(np.isclose(along, 0.0, atol=1e-3)):
        raise VolumeAssemblyError("Two slices share the same position; the series is ambiguous.")
    median = float(statistics.median(along))
    off_axis = np.linalg.norm(steps - np.outer(along, normal), axis=1)
    tilt = float(np.degrees(np.arctan2(off_axis.max(), abs(median))))
    if tilt > TILT_TOLERANCE_DEG:
        raise VolumeAssemblyError(
            f"The slices are sheared by {tilt:.1f}° (gantry tilt); Caliper does not load tilted "
            "series yet because an orthogonal grid would misplace every voxel."
        )
    gaps = np.flatnonzero(along >= GAP_FACTOR * median)
    if gaps.size:
        k = int(gaps[0])
        raise VolumeAssemblyError(
            f"A slice is missing between slice {k + 1} and {k + 2} "
            f"({along[k]:.2f} mm apart where {median:.2f} mm is usual)."
        )
    deviation = float(np.max(np.abs(along - median)) / median)
    if deviation > UNEVEN_REFUSE:
        raise VolumeAssemblyError(
            f"Slice spacing varies by {deviation:.0%} (more than {UNEVEN_REFUSE:.0%}); "
            "the series cannot be placed on a regular grid."
        )
    warnings = []
    if deviation > UNEVEN_WARN:
        warnings.append(
            f"Slice spacing varies by up to {deviation:.1%}; loaded with the median spacing "
            f"{median:.3f} mm."
        )
    return median, warnings


def _voxels(frames: Sequence[_Frame]) -> npt.NDArray[Any]:
    """Stack and rescale: int16 when every value is an exact integer in range, else float32."""
    stack = np.stack([f.pixels for f in frames])
    slopes = np.array([f.slope for f in frames])
    intercepts = np.array([f.intercept for f in frames])
    integral = bool(
        np.all(slopes == np.round(slopes)) and np.all(intercepts == np.round(intercepts))
    )
    if integral and stack.dtype.kind in "iu":
        low, high = float(stack.min()), float(stack.max())
        ends = np.concatenate([low * slopes + intercepts, high * slopes + intercepts])
        if ends.min() >= -32768 and ends.max() <= 32767:
            if np.all(slopes == 1) and np.all(intercepts == intercepts[0]):
                # Modular int16 arithmetic is exact here because every result fits in int16.
                return np.add(stack, int(intercepts[0]), dtype=np.int16, casting="unsafe")
            scaled = stack.astype(np.int32) * slopes.astype(np.int32)[:, None, None]
            return (scaled + intercepts.astype(np.int32)[:, None, None]).astype(np.int16)
    scaled_float = stack.astype(np.float32) * slopes.astype(np.float32)[:, None, None]
    return scaled_float + intercepts.astype(np.float32)[:, None, None]


def assemble_series(paths: Sequence[Path]) -> AssembledVolume:
    """Read, order and check every file of one series; the volume or a clear refusal."""
    if not paths:
        raise VolumeAssemblyError("The series has no files.")
    frames: list[_Frame] = []
    sources: list[tuple[float, SourceFile]] = []
    orientation: npt.NDArray[np.float64] | None = None
    spacing: Any = None
    for path in paths:
        file_frames, file_orientation, file_spacing, source = _read(path)
        if orientation is None:
            orientation, spacing = file_orientation, file_spacing
        elif not np.allclose(orientation, file_orientation, atol=1e-4):
            raise VolumeAssemblyError(f"{path.name}: its orientation differs from the series.")
        frames.extend(file_frames)
        sources.append((float(file_frames[0].position @ _axes(file_orientation)[:, 2]), source))
    assert orientation is not None
    shapes = {f.pixels.shape for f in frames}
    if len(shapes) != 1:
        raise VolumeAssemblyError(f"The slices have different sizes: {sorted(shapes)}.")
    axes = _axes(orientation)
    normal = axes[:, 2]
    frames.sort(key=lambda f: float(f.position @ normal))
    positions = np.array([f.position for f in frames])
    step, warnings = _check_steps(positions, normal)
    pixel_spacing = _vector(spacing, 2, "PixelSpacing", paths[0].name)
    rows, cols = next(iter(shapes))
    geometry = VolumeGeometry(
        shape=(len(frames), int(rows), int(cols)),
        spacing=(float(pixel_spacing[1]), float(pixel_spacing[0]), step),
        origin=(float(positions[0][0]), float(positions[0][1]), float(positions[0][2])),
        direction=(
            (float(axes[0, 0]), float(axes[0, 1]), float(axes[0, 2])),
            (float(axes[1, 0]), float(axes[1, 1]), float(axes[1, 2])),
            (float(axes[2, 0]), float(axes[2, 1]), float(axes[2, 2])),
        ),
    )
    ordered = [source for _, source in sorted(sources, key=lambda pair: pair[0])]
    return AssembledVolume(Volume(_voxels(frames), geometry), ordered, warnings)
