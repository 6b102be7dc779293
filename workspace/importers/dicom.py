"""DICOM image series: headers are read (no pixels), grouped by SeriesInstanceUID and checked.

Assembling the voxels is the volume loader's job; here every file's header is parsed without
its pixels (uncompressed little-endian files by the fast walker of
:mod:`workspace.volume.dicom_native`, the rest by pydicom with ``stop_before_pixels``), its pixel
data element is checked against the file size (so truncated files are caught without reading
pixels), and each series is sorted along its slice normal. The headers the fast walker read
travel with the series (:class:`DicomSeriesItem`), so assembling its volume need not read them
again.
"""

from __future__ import annotations

import itertools
import math
import statistics
import struct
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from workspace.importers.base import ImportedItem, ReadContext, file_entries, read_head
from workspace.importers.dicom_waveform import is_dicom_waveform
from workspace.volume.dicom_native import NativeHeader, TruncatedHeaderError, read_native_header
from workspace.volume.enhanced_stacks import STACK_MODALITIES, form_one_volume

DICOM_SUFFIXES = frozenset({".dcm", ".dicom", ".dic", ".ima"})
VOLUME_MODALITIES = frozenset({"CT", "MR", "PT", "NM"})
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"  # DICOMDIR: an index, not an image
HEAD_SIZE = 64 << 10  # most headers fit; a longer one is read on
_PIXEL_TAGS = (b"\xe0\x7f\x10\x00", b"\xe0\x7f\x08\x00", b"\xe0\x7f\x09\x00")
_PIXEL_TAGS_BIG_ENDIAN = (b"\x7f\xe0\x00\x10", b"\x7f\xe0\x00\x08", b"\x7f\xe0\x00\x09")
_LONG_VRS = (b"OB", b"OW", b"OF", b"OD", b"UN")
_UNDEFINED_LENGTH = 0xFFFFFFFF
_HEADER_TAGS = [
    "SOPClassUID", "SOPInstanceUID", "Modality", "StudyInstanceUID", "SeriesInstanceUID",
    "SeriesNumber", "SeriesDescription", "PatientName", "PatientID", "StudyDate",
    "FrameOfReferenceUID", "Rows", "Columns", "NumberOfFrames", "SamplesPerPixel",
    "BitsAllocated", "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing",
    "SliceThickness", "InstanceNumber", "AcquisitionDate", "SeriesDate",
    "PhotometricInterpretation",
]  # fmt: skip


#: What a user calls the DICOM objects Caliper does not import as images, and what to do instead.
_NOT_IMAGES = {
    "SEG": "a DICOM segmentation: import it onto its series with "
    "'caliper import FILE --annotations-of ITEM'",
    "SR": "a DICOM structured report (a document, not an image)",
    "PR": "a DICOM presentation state (display settings, not an image)",
    "KO": "a DICOM key-object selection (a list of images, not an image)",
    "DOC": "a DICOM encapsulated document (a PDF or CDA, not an image)",
    "RTSTRUCT": "a radiotherapy structure set (contours, not an image)",
    "RTPLAN": "a radiotherapy plan (not an image)",
    "RTDOSE": "a radiotherapy dose grid (not supported)",
    "REG": "a DICOM spatial registration (not an image)",
}
#: 2D images and cines, imported as single-slice items (or frames scrolled like slices).
PLANAR_MODALITIES = frozenset({"CR", "DX", "MG", "US", "XA", "RF", "IO", "PX", "OT", "SC"})
IMAGE_MODALITIES = VOLUME_MODALITIES | PLANAR_MODALITIES
_ELSEWHERE = {
    "SM": "a slide microscopy image: import the slide's folder, which the slide importer reads",
}


def out_of_scope(modality: str) -> str:
    """Why a DICOM file of ``modality`` is not imported, in a user's words."""
    if modality in _NOT_IMAGES:
        return f"{_NOT_IMAGES[modality]}; left out"
    if modality in _ELSEWHERE:
        return f"{_ELSEWHERE[modality]}; left out"
    return (
        f"DICOM modality {modality!r} is not one Caliper imports (CT, MR, PET, NM, radiographs, "
        "mammograms, ultrasound, angiography and secondary captures)"
    )


