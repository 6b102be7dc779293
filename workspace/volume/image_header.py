"""What a NIfTI, NRRD or MetaImage header promises, checked before SimpleITK reads the voxels.

SimpleITK trusts the header: it follows a detached header's data file wherever it points
(``data file: /etc/passwd`` is read as voxels), fills a NIfTI file shorter than its header
says with zeros, and reads a NaN, zero or infinite NIfTI ``pixdim`` as 1 mm.
:func:`inspect_image` refuses such files first, raising :class:`ImageFileError`:

- a detached data file (NRRD ``data file:``, MetaImage ``ElementDataFile``) must lie inside the
  header's own folder once every symlink is resolved; data split over several files (a list or
  a file-name pattern) is refused;
- the data must hold at least the bytes that the header's size and pixel type need: raw data
  is measured, compressed data is decompressed and counted (stopping once enough was seen);
- every spacing (NIfTI ``pixdim``, NRRD ``spacings`` and ``space directions``, MetaImage
  ``ElementSpacing`` and ``ElementSize``) must be a finite, positive number.

Only the fields these checks need are parsed; SimpleITK (made to use the reader the file's
extension names) gives the image size and pixel type of NRRD and MetaImage files.
"""

from __future__ import annotations

import bz2
import gzip
import math
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT_NAMES = {
    ".nii": "NIfTI",
    ".nii.gz": "NIfTI",
    ".nrrd": "NRRD",
    ".nhdr": "NRRD",
    ".mha": "MetaImage",
    ".mhd": "MetaImage",
}
_IMAGE_IO = {"NIfTI": "NiftiImageIO", "NRRD": "NrrdImageIO", "MetaImage": "MetaImageIO"}
_TEXT_HEADER_LIMIT = 1 << 20  # NRRD and MetaImage headers longer than this are refused
_BLOCK = 1 << 20
_NIFTI1_MAGIC = b"n+1\x00"
_NIFTI2_MAGIC = b"n+2\x00\r\n\x1a\n"
# Bytes per voxel of each NIfTI datatype code (uint8, int16, int32, float32, complex64, float64,
# RGB24, int8, uint16, uint32, int64, uint64, float128, complex128, complex256, RGBA32).
_NIFTI_BYTES = {
    2: 1, 4: 2, 8: 4, 16: 4, 32: 8, 64: 8, 128: 3, 256: 1, 512: 2, 768: 4,
    1024: 8, 1280: 8, 1536: 16, 1792: 16, 2048: 32, 2304: 4,
}  # fmt: skip


