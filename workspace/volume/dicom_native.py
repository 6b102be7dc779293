"""A minimal walker over the header of an uncompressed little-endian DICOM file.

Most CT and MR series arrive as one Explicit (or Implicit) VR Little Endian file per slice.
For those, walking the top-level elements once and keeping the raw bytes of the dozen that
assembly needs is several times cheaper than building a pydicom data set. Anything else
(another transfer syntax, functional groups, a structure the walker does not expect) returns
None and the caller falls back to pydicom, which also gives the better error messages.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

EXPLICIT_LITTLE = "1.2.840.10008.1.2.1"
IMPLICIT_LITTLE = "1.2.840.10008.1.2"
PIXEL_DATA = 0x7FE00010
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"SQ", b"UT", b"UC", b"UR"})
_TAG = struct.Struct("<HH")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<L")
_EXPLICIT = struct.Struct("<HH2sH")  # tag, VR, 16-bit length (or 2 reserved bytes)
_IMPLICIT = struct.Struct("<HHL")  # tag, 32-bit length
# The elements kept (tag: keyword, VR); the importer and the volume assembly read these.
WANTED: dict[int, tuple[str, str]] = {
    0x00080005: ("SpecificCharacterSet", "CS"),
    0x00080016: ("SOPClassUID", "UI"),
    0x00080018: ("SOPInstanceUID", "UI"),
    0x00080020: ("StudyDate", "DA"),
    0x00080060: ("Modality", "CS"),
    0x0008103E: ("SeriesDescription", "LO"),
    0x00100010: ("PatientName", "PN"),
    0x00100020: ("PatientID", "LO"),
    0x00180050: ("SliceThickness", "DS"),
    0x00180088: ("SpacingBetweenSlices", "DS"),
    0x00181164: ("ImagerPixelSpacing", "DS"),
    0x0020000D: ("StudyInstanceUID", "UI"),
    0x0020000E: ("SeriesInstanceUID", "UI"),
    0x00200011: ("SeriesNumber", "IS"),
    0x00200013: ("InstanceNumber", "IS"),
    0x00200032: ("ImagePositionPatient", "DS"),
    0x00200037: ("ImageOrientationPatient", "DS"),
    0x00200052: ("FrameOfReferenceUID", "UI"),
    0x00280002: ("SamplesPerPixel", "US"),
    0x00280004: ("PhotometricInterpretation", "CS"),
    0x00280008: ("NumberOfFrames", "IS"),
    0x00280010: ("Rows", "US"),
    0x00280011: ("Columns", "US"),
    0x00280030: ("PixelSpacing", "DS"),
    0x00280100: ("BitsAllocated", "US"),
    0x00280101: ("BitsStored", "US"),
    0x00280103: ("PixelRepresentation", "US"),
    0x00281052: ("RescaleIntercept", "DS"),
    0x00281053: ("RescaleSlope", "DS"),
}
_VRS = dict(WANTED.values())
_PYDICOM_ONLY = frozenset({0x52009229, 0x52009230})  # shared / per-frame functional groups


class TruncatedHeaderError(Exception):
    """The buffer ended before the pixel data: read more of the file and try again."""


class _Unexpected(Exception):  # noqa: N818 - internal signal, never leaves this module
    """A structure this walker does not handle: let pydicom read the file."""


@dataclass(frozen=True)
class NativeHeader:
    """Raw values of the wanted elements, the transfer syntax and where the pixel data is.

    ``prefix`` is the file's bytes before its pixel data element (the header as a file).
    """

    syntax: str
    values: dict[str, bytes]
    pixel_offset: int
    media_storage_sop_class: str = ""
    prefix: bytes = field(default=b"", repr=False)

    def text(self, keyword: str) -> str:
        """A plain-ASCII value (UI, CS, DA, IS, DS) without padding; "" when absent."""
        return self.values.get(keyword, b"").decode("latin-1").strip(" \x00")

    def numbers(self, keyword: str) -> list[float] | None:
        """A DS/IS value as numbers (None when absent or empty)."""
        raw = self.text(keyword)
        return [float(part) for part in raw.split("\\")] if raw else None

    def unsigned(self, keyword: str, default: int) -> int:
        """A US value (``default`` when absent)."""
        raw = self.values.get(keyword, b"")
        return int(_U16.unpack_from(raw)[0]) if len(raw) >= 2 else default

    def decoded(self, keyword: str) -> str:
        """A PN/LO value decoded with the file's SpecificCharacterSet, as pydicom would."""
        raw = self.values.get(keyword, b"")
        if not raw or raw.isascii():
            return raw.decode("ascii").strip(" \x00")
        from pydicom import charset

        sets = [part.strip() for part in self.text("SpecificCharacterSet").split("\\")]
        encodings = charset.convert_encodings([part for part in sets if part] or None)
        delimiters = {0x5E, 0x3D} if _VRS.get(keyword) == "PN" else {0x5C}
        return charset.decode_bytes(raw, encodings, delimiters).strip(" \x00")

    def get(self, keyword: str, default: Any = None) -> Any:
        """The value as pydicom would give it: int, float or list of floats, or str."""
        if keyword not in self.values:
            return default
        vr = _VRS[keyword]
        if vr == "US":
            return self.unsigned(keyword, 0)
        if vr in ("DS", "IS"):
            numbers = self.numbers(keyword)
            if numbers is None:
                return None
            if vr == "IS":
                return int(numbers[0]) if len(numbers) == 1 else [int(n) for n in numbers]
            return numbers[0] if len(numbers) == 1 else numbers
        return self.decoded(keyword) if vr in ("PN", "LO") else self.text(keyword)