@dataclass
class _Header:
    """What the importer needs from one file's header."""

    path: Path
    sop_class: str
    sop_instance: str
    modality: str
    study_uid: str
    series_uid: str
    series_number: int | None
    series_description: str
    patient_name: str
    patient_id: str
    study_date: str
    acquisition_date: str
    frame_of_reference: str
    rows: int
    cols: int
    frames: int
    position: tuple[float, float, float] | None
    orientation: tuple[float, ...] | None
    pixel_spacing: list[float] | None
    slice_thickness: float | None
    instance_number: int | None
    native: NativeHeader | None = field(default=None, repr=False, compare=False)

    @property
    def own_item(self) -> bool:
        """A file that is an item by itself: multi-frame (a cine or an Enhanced volume), or a
        2D image that does not say where it lies in the patient (a radiograph, a capture)."""
        unplaced = self.position is None or self.orientation is None
        return self.frames > 1 or (unplaced and self.modality in PLANAR_MODALITIES)

    @property
    def stackable(self) -> bool:
        """A multi-frame CT/MR/PET file with a frame of reference: maybe one stack of a volume
        written in several files (:mod:`workspace.volume.enhanced_stacks`)."""
        stack = self.frames > 1 and self.modality in STACK_MODALITIES
        return stack and bool(self.frame_of_reference)

    @property
    def group(self) -> str:
        """The key of the item this file belongs to, before the stacks are checked."""
        if self.stackable:
            return f"{self.series_uid}/stacks/{self.frame_of_reference}/{self.rows}x{self.cols}"
        return f"{self.series_uid}/{self.sop_instance}" if self.own_item else self.series_uid

    @property
    def layout(self) -> tuple[int, int, tuple[float, ...] | None]:
        """Image size and (rounded) orientation: what every slice of a volume shares."""
        rounded = None if self.orientation is None else tuple(round(v, 3) for v in self.orientation)
        return self.rows, self.cols, rounded


@dataclass
class DicomSeriesItem(ImportedItem):
    """A DICOM series, with the headers the fast walker read (by path; the others are absent)."""

    parsed: dict[Path, NativeHeader] = field(default_factory=dict, repr=False, compare=False)


class DicomImporter:
    """Reads DICOM images: one item per CT/MR/PET/NM series, one per multi-frame file and one
    per 2D image that does not say where it lies in the patient."""

    format_id = "dicom"
    modality = "volume"

    def claims(self, path: Path) -> bool:
        """Claim ``.dcm``-like extensions, the ``DICM`` marker, or a bare dataset with no name;
        never a DICOM waveform (the waveform importer's)."""
        if is_dicom_waveform(path):
            return False
        if path.suffix.lower() in DICOM_SUFFIXES:
            return True
        head = read_head(path, 132)
        return head[128:132] == b"DICM" or (path.suffix == "" and _looks_like_bare_dataset(head))

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Parse every header, group by series, validate, and sort each series."""
        ctx = context or ReadContext()
        series: dict[str, list[_Header]] = defaultdict(list)
        for path in sorted(paths):
            ctx.check_cancelled()
            header = self._header_or_problem(path, ctx)
            if header is not None:
                series[header.group].append(header)
            ctx.step()
        items: list[ImportedItem] = []
        for headers in series.values():
            for group in _stacks_or_files(_drop_odd_files(headers, ctx)):
                item = _series_item(group)
                if item is not None:
                    items.append(item)
        return items

    def _header_or_problem(self, path: Path, ctx: ReadContext) -> _Header | None:
        try:
            header = _read_header(path)
        except _SkipFileError:
            return None
        except _BadFileError as exc:
            ctx.problem(path, str(exc))
            return None
        return header


class _BadFileError(Exception):
    """A file that is not an importable DICOM image; the message says why."""


class _SkipFileError(Exception):
    """A DICOM file that is fine but is not an image to import (DICOMDIR)."""


def _read_header(path: Path) -> _Header:
    """Parse and check one file's header; raise ``_BadFileError`` with a readable reason."""
    has_marker = False
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            head = handle.read(HEAD_SIZE)
            has_marker = head[128:132] == b"DICM"
            if not has_marker and not _looks_like_bare_dataset(head):
                raise _BadFileError("not a DICOM file (no 'DICM' marker, no recognisable data set)")
            fast = _read_native(path, head, handle, size) if has_marker else None
            if fast is not None:
                return fast
            header, pixel_problem = _read_with_pydicom(path, handle, size, has_marker)
    except (_SkipFileError, _BadFileError):
        raise
    except OSError as exc:
        raise _BadFileError(f"cannot be read ({exc.strerror or exc})") from exc
    except Exception as exc:  # pydicom raises many exception types on corrupt input
        reason = "corrupt DICOM header" if has_marker else "not a DICOM file"
        raise _BadFileError(f"{reason} ({type(exc).__name__}: {exc})") from exc
    if pixel_problem is not None:
        raise _BadFileError(pixel_problem)
    return header


