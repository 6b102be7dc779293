"""Volumes in the encrypted blob store: one blob of raw voxels, geometry in the item's meta.

Reopening reads the voxels back from the store with one bulk, authenticated read; one axial
slice can be read on its own (random access), without decrypting the rest.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from storage.blob_stream import StreamingBlob
from storage.blobs import BlobStore
from storage.errors import IntegrityError
from workspace.errors import NotFoundError
from workspace.items import ItemFile, SealedFiles
from workspace.volume.dicom_series import AssembledVolume, SourceFile, VoxelSink
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Volume

if TYPE_CHECKING:
    import pydicom

META_KEY = "volume"
LAYOUT = "raw-little-endian-c-order-kji"


IDENTITY_DOMAIN = b"caliper-dicom-series-v2\n"
HEADERS_NAME = "dicom-headers.zip"
VOXELS_NAME = "voxels.raw"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _headers_zip(sources: list[SourceFile]) -> bytes:
    """The source headers (pixel data removed), in slice order, as one stored ZIP archive.

    Entries carry a fixed date, so the same series always gives the same archive (and blob).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, source in enumerate(sources, start=1):
            entry = zipfile.ZipInfo(f"{number:05d}.dcm", date_time=ZIP_DATE)
            archive.writestr(entry, source.header_bytes)
    return buffer.getvalue()


def seal_volume(
    blobs: BlobStore,
    volume: Volume,
    identity: str,
    warnings: list[str],
    sources: list[SourceFile] | None = None,
    streamed: VoxelSink | None = None,
    *,
    repair: bool = False,
) -> tuple[SealedFiles, dict[str, Any]]:
    """Seal the voxels (and DICOM source headers, if any); returns them and the meta entry.

    ``identity`` identifies the original source files, so a volume imported twice is
    recognised. ``streamed`` is where the assembly already streamed the voxels
    (:meth:`BlobStore.stream`): it is finished when the voxels are still those it got.
    With ``repair``, stored copies that fail their check are sealed again.
    """
    little, known = _little_endian(volume)
    with ThreadPoolExecutor(1, thread_name_prefix="headers-zip") as pool:
        # the archive is built while the voxels are sealed (which mostly releases the GIL)
        archive = pool.submit(_headers_zip, sources) if sources else None
        if isinstance(streamed, StreamingBlob) and known is not None:
            voxel_digest = streamed.finish(known, repair=repair)
        else:
            if streamed is not None:
                streamed.abort()
            voxel_digest = blobs.put(little.data.cast("B"), sha256=known, repair=repair)
        headers = blobs.put(archive.result(), repair=repair) if archive is not None else None
    entry: dict[str, Any] = {
        "voxels": voxel_digest,
        "dtype": little.dtype.str,
        "layout": LAYOUT,
        "geometry": volume.geometry.to_json(),
        "warnings": list(warnings),
    }
    files = [ItemFile(VOXELS_NAME, voxel_digest)]
    if headers is not None:
        entry["headers"] = headers
        files.insert(0, ItemFile(HEADERS_NAME, headers))
    return SealedFiles(files, identity), entry


def seal_series(blobs: BlobStore, assembled: AssembledVolume) -> tuple[SealedFiles, dict[str, Any]]:
    """Seal an assembled DICOM series: its voxels and its pixel-less headers."""
    return seal_volume(
        blobs,
        assembled.volume,
        source_identity(assembled),
        assembled.warnings,
        assembled.sources,
        assembled.sealing,
    )


def _little_endian(volume: Volume) -> tuple[npt.NDArray[Any], str | None]:
    """The voxels as little-endian C-order, and their SHA-256 if the volume's is still true
    (it is only while the voxels are the assembly's own read-only array)."""
    voxels = np.ascontiguousarray(volume.voxels)
    little = voxels.astype(voxels.dtype.newbyteorder("<"), copy=False)
    unchanged = little is volume.voxels and not little.flags.writeable
    return little, volume.sha256 if unchanged else None


def voxel_sha256(volume: Volume) -> str:
    """SHA-256 of the voxels' little-endian C-order bytes (the address of their blob)."""
    little, known = _little_endian(volume)
    return known or hashlib.sha256(little.data.cast("B")).hexdigest()


def source_identity(assembled: AssembledVolume) -> str:
    """The identity of an item imported from these source files (for deduplication).

    The SHA-256 of the voxels and of the sorted SHA-256s of the files' headers (their bytes
    before the pixel data): the same files always give it, and a file whose header or pixels
    differ gives another, without hashing the whole files a second time.
    """
    hasher = hashlib.sha256(IDENTITY_DOMAIN)
    hasher.update(voxel_sha256(assembled.volume).encode("ascii"))
    for digest in sorted(source.header_sha256 for source in assembled.sources):
        hasher.update(b"\n" + digest.encode("ascii"))
    return hasher.hexdigest()


