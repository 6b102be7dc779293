"""The header of one DICOM file of a series: its frames' geometry and where its pixels are.

Uncompressed little-endian single-frame greyscale files placed in the patient take the fast
road: their header is walked by :mod:`workspace.volume.dicom_native`. Everything else
(Enhanced multi-frame, other multi-frame, 2D images, colour, compressed, big-endian, deflated,
no file meta) is parsed by pydicom, reading frames from the per-frame functional groups
(PlanePosition, PixelMeasures, PixelValueTransformation) where present, else placing them as
:mod:`workspace.volume.dicom_planar` says.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from workspace.volume import dicom_planar
from workspace.volume.dicom_native import (
    EXPLICIT_LITTLE,
    IMPLICIT_LITTLE,
    NativeHeader,
    TruncatedHeaderError,
    read_native_header,
)

if TYPE_CHECKING:
    import pydicom

DEFLATED_LITTLE = "1.2.840.10008.1.2.1.99"
HEAD_SIZE = 64 << 10  # first read of a header; most fit, longer ones are read again whole
WHOLE_READ_LIMIT = 8 << 20  # pydicom parses smaller files from memory, larger from disk
PIXEL_TAGS = (b"\xe0\x7f\x10\x00", b"\x7f\xe0\x00\x10")  # little and big endian


class VolumeAssemblyError(Exception):
    """The series cannot be turned into a volume safely; the message says why."""


@dataclass(frozen=True)
class FrameInfo:
    """Where one frame lies and how its stored values map to modality units."""

    position: npt.NDArray[np.float64]
    slope: float
    intercept: float
    index: int  # frame number inside its file


@dataclass(frozen=True)
class NativeLayout:
    """How to take the pixel values straight from the bytes of an uncompressed file."""

    dtype: np.dtype[Any]
    implicit_vr: bool


@dataclass
class DicomFile:
    """What assembly needs from one file's header (the pixel data is only located)."""

    path: Path
    syntax: str | None
    prefix: bytes  # the file's bytes before its pixel data element
    pixel_offset: int
    rows: int
    cols: int
    orientation: npt.NDArray[np.float64]
    pixel_spacing: npt.NDArray[np.float64]
    frames: list[FrameInfo]
    native: NativeLayout | None
    unused_bits: int  # BitsAllocated - BitsStored, masked off native values as pydicom does
    slice_thickness: float | None = None
    dataset: pydicom.Dataset | None = None  # only when pydicom read the header
    # "patient": frames placed by ImagePositionPatient; "plane": no position in the patient,
    # frames in file order (see :mod:`workspace.volume.dicom_planar`)
    placement: str = "patient"
    colour: bool = False  # RGB, YBR or PALETTE COLOR: kept as luminance
    notices: list[str] = field(default_factory=list)  # what the user should be told

    @property
    def name(self) -> str:
        """The file name, as messages show it."""
        return self.path.name


def vector(values: Any, count: int, what: str, name: str) -> npt.NDArray[np.float64]:
    """``count`` finite numbers from a DICOM multi-value, or a refusal naming ``what``."""
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        raise VolumeAssemblyError(f"{name}: {what} is missing or not numeric.") from None
    if len(numbers) != count or not all(map(math.isfinite, numbers)):
        raise VolumeAssemblyError(f"{name}: {what} should have {count} finite values.")
    return np.array(numbers, dtype=np.float64)


def native_layout(
    syntax: str | None, encoding: tuple[bool, bool], bits: int, samples: int, signed: bool
) -> NativeLayout | None:
    """The layout of uncompressed little-endian pixel data, or None for pydicom's handlers.

    ``encoding`` is (implicit VR, little endian), as pydicom reports it.
    """
    implicit, little = encoding
    if syntax not in (None, EXPLICIT_LITTLE, IMPLICIT_LITTLE) or not little:
        return None
    if bits not in (8, 16, 32) or samples != 1:
        return None
    return NativeLayout(np.dtype(f"<{'i' if signed else 'u'}{bits // 8}"), implicit)