def _read_native(path: Path, head: bytes, handle: BinaryIO, size: int) -> _Header | None:
    """The fast road for uncompressed little-endian files (no pydicom data set built)."""
    try:
        native = read_native_header(head)
    except TruncatedHeaderError:
        if len(head) >= size:
            return None  # cut short: pydicom's reading says where
        head += handle.read()
        try:
            native = read_native_header(head)
        except TruncatedHeaderError:
            return None
    if native is None or native.media_storage_sop_class == MEDIA_STORAGE_DIRECTORY:
        return None
    header = _extract(path, native, ended_early=False)
    handle.seek(native.pixel_offset)
    frames = max(_int(native.get("NumberOfFrames")) or 1, 1)
    bits = native.unsigned("BitsAllocated", 0)
    samples = native.unsigned("SamplesPerPixel", 1)
    subsampled = native.text("PhotometricInterpretation") == "YBR_FULL_422"
    expected = _image_bytes(header.rows * header.cols * frames, samples, bits, subsampled)
    problem = _pixel_data_problem(handle, size, expected)
    if problem is not None:
        raise _BadFileError(problem)
    header.native = native
    return header


def _read_with_pydicom(
    path: Path, handle: BinaryIO, size: int, has_marker: bool
) -> tuple[_Header, str | None]:
    import pydicom  # lazily: importing it costs ~0.3 s, which start-up should not pay

    handle.seek(0)
    dataset = pydicom.dcmread(
        handle, stop_before_pixels=True, force=not has_marker, specific_tags=_HEADER_TAGS
    )
    if dataset.file_meta.get("MediaStorageSOPClassUID") == MEDIA_STORAGE_DIRECTORY:
        raise _SkipFileError
    header = _extract(path, dataset, ended_early=handle.tell() >= size)
    return header, _pixel_data_problem(handle, size, _pixel_bytes(dataset))


def _looks_like_bare_dataset(head: bytes) -> bool:
    """A dataset with no preamble starts with a group 0008 (or 0002) little-endian tag."""
    return len(head) >= 8 and head[:2] in (b"\x08\x00", b"\x02\x00") and head[3] == 0


