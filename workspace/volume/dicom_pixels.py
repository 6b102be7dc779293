"""The pixel values of one DICOM file, and its header stored without them.

:func:`read_frames` reads the whole file once and returns its frames: viewed
straight in the file's bytes when uncompressed little-endian, else decoded by pydicom's pixel
handlers (JPEG, JPEG-LS, JPEG 2000 through pylibjpeg/pyjpegls; RLE natively); colour frames
become their luminance (:func:`~workspace.volume.dicom_planar.luminance`).
"""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.dicom_header import DEFLATED_LITTLE, DicomFile, VolumeAssemblyError
from workspace.volume.dicom_planar import luminance

_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"})
_UNDEFINED_LENGTH = 0xFFFFFFFF


def _element_header(raw: bytes, start: int, implicit_vr: bool) -> tuple[int, int]:
    """Size of the pixel data element's header and the value length it declares."""
    element = raw[start : start + 12]
    if len(element) < 8:
        return 8, 0
    if implicit_vr:
        return 8, int(struct.unpack("<L", element[4:8])[0])
    if element[4:6] in _LONG_VRS and len(element) == 12:
        return 12, int(struct.unpack("<L", element[8:12])[0])
    return 8, int(struct.unpack("<H", element[6:8])[0])


def _native_frames(file: DicomFile, raw: bytes) -> npt.NDArray[Any]:
    """The stored values, viewed straight in the file's bytes (no copy, no decoder)."""
    assert file.native is not None
    header_size, length = _element_header(raw, file.pixel_offset, file.native.implicit_vr)
    count = len(file.frames) * file.rows * file.cols
    needed = count * file.native.dtype.itemsize
    available = min(length, len(raw) - file.pixel_offset - header_size)
    if length == _UNDEFINED_LENGTH or available < needed:
        raise VolumeAssemblyError(
            f"{file.name}: pixel data is cut short ({max(available, 0)} of {needed} bytes)."
        )
    offset = file.pixel_offset + header_size
    values = np.frombuffer(raw, dtype=file.native.dtype, count=count, offset=offset)
    return values.reshape(len(file.frames), file.rows, file.cols)


def _decoded_frames(file: DicomFile, raw: bytes) -> npt.NDArray[Any]:
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(raw), force=True)
    if "TransferSyntaxUID" not in ds.file_meta:  # no file meta: the encoding read is the syntax
        implicit, little = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = (
            pydicom.uid.ImplicitVRLittleEndian
            if implicit
            else pydicom.uid.ExplicitVRLittleEndian
            if little
            else pydicom.uid.ExplicitVRBigEndian
        )
    pixels = np.asarray(ds.pixel_array)  # colour comes as RGB (YBR is converted)
    if file.colour:
        pixels = luminance(pixels, ds)
    return pixels.reshape(len(file.frames), file.rows, file.cols)


def _one_line(exc: Exception, limit: int = 200) -> str:
    """A decoder's message on one line: pydicom lists each plugin's failure on its own line
    after a heading ending in ':', so the first plugin's reason is shown."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_frames(file: DicomFile) -> npt.NDArray[Any]:
    """The file's stored pixel values as ``(frames, rows, cols)``."""
    try:
        raw = file.path.read_bytes()
    except OSError as exc:
        raise VolumeAssemblyError(f"{file.name}: cannot be read ({exc.strerror}).") from None
    if file.syntax != DEFLATED_LITTLE and raw[: file.pixel_offset] != file.prefix:
        raise VolumeAssemblyError(f"{file.name}: the file changed while it was being imported.")
    try:
        frames = _native_frames(file, raw) if file.native else _decoded_frames(file, raw)
    except VolumeAssemblyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure becomes one sentence
        raise VolumeAssemblyError(
            f"{file.name}: pixel data could not be decoded ({_one_line(exc)})."
        ) from None
    return frames


def header_file_bytes(file: DicomFile) -> bytes:
    """The file without its pixel data: its own bytes when they form a file, else re-encoded."""
    if file.syntax != DEFLATED_LITTLE and file.prefix[128:132] == b"DICM":
        return file.prefix
    import pydicom

    dataset = file.dataset or pydicom.dcmread(file.path, stop_before_pixels=True, force=True)
    buffer = io.BytesIO()  # deflated, or a bare data set with no preamble and file meta
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