def from_native(path: Path, header: NativeHeader) -> DicomFile | None:
    """The file as the fast walker read its header (``header.prefix`` holds the bytes); None
    when pydicom must read it (multi-frame, colour, or not placed in the patient)."""
    name = path.name
    if (header.numbers("NumberOfFrames") or [1])[0] > 1:
        return None
    samples = header.unsigned("SamplesPerPixel", 1)
    if samples != 1 or header.text("PhotometricInterpretation") == "PALETTE COLOR":
        return None
    if not all(header.text(k) for k in ("ImagePositionPatient", "ImageOrientationPatient")):
        return None
    if not header.text("PixelSpacing"):
        return None
    bits = header.unsigned("BitsAllocated", 16)
    slope = (header.numbers("RescaleSlope") or [1.0])[0]
    intercept = (header.numbers("RescaleIntercept") or [0.0])[0]
    position = vector(header.numbers("ImagePositionPatient"), 3, "ImagePositionPatient", name)
    thickness = header.numbers("SliceThickness")
    rows, cols = header.unsigned("Rows", 0), header.unsigned("Columns", 0)
    if rows <= 0 or cols <= 0:
        raise VolumeAssemblyError(f"{name}: the header gives no image size (Rows/Columns).")
    signed = header.unsigned("PixelRepresentation", 0) == 1
    return DicomFile(
        path=path,
        syntax=header.syntax,
        prefix=header.prefix,
        pixel_offset=header.pixel_offset,
        rows=rows,
        cols=cols,
        orientation=vector(
            header.numbers("ImageOrientationPatient"), 6, "ImageOrientationPatient", name
        ),
        pixel_spacing=vector(header.numbers("PixelSpacing"), 2, "PixelSpacing", name),
        frames=[FrameInfo(position, slope, intercept, 0)],
        native=native_layout(
            header.syntax, (header.syntax == IMPLICIT_LITTLE, True), bits, samples, signed
        ),
        unused_bits=max(bits - header.unsigned("BitsStored", bits), 0),
        slice_thickness=thickness[0] if thickness else None,
    )


def _native_or_none(path: Path) -> DicomFile | None:
    """The file read by the fast header walker, or None if pydicom must read it."""
    with path.open("rb") as handle:
        buffer = handle.read(HEAD_SIZE)
        try:
            header = read_native_header(buffer)
        except TruncatedHeaderError:
            buffer += handle.read()
            try:
                header = read_native_header(buffer)
            except TruncatedHeaderError:
                return None  # pydicom says what is wrong with it
    if header is None:
        return None
    return from_native(path, header)


def _rescale(item: Any) -> tuple[float, float]:
    slope = item.get("RescaleSlope") if item is not None else None
    intercept = item.get("RescaleIntercept") if item is not None else None
    return (
        float(slope) if slope not in (None, "") else 1.0,
        float(intercept) if intercept not in (None, "") else 0.0,
    )


@dataclass
class _Placed:
    """A file's frames and the geometry they share."""

    frames: list[FrameInfo]
    orientation: Any
    spacing: Any  # PixelSpacing (row, column)
    placement: str = "patient"
    notices: list[str] = field(default_factory=list)


def _classic(ds: Any, name: str) -> _Placed:
    """Frames of a file without functional groups: in the patient when it says where (one
    frame, or a stack with a slice spacing), else on a plane (see :mod:`dicom_planar`)."""
    count = max(int(ds.get("NumberOfFrames") or 1), 1)
    slope, intercept = _rescale(ds)
    spacing, notice = dicom_planar.pixel_spacing(ds)
    notices = [notice] if notice else []
    geometry = dicom_planar.patient_geometry(ds)
    step = dicom_planar.stack_step(ds) if count > 1 else None
    if geometry is not None and (count == 1 or step is not None):
        position = vector(geometry[0], 3, "ImagePositionPatient", name)
        orientation = vector(geometry[1], 6, "ImageOrientationPatient", name)
        normal = np.cross(orientation[:3], orientation[3:])
        frames = [
            FrameInfo(position + n * (step or 0.0) * normal, slope, intercept, n)
            for n in range(count)
        ]
        return _Placed(frames, orientation, spacing, "patient", notices)
    frames = [FrameInfo(np.array([0.0, 0.0, float(n)]), slope, intercept, n) for n in range(count)]
    if count > 1:
        reason = "no slice spacing" if geometry is not None else "no ImagePositionPatient"
        notices.append(dicom_planar.frames_notice(count, reason))
    elif str(ds.get("Modality", "")).strip() in dicom_planar.CROSS_SECTIONAL:
        notices.append(dicom_planar.plane_notice("no ImagePositionPatient"))
    return _Placed(frames, dicom_planar.PLANE_ORIENTATION, spacing, "plane", notices)


def _enhanced(ds: Any, name: str) -> _Placed:
    """Frames of an Enhanced CT/MR file, from its per-frame (or shared) functional groups."""
    shared = (ds.get("SharedFunctionalGroupsSequence") or [None])[0]
    per_frame = ds.PerFrameFunctionalGroupsSequence
    if len(per_frame) != int(ds.get("NumberOfFrames") or 1):
        raise VolumeAssemblyError(f"{name}: NumberOfFrames does not match its frame groups.")
    frames: list[FrameInfo] = []
    layouts: set[tuple[tuple[float, ...], tuple[float, ...]]] = set()
    for index, group in enumerate(per_frame):

        def find(keyword: str, group: Any = group) -> Any:
            for source in (group, shared):
                found = source.get(keyword) if source is not None else None
                if found:
                    return found[0]
            return None

        plane, measures = find("PlanePositionSequence"), find("PixelMeasuresSequence")
        orientation = find("PlaneOrientationSequence")
        if plane is None or measures is None or orientation is None:
            return _classic(ds, name)  # frames not placed in the patient (cine, 2D)
        layouts.add(
            (
                tuple(float(v) for v in orientation.ImageOrientationPatient),
                tuple(float(v) for v in measures.PixelSpacing),
            )
        )
        position = vector(plane.ImagePositionPatient, 3, "ImagePositionPatient", name)
        slope, intercept = _rescale(find("PixelValueTransformationSequence"))
        frames.append(FrameInfo(position, slope, intercept, index))
    if not frames:
        raise VolumeAssemblyError(f"{name}: the multi-frame file has no frames.")
    if len(layouts) != 1:
        raise VolumeAssemblyError(
            f"{name}: its frames differ in orientation or pixel spacing (not one volume)."
        )
    orientation_values, spacing_values = next(iter(layouts))
    return _Placed(frames, orientation_values, spacing_values)