def _extract(path: Path, ds: Any, *, ended_early: bool) -> _Header:
    """The header's useful values; ``ended_early`` if the file ended before any pixel data."""
    hint = ": the file ends early, it may be truncated" if ended_early else ""
    for keyword in ("SOPInstanceUID", "SeriesInstanceUID", "Modality"):
        if not str(ds.get(keyword, "") or "").strip():
            raise _BadFileError(f"incomplete DICOM header (no {keyword}){hint}")
    modality = str(ds.get("Modality")).strip().upper()
    if modality not in IMAGE_MODALITIES:
        raise _BadFileError(out_of_scope(modality))
    rows, cols = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    if rows <= 0 or cols <= 0:
        raise _BadFileError(f"DICOM file holds no image (no Rows/Columns){hint}")
    position = _floats(ds.get("ImagePositionPatient"), 3)
    orientation = _floats(ds.get("ImageOrientationPatient"), 6)
    return _Header(
        path=path,
        sop_class=str(ds.get("SOPClassUID", "")),
        sop_instance=str(ds.get("SOPInstanceUID")),
        modality=modality,
        study_uid=str(ds.get("StudyInstanceUID", "")),
        series_uid=str(ds.get("SeriesInstanceUID")),
        series_number=_int(ds.get("SeriesNumber")),
        series_description=str(ds.get("SeriesDescription", "") or "").strip(),
        patient_name=str(ds.get("PatientName", "") or ""),
        patient_id=str(ds.get("PatientID", "") or ""),
        study_date=str(ds.get("StudyDate", "") or ""),
        acquisition_date=str(ds.get("AcquisitionDate", "") or ds.get("SeriesDate", "") or ""),
        frame_of_reference=str(ds.get("FrameOfReferenceUID", "") or ""),
        rows=rows,
        cols=cols,
        frames=max(_int(ds.get("NumberOfFrames")) or 1, 1),
        position=None if position is None else (position[0], position[1], position[2]),
        orientation=None if orientation is None else tuple(orientation),
        pixel_spacing=_floats(ds.get("PixelSpacing"), 2),
        slice_thickness=_float(ds.get("SliceThickness")),
        instance_number=_int(ds.get("InstanceNumber")),
    )


def _pixel_bytes(ds: Any) -> int | None:
    """Size of uncompressed pixel data from the header; None when compressed or unknown."""
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if syntax is not None and syntax.is_compressed:
        return None
    bits = int(ds.get("BitsAllocated") or 0)
    if bits <= 0:
        return None
    samples = int(ds.get("SamplesPerPixel") or 1)
    frames = max(_int(ds.get("NumberOfFrames")) or 1, 1)
    subsampled = str(ds.get("PhotometricInterpretation", "")).strip() == "YBR_FULL_422"
    return _image_bytes(int(ds.Rows) * int(ds.Columns) * frames, samples, bits, subsampled)


def _image_bytes(pixels: int, samples: int, bits: int, subsampled: bool) -> int | None:
    """Bytes of uncompressed pixel data; YBR_FULL_422 keeps two values per pixel, not three."""
    if not bits:
        return None
    values = pixels * 2 if subsampled and samples == 3 else pixels * samples
    return math.ceil(values * bits / 8)


def _pixel_data_problem(handle: BinaryIO, size: int, expected: int | None) -> str | None:
    """Check the pixel data element at the handle's position against the file's size."""
    start = handle.tell()
    element = handle.read(12)
    if element[:4] in _PIXEL_TAGS:
        endian = "<"
    elif element[:4] in _PIXEL_TAGS_BIG_ENDIAN:
        endian = ">"
    else:
        return "DICOM file has no pixel data"
    if len(element) < 8:
        return "truncated: the pixel data ends before it starts"
    if element[4:6] in _LONG_VRS and len(element) == 12:
        (length,), header_size = struct.unpack(endian + "L", element[8:12]), 12
    else:
        (length,), header_size = struct.unpack(endian + "L", element[4:8]), 8
    available = size - start - header_size
    if length == _UNDEFINED_LENGTH:  # encapsulated (compressed) frames
        return None if available > 8 else "truncated: the compressed pixel data is missing"
    if available < length:
        return f"truncated: pixel data needs {length} bytes, the file holds {max(available, 0)}"
    if expected is not None and length < expected:
        return f"pixel data is {length} bytes but the image size needs {expected}"
    return None


def _drop_odd_files(headers: list[_Header], ctx: ReadContext) -> list[_Header]:
    """Keep one file per SOPInstanceUID and the majority image size/orientation."""
    unique: dict[str, _Header] = {}
    for header in headers:
        first = unique.setdefault(header.sop_instance, header)
        if first is not header:
            ctx.problem(header.path, f"duplicate of {first.path.name} (same SOPInstanceUID)")
    kept = list(unique.values())
    if not kept:
        return kept
    majority, _ = Counter(h.layout for h in kept).most_common(1)[0]
    for header in kept:
        if header.layout != majority:
            ctx.problem(
                header.path,
                f"image size or orientation differs from the rest of its series "
                f"({header.rows}×{header.cols} vs {majority[0]}×{majority[1]})",
            )
    return [h for h in kept if h.layout == majority]