class ImageFileError(Exception):
    """An image file refused before reading; the message says why (without the file name)."""


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an accepted image file says (SimpleITK's axis order: i, j, k)."""

    kind: str
    size: tuple[int, ...]
    spacing: tuple[float, ...]
    components: int
    pixel_type: str
    data_files: tuple[Path, ...]

    @property
    def image_io(self) -> str:
        """The SimpleITK reader for this format (pass it, so no other reader is tried)."""
        return _IMAGE_IO[self.kind]


@dataclass(frozen=True)
class _Layout:
    """Where a header says its voxel data is, how it is encoded, and its spacing values."""

    source: Path  # the file holding the data
    offset: int  # where the data starts in it; -1: the data is the file's last bytes
    encoding: str  # "raw", "zlib" (zlib or gzip), "bzip2", or "" (not measured)
    spacing: tuple[float, ...]
    skip: int = 0  # bytes skipped after decoding (NIfTI's header in a .nii.gz, NRRD byte skip)
    expected: int | None = None  # data bytes, when the header alone says (NIfTI)
    data_files: tuple[Path, ...] = ()


def image_kind(path: Path) -> str | None:
    """``"NIfTI"``, ``"NRRD"`` or ``"MetaImage"`` by the file's extension, else None."""
    name = path.name.lower()
    for suffix in sorted(FORMAT_NAMES, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMAT_NAMES[suffix]
    return None


def inspect_image(path: Path, *, count_compressed: bool = True) -> ImageInfo:
    """Check ``path``'s header against the file (see the module docstring) and describe it.

    ``count_compressed=False`` leaves out decompressing compressed data to count it (the
    cheap checks of a scan); reading the voxels must not leave it out.
    """
    kind = image_kind(path)
    if kind is None:
        raise ImageFileError("is not a NIfTI, NRRD or MetaImage file")
    try:
        layout = _LAYOUTS[kind](path)
    except OSError as exc:
        raise ImageFileError(f"cannot be read ({exc.strerror or exc})") from None
    _check_spacing(layout.spacing)
    reader = _read_information(path, kind)
    size = tuple(int(n) for n in reader.GetSize())
    components = int(reader.GetNumberOfComponents())
    spacing = tuple(float(s) for s in reader.GetSpacing())
    _check_spacing(spacing)
    expected = layout.expected
    if expected is None:
        expected = math.prod(size) * components * _component_bytes(reader.GetPixelID())
    _check_length(layout, expected, count_compressed)
    import SimpleITK as sitk  # noqa: N813

    return ImageInfo(
        kind=kind,
        size=size,
        spacing=spacing,
        components=components,
        pixel_type=sitk.GetPixelIDValueAsString(reader.GetPixelID()),
        data_files=layout.data_files,
    )


def _read_information(path: Path, kind: str) -> Any:
    import SimpleITK as sitk  # noqa: N813

    reader = sitk.ImageFileReader()
    reader.SetImageIO(_IMAGE_IO[kind])
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
    except RuntimeError:
        raise ImageFileError(f"is not a readable {kind} file") from None
    return reader


def _component_bytes(pixel_id: int) -> int:
    import SimpleITK as sitk  # noqa: N813

    return int(sitk.Image([1, 1], pixel_id).GetSizeOfPixelComponent())


def _check_spacing(spacing: tuple[float, ...]) -> None:
    for value in spacing:
        if not (math.isfinite(value) and value > 0):
            shown = ", ".join(f"{v:g}" for v in spacing)
            raise ImageFileError(
                f"has an unusable voxel spacing ({shown}): each must be a finite number above 0"
            )


def _check_length(layout: _Layout, expected: int, count_compressed: bool) -> None:
    """Refuse data shorter than ``expected`` bytes (after ``layout.skip``, once decoded)."""
    where = f" in its data file {layout.source.name}" if layout.data_files else ""
    if layout.encoding == "raw":
        size = layout.source.stat().st_size
        found = size if layout.offset < 0 else max(size - layout.offset, 0)
        if found < expected:
            raise ImageFileError(
                f"is shorter than its header says: {expected} bytes of voxels expected{where}, "
                f"{found} found"
            )
    elif layout.encoding and count_compressed:
        need = layout.skip + expected
        decoded = _decoded_length(layout.source, layout.offset, layout.encoding, need)
        if decoded < need:
            raise ImageFileError(
                f"is shorter than its header says: the compressed data{where} should give "
                f"{need} bytes, and ends after {decoded}"
            )


def _decoded_length(path: Path, offset: int, encoding: str, need: int) -> int:
    """Bytes that the compressed data at ``offset`` decodes to, counted up to ``need``."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(offset, 0))
            if encoding == "bzip2":
                return _bzip2_length(handle, need)
            return _zlib_length(handle, need)
    except (zlib.error, OSError, EOFError, ValueError) as exc:
        raise ImageFileError(f"has damaged compressed data ({exc})") from None


def _zlib_length(handle: Any, need: int) -> int:
    """Decoded length of zlib or gzip data (several gzip members one after another too)."""
    decoded, decoder, pending = 0, zlib.decompressobj(47), b""
    while decoded < need:
        if decoder.eof:
            pending, decoder = decoder.unused_data, zlib.decompressobj(47)
        data = decoder.unconsumed_tail or pending or handle.read(_BLOCK)
        pending = b""
        if not data:
            break
        decoded += len(decoder.decompress(data, _BLOCK))
    return decoded


def _bzip2_length(handle: Any, need: int) -> int:
    decoded, decoder, pending = 0, bz2.BZ2Decompressor(), b""
    while decoded < need:
        if decoder.eof:
            pending, decoder = decoder.unused_data, bz2.BZ2Decompressor()
        data = pending or (handle.read(_BLOCK) if decoder.needs_input else b"")
        pending = b""
        if decoder.needs_input and not data:
            break
        decoded += len(decoder.decompress(data, _BLOCK))
    return decoded


# ---------------------------------------------------------------------- NIfTI


def _nifti_layout(path: Path) -> _Layout:
    """NIfTI-1 or -2 single-file header: dimensions, bits per voxel, pixdim, vox_offset."""
    compressed = path.name.lower().endswith(".gz")
    try:
        if compressed:
            with gzip.open(path, "rb") as handle:
                head = handle.read(544)
        else:
            with path.open("rb") as handle:
                head = handle.read(544)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImageFileError(f"has damaged compressed data ({exc})") from None
    for order in "<>":
        if len(head) >= 4 and struct.unpack_from(f"{order}i", head)[0] in (348, 540):
            break
    else:
        raise ImageFileError("does not start with a NIfTI-1 or NIfTI-2 header")
    try:
        if struct.unpack_from(f"{order}i", head)[0] == 348:
            magic_ok = head[344:348] == _NIFTI1_MAGIC
            datatype = struct.unpack_from(f"{order}h", head, 70)[0]
            dims = struct.unpack_from(f"{order}8h", head, 40)
            bitpix = struct.unpack_from(f"{order}h", head, 72)[0]
            pixdim = struct.unpack_from(f"{order}8f", head, 76)
            vox_offset: float = struct.unpack_from(f"{order}f", head, 108)[0]
            header_size = 348
        else:
            magic_ok = head[4:12] == _NIFTI2_MAGIC
            datatype = struct.unpack_from(f"{order}h", head, 12)[0]
            bitpix = struct.unpack_from(f"{order}h", head, 14)[0]
            dims = struct.unpack_from(f"{order}8q", head, 16)
            pixdim = struct.unpack_from(f"{order}8d", head, 104)
            vox_offset = struct.unpack_from(f"{order}q", head, 168)[0]
            header_size = 540
    except struct.error:
        raise ImageFileError("has a truncated NIfTI header") from None
    if not magic_ok:
        raise ImageFileError("is not a single-file NIfTI image (its header's magic is wrong)")
    rank = dims[0]
    if not 1 <= rank <= 7 or any(n < 1 for n in dims[1 : rank + 1]):
        raise ImageFileError(f"has an invalid image size in its header ({dims[: rank + 1]})")
    if datatype not in _NIFTI_BYTES or bitpix <= 0 or bitpix % 8:
        raise ImageFileError(f"has an unsupported voxel type (datatype {datatype}, {bitpix} bits)")
    if not math.isfinite(vox_offset) or vox_offset < 0:
        raise ImageFileError(f"has an invalid data offset in its header ({vox_offset})")
    offset = max(int(vox_offset), header_size)
    # NIfTI readers size a voxel by its datatype; bitpix is trusted only when it says more
    expected = math.prod(dims[1 : rank + 1]) * max(_NIFTI_BYTES[datatype], bitpix // 8)
    spacing = tuple(float(v) for v in pixdim[1 : min(rank, 3) + 1])
    if compressed:
        return _Layout(path, 0, "zlib", spacing, skip=offset, expected=expected)
    return _Layout(path, offset, "raw", spacing, expected=expected)


# ---------------------------------------------------------------------- NRRD and MetaImage

_NRRD_ENCODINGS = {"raw": "raw", "gzip": "zlib", "gz": "zlib", "bzip2": "bzip2", "bz2": "bzip2"}


def _text_header(path: Path) -> tuple[bytes, list[tuple[str, int]]]:
    """The file's first bytes and its lines, each with the offset just after it."""
    with path.open("rb") as handle:
        raw = handle.read(_TEXT_HEADER_LIMIT)
    lines: list[tuple[str, int]] = []
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        stop = len(raw) if end < 0 else end + 1
        lines.append((raw[start:stop].decode("latin-1").rstrip("\r\n"), stop))
        start = stop
    return raw, lines


def _numbers(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.replace(",", " ").split())
    except ValueError:
        raise ImageFileError(f"has a {what} that is not a list of numbers ({text})") from None


def _integer(text: str, what: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError:
        raise ImageFileError(f"has a {what} that is not a whole number ({text})") from None


def _data_file(header: Path, value: str, field: str) -> Path:
    """The one data file ``value`` names, refused unless it lies inside the header's folder."""
    tokens = value.split()
    if (tokens and tokens[0].upper() == "LIST") or "%" in value:
        raise ImageFileError(
            f"spreads its data over several files ({field} {value}), which is not supported"
        )
    try:
        folder = header.parent.resolve()
        target = (header.parent / value).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        raise ImageFileError(f"names a data file that cannot be found ({field} {value})") from None
    if not target.is_relative_to(folder):
        raise ImageFileError(
            f"names a data file outside its own folder ({field} {value}); refused: a header "
            "may only name a data file in its own folder"
        )
    if not target.is_file():
        raise ImageFileError(f"names a data file that does not exist ({field} {value})")
    return header.parent / value


def _set_field(fields: dict[str, str], key: str, value: str) -> None:
    """Record one header field; a field given twice (in any spelling) is refused."""
    if key in fields:
        raise ImageFileError(f"repeats the header field '{key}'")
    fields[key] = value


def _nrrd_layout(path: Path) -> _Layout:
    raw, lines = _text_header(path)
    if not raw.startswith(b"NRRD000"):
        raise ImageFileError("does not start with the NRRD magic line")
    fields: dict[str, str] = {}
    header_end = len(raw)
    for text, after in lines[1:]:
        if not text.strip():
            header_end = after
            break
        if text.startswith("#") or ":=" in text.partition(": ")[0]:
            continue  # a comment or a key/value pair
        key, separator, value = text.partition(":")
        if separator:
            _set_field(fields, key.strip().lower().replace(" ", ""), value.strip())
    else:
        if len(raw) >= _TEXT_HEADER_LIMIT:
            raise ImageFileError("has an NRRD header too long to be read")
    encoding = _NRRD_ENCODINGS.get(fields.get("encoding", "raw").lower(), "")
    line_skip = _integer(fields.get("lineskip", "0"), "line skip")
    byte_skip = _integer(fields.get("byteskip", "0"), "byte skip")
    spacing = _nrrd_spacing(fields)
    data_files: tuple[Path, ...] = ()
    source, offset = path, header_end
    if "datafile" in fields:
        source = _data_file(path, fields["datafile"], "data file:")
        data_files, offset = (source,), 0
    offset = _after_lines(source, offset, line_skip)
    if encoding == "raw":
        offset = -1 if byte_skip == -1 else offset + max(byte_skip, 0)
        return _Layout(source, offset, encoding, spacing, data_files=data_files)
    return _Layout(source, offset, encoding, spacing, max(byte_skip, 0), data_files=data_files)


def _nrrd_spacing(fields: dict[str, str]) -> tuple[float, ...]:
    """The length of each ``space directions`` vector (``none`` left out), or the spacings."""
    if "spacedirections" in fields:
        vectors = re.findall(r"\(([^)]*)\)", fields["spacedirections"])
        return tuple(math.hypot(*_numbers(v, "space direction")) for v in vectors)
    return _numbers(fields.get("spacings", ""), "spacings")


def _after_lines(path: Path, offset: int, count: int) -> int:
    """The offset after skipping ``count`` lines from ``offset`` (NRRD ``line skip``)."""
    if count <= 0:
        return offset
    with path.open("rb") as handle:
        handle.seek(offset)
        for _ in range(count):
            handle.readline()
        return handle.tell()


def _metaimage_layout(path: Path) -> _Layout:
    """MetaImage header fields up to ``ElementDataFile``, which ends the header."""
    _raw, lines = _text_header(path)
    fields: dict[str, str] = {}
    data_start = -1
    for text, after in lines:
        key, separator, value = text.partition("=")
        if not separator:
            continue
        _set_field(fields, key.strip().lower(), value.strip())
        if key.strip().lower() == "elementdatafile":
            if key.strip() != "ElementDataFile":  # another reader may skip it and read on
                raise ImageFileError(f"has a misspelt ElementDataFile field ({key.strip()})")
            data_start = after
            break
    if data_start < 0:
        raise ImageFileError("has no MetaImage header ending with an ElementDataFile line")
    spacing = _numbers(fields.get("elementspacing", ""), "ElementSpacing")
    spacing += _numbers(fields.get("elementsize", ""), "ElementSize")
    compressed = fields.get("compresseddata", "false").lower() == "true"
    header_size = _integer(fields.get("headersize", "0"), "HeaderSize")
    value = fields["elementdatafile"]
    data_files: tuple[Path, ...] = ()
    source, offset = path, data_start
    if value != "LOCAL":
        source = _data_file(path, value, "ElementDataFile =")
        data_files, offset = (source,), 0
    if header_size == -1 and not compressed:
        offset = -1
    elif header_size > 0:
        offset = header_size
    encoding = "zlib" if compressed else "raw"
    return _Layout(source, offset, encoding, spacing, data_files=data_files)


_LAYOUTS = {"NIfTI": _nifti_layout, "NRRD": _nrrd_layout, "MetaImage": _metaimage_layout}