def _syntax(ds: Any) -> str | None:
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    return str(syntax) if syntax else None


def _parse(path: Path) -> tuple[Any, int, bytes]:
    """The header data set, the pixel data element's offset and the bytes before it."""
    import pydicom  # lazily: it costs a quarter second at start-up

    if path.stat().st_size <= WHOLE_READ_LIMIT:
        raw = path.read_bytes()
        buffer = io.BytesIO(raw)
        ds = pydicom.dcmread(buffer, stop_before_pixels=True, force=True)
        offset = buffer.tell()
        found = raw[offset : offset + 4]
    else:
        with path.open("rb") as handle:
            ds = pydicom.dcmread(handle, stop_before_pixels=True, force=True)
            offset = handle.tell()
            found = handle.read(4)
            handle.seek(0)
            raw = handle.read(offset)
    if raw[128:132] != b"DICM" and "SOPClassUID" not in ds:
        raise VolumeAssemblyError(f"{path.name}: not a DICOM file.")
    if found not in PIXEL_TAGS and _syntax(ds) != DEFLATED_LITTLE:
        raise VolumeAssemblyError(
            f"{path.name}: the file holds no pixel data (or it is cut short)."
        )
    return ds, offset, raw[:offset]


def read_with_pydicom(path: Path) -> DicomFile:
    """Any DICOM image file, classic or Enhanced multi-frame, 2D or colour, parsed by pydicom."""
    name = path.name
    ds, offset, prefix = _parse(path)
    enhanced = "PerFrameFunctionalGroupsSequence" in ds
    placed = _enhanced(ds, name) if enhanced else _classic(ds, name)
    samples = int(ds.get("SamplesPerPixel") or 1)
    photometric = str(ds.get("PhotometricInterpretation", "") or "").strip()
    colour = samples != 1 or photometric == "PALETTE COLOR"
    if colour and samples not in (1, 3):
        raise VolumeAssemblyError(
            f"{name}: {samples} values per pixel is not an image Caliper reads."
        )
    notices = placed.notices + ([dicom_planar.COLOUR_NOTICE] if colour else [])
    bits = int(ds.get("BitsAllocated") or 16)
    thickness = ds.get("SliceThickness")
    syntax = _syntax(ds)
    implicit, little = getattr(ds, "original_encoding", (False, True))
    signed = int(ds.get("PixelRepresentation") or 0) == 1
    native = (
        None if colour else native_layout(syntax, (bool(implicit), bool(little)), bits, 1, signed)
    )
    return DicomFile(
        path=path,
        syntax=syntax,
        prefix=prefix,
        pixel_offset=offset,
        rows=int(ds.Rows),
        cols=int(ds.Columns),
        orientation=vector(placed.orientation, 6, "ImageOrientationPatient", name),
        pixel_spacing=vector(placed.spacing, 2, "PixelSpacing", name),
        frames=placed.frames,
        native=native,
        unused_bits=max(bits - int(ds.get("BitsStored") or bits), 0),
        slice_thickness=_float_or_none(thickness),
        dataset=ds,
        placement=placed.placement,
        colour=colour,
        notices=notices,
    )


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def read_header(path: Path, parsed: NativeHeader | None = None) -> DicomFile:
    """Parse one file's header and its frames' geometry; the pixel data is only located.

    ``parsed`` is the file's header as the fast walker already read it (by the importer's
    scan), so the file need not be opened again; reading the pixels checks that the file still
    starts with those bytes.
    """
    try:
        native = from_native(path, parsed) if parsed is not None else _native_or_none(path)
        if native is not None:
            return native
        return read_with_pydicom(path)
    except VolumeAssemblyError:
        raise
    except OSError as exc:
        raise VolumeAssemblyError(f"{path.name}: cannot be read ({exc.strerror}).") from None
    except Exception as exc:  # noqa: BLE001 - pydicom raises many types on corrupt input
        raise VolumeAssemblyError(f"{path.name}: corrupt DICOM header ({exc}).") from None