def _stored_headers(blobs: BlobStore, meta: dict[str, Any]) -> list[bytes]:
    """The stored header files of a volume, in slice order."""
    entry = _entry(meta)
    if "headers" not in entry:
        raise NotFoundError(
            "This volume was not imported from DICOM, so there are no source images to "
            "reference; export it as NIfTI or NRRD instead."
        )
    with zipfile.ZipFile(io.BytesIO(blobs.get(entry["headers"]))) as archive:
        return [archive.read(name) for name in archive.namelist()]


def load_source_headers(blobs: BlobStore, meta: dict[str, Any]) -> list[pydicom.Dataset]:
    """The source DICOM headers of a stored volume, in slice order (for exports)."""
    import pydicom

    return [pydicom.dcmread(io.BytesIO(header)) for header in _stored_headers(blobs, meta)]


def load_reference_headers(blobs: BlobStore, meta: dict[str, Any]) -> list[pydicom.Dataset]:
    """The source headers as an export that only references them needs them (DICOM SEG):
    the first in full, the others holding only what identifies and places an image.

    Parsing 500 full headers with pydicom takes most of a second; walking them for their
    UIDs, size, position, orientation and spacing (:mod:`workspace.volume.dicom_native`)
    takes a tenth of it. Any header the walker does not take (another transfer syntax, a
    multi-frame file, an element missing) makes every header parsed in full instead.
    """
    import pydicom

    headers = _stored_headers(blobs, meta)
    first = pydicom.dcmread(io.BytesIO(headers[0])) if headers else None
    lean = [_lean_header(header) for header in headers[1:]]
    if first is None or any(dataset is None for dataset in lean):
        return [pydicom.dcmread(io.BytesIO(header)) for header in headers]
    return [first, *(dataset for dataset in lean if dataset is not None)]


#: What a referencing export reads of every source image but the first.
REFERENCE_KEYWORDS = (
    "SOPClassUID",
    "SOPInstanceUID",
    "Modality",
    "SliceThickness",
    "SpacingBetweenSlices",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "InstanceNumber",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "FrameOfReferenceUID",
    "Rows",
    "Columns",
    "PixelSpacing",
)
_REQUIRED = ("SOPClassUID", "SOPInstanceUID", "Rows", "Columns")
# A stored header is the file's bytes before its pixel data element (header_file_bytes): the
# walker stops at that element, so an empty one (explicit VR OW, length 0) is put back.
_PIXEL_DATA_END = b"\xe0\x7f\x10\x00OW\x00\x00\x00\x00\x00\x00"


def _lean_header(header: bytes) -> pydicom.Dataset | None:
    """A data set of the :data:`REFERENCE_KEYWORDS` of one single-frame header (values already
    decoded, as pydicom would give them); None when the walker does not take it."""
    from pydicom import config
    from pydicom.dataelem import DataElement
    from pydicom.dataset import Dataset

    from workspace.volume.dicom_native import WANTED, TruncatedHeaderError, read_native_header

    try:
        walked = read_native_header(header + _PIXEL_DATA_END)
    except TruncatedHeaderError:
        return None
    if walked is None or "NumberOfFrames" in walked.values:
        return None
    if any(keyword not in walked.values for keyword in _REQUIRED):
        return None
    dataset = Dataset()
    for tag, (keyword, vr) in WANTED.items():
        if keyword in REFERENCE_KEYWORDS and keyword in walked.values:
            value = walked.get(keyword)  # checked by the walker: not validated again
            dataset[tag] = DataElement(tag, vr, value, validation_mode=config.IGNORE)
    return dataset


def _entry(meta: dict[str, Any]) -> dict[str, Any]:
    entry = meta.get(META_KEY)
    if not isinstance(entry, dict) or entry.get("layout") != LAYOUT:
        raise NotFoundError("This item has no stored volume (it was imported without voxel data).")
    return entry


def load_volume(blobs: BlobStore, meta: dict[str, Any]) -> Volume:
    """The stored volume of an item, from the encrypted store (not from the DICOM files)."""
    entry = _entry(meta)
    geometry = VolumeGeometry.from_json(entry["geometry"])
    voxels = np.empty(geometry.shape, dtype=np.dtype(entry["dtype"]))  # not zero-filled
    with blobs.open(entry["voxels"]) as reader:
        if reader.size != voxels.nbytes:
            raise IntegrityError(
                f"The stored voxels of this item hold {reader.size} bytes, not the "
                f"{voxels.nbytes} its geometry needs (damaged or altered)."
            )
        reader.read_into(voxels.data)
    return Volume(voxels, geometry, {"warnings": entry.get("warnings", [])})


def read_axial_slice(blobs: BlobStore, meta: dict[str, Any], k: int) -> npt.NDArray[Any]:
    """Slice ``k`` of a stored volume, decrypting only the chunks it spans."""
    entry = _entry(meta)
    geometry = VolumeGeometry.from_json(entry["geometry"])
    depth, rows, cols = geometry.shape
    if not 0 <= k < depth:
        raise IndexError(f"slice {k} outside 0..{depth - 1}")
    dtype = np.dtype(entry["dtype"])
    size = rows * cols * dtype.itemsize
    with blobs.open(entry["voxels"]) as reader:
        data = reader.read(k * size, size)
    return np.frombuffer(data, dtype=dtype).reshape(rows, cols)