def _stacks_or_files(headers: list[_Header]) -> list[list[_Header]]:
    """Multi-frame files of one series are one item if their frames form one volume, else
    one item each; any other group stays as it is."""
    if len(headers) < 2 or not headers[0].stackable:
        return [headers]
    parsed = {h.path: h.native for h in headers if h.native is not None}
    if form_one_volume([h.path for h in headers], parsed):
        return [headers]
    return [[header] for header in headers]


def _series_item(headers: list[_Header]) -> ImportedItem | None:
    """One item for the checked files of a series, sorted along the slice normal."""
    if not headers:
        return None
    ordered, sorted_by = _sort_slices(headers)
    first = ordered[0]
    slices = sum(h.frames for h in ordered)
    meta: dict[str, Any] = {
        "dicom_modality": first.modality,
        "sop_class_uid": first.sop_class,
        "study_instance_uid": first.study_uid,
        "series_instance_uid": first.series_uid,
        "frame_of_reference_uid": first.frame_of_reference,
        "series_description": first.series_description,
        "patient_name": first.patient_name,
        "patient_id": first.patient_id,
        "study_date": first.study_date,
        "acquisition_date": first.acquisition_date,
        "rows": first.rows,
        "cols": first.cols,
        "slices": slices,
        "sorted_by": sorted_by,
    }
    if first.modality in PLANAR_MODALITIES:
        meta["planar"] = True  # a 2D image, or frames scrolled like slices
    if first.series_number is not None:
        meta["series_number"] = first.series_number
    if first.pixel_spacing is not None:
        meta["pixel_spacing"] = first.pixel_spacing
    if first.slice_thickness is not None:
        meta["slice_thickness"] = first.slice_thickness
    if first.orientation is not None:
        meta["orientation"] = list(first.orientation)
    if sorted_by == "position":
        meta.update(_spacing_meta(ordered))
    parsed = {h.path: h.native for h in ordered if h.native is not None}
    files = file_entries([h.path for h in ordered])
    return DicomSeriesItem("volume", series_title(meta), files, meta, parsed)


def series_title(meta: dict[str, Any]) -> str:
    """An item title from a series' meta: modality, description (or number), slice count."""
    number = meta.get("series_number")
    label = meta.get("series_description") or (
        f"series {number}" if number is not None else "unnamed series"
    )
    slices = int(meta["slices"])
    if meta.get("planar"):
        count = "2D image" if slices == 1 else f"{slices} frames"
    else:
        count = f"{slices} slice{'' if slices == 1 else 's'}"
    return f"{meta['dicom_modality']} — {label} ({count})"


def _sort_slices(headers: list[_Header]) -> tuple[list[_Header], str]:
    """Sort by position along the normal when every file has geometry, else by number."""
    if all(h.position is not None and h.orientation is not None for h in headers):
        return sorted(headers, key=_normal_distance), "position"
    return sorted(headers, key=lambda h: (h.instance_number or 0, h.path.name)), "instance_number"


def _normal_distance(header: _Header) -> float:
    assert header.orientation is not None and header.position is not None
    rx, ry, rz, cx, cy, cz = header.orientation
    normal = (ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx)
    return sum(n * p for n, p in zip(normal, header.position, strict=True))


def _spacing_meta(ordered: list[_Header]) -> dict[str, Any]:
    """Median slice spacing, and whether the slices are evenly spaced and distinct."""
    if len(ordered) < 2:
        return {}
    distances = [_normal_distance(h) for h in ordered]
    steps = [b - a for a, b in itertools.pairwise(distances)]
    spacing = statistics.median(steps)
    tolerance = max(abs(spacing) * 0.01, 1e-3)
    return {
        "slice_spacing": round(spacing, 6),
        "uniform_spacing": spacing > 0 and all(abs(s - spacing) <= tolerance for s in steps),
    }


def _floats(value: Any, count: int) -> list[float] | None:
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