def _element(buffer: bytes, position: int, implicit: bool) -> tuple[int, bytes | None, int, int]:
    """Tag, VR (None if implicit), header size and value length of the element at ``position``."""
    if position + 8 > len(buffer):
        raise TruncatedHeaderError
    group, element = _TAG.unpack_from(buffer, position)
    tag = group << 16 | element
    if implicit or group == 0xFFFE:
        return tag, None, 8, int(_U32.unpack_from(buffer, position + 4)[0])
    vr = buffer[position + 4 : position + 6]
    if vr in _LONG_VRS:
        if position + 12 > len(buffer):
            raise TruncatedHeaderError
        return tag, vr, 12, int(_U32.unpack_from(buffer, position + 8)[0])
    if not vr.isalpha() or not vr.isupper():
        raise _Unexpected
    return tag, vr, 8, int(_U16.unpack_from(buffer, position + 6)[0])


def _skip_sequence(buffer: bytes, position: int, implicit: bool) -> int:
    """Skip the items of an undefined-length sequence; the position after its delimiter."""
    while True:
        tag, _, size, length = _element(buffer, position, True)
        if tag == _SEQUENCE_END:
            return position + size
        if tag != _ITEM:
            raise _Unexpected
        position += size
        if length != _UNDEFINED:
            position += length
            continue
        while True:  # the item's own elements, up to its delimiter
            tag, vr, size, length = _element(buffer, position, implicit)
            if tag == _ITEM_END:
                position += size
                break
            position += size
            if length == _UNDEFINED:
                position = _skip_sequence(buffer, position, implicit or vr == b"UN")
            else:
                position += length


def _file_meta(buffer: bytes) -> tuple[dict[int, str], int]:
    """The file meta elements (group 0002, always explicit VR LE) and where the data starts."""
    if buffer[128:132] != b"DICM":
        raise _Unexpected
    position = 132
    meta: dict[int, str] = {}
    while True:
        if position + 8 > len(buffer):
            raise TruncatedHeaderError
        if _TAG.unpack_from(buffer, position)[0] != 0x0002:
            return meta, position
        tag, _, size, length = _element(buffer, position, False)
        if length == _UNDEFINED:
            raise _Unexpected
        value = buffer[position + size : position + size + length]
        meta[tag] = value.rstrip(b" \x00").decode("ascii", "replace")
        position += size + length


def read_native_header(buffer: bytes) -> NativeHeader | None:
    """Walk the header in ``buffer`` (the file's first bytes); None if pydicom should read it.

    Raises :class:`TruncatedHeaderError` when the buffer ends before the pixel data.
    """
    try:
        meta, position = _file_meta(buffer)
        syntax = meta.get(0x00020010, "")
        if syntax not in (EXPLICIT_LITTLE, IMPLICIT_LITTLE):
            return None
        implicit = syntax == IMPLICIT_LITTLE
        values: dict[str, bytes] = {}
        end = len(buffer)
        while True:  # _element inlined: this loop is most of the cost of reading a header
            if position + 8 > end:
                raise TruncatedHeaderError
            vr: bytes | None
            if implicit:
                group, element, length = _IMPLICIT.unpack_from(buffer, position)
                vr, size = None, 8
            else:
                group, element, vr, length = _EXPLICIT.unpack_from(buffer, position)
                size = 8
                if group == 0xFFFE:
                    vr, length = None, _U32.unpack_from(buffer, position + 4)[0]
                elif vr in _LONG_VRS:
                    if position + 12 > end:
                        raise TruncatedHeaderError
                    size, length = 12, _U32.unpack_from(buffer, position + 8)[0]
                elif not vr.isalpha() or not vr.isupper():
                    return None
            tag = group << 16 | element
            if tag == PIXEL_DATA:
                media = meta.get(0x00020002, "")
                return NativeHeader(syntax, values, position, media, buffer[:position])
            if tag in _PYDICOM_ONLY or tag >> 16 == 0xFFFE:
                return None
            position += size
            if length == _UNDEFINED:
                position = _skip_sequence(buffer, position, implicit or vr == b"UN")
                continue
            wanted = WANTED.get(tag)
            if wanted is not None:
                if position + length > len(buffer):
                    raise TruncatedHeaderError
                values[wanted[0]] = buffer[position : position + length]
            position += length
    except _Unexpected:
        return None
    except (struct.error, UnicodeDecodeError, ValueError):
        return None
