"""Volumes in the encrypted blob store: one blob of raw voxels, geometry in the item's meta.

Reopening reads the voxels back from the store with one bulk, authenticated read; one axial
slice can be read on its own (random access), without decrypting the rest.
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from storage.blobs import BlobStore
from workspace.items import ItemFile, SealedFiles, content_digest
from workspace.volume.dicom_series import AssembledVolume, SourceFile
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Volume

if TYPE_CHECKING:
    import pydicom

META_KEY = "volume"
LAYOUT = "raw-little-endian-c-order-kji"


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
) -> tuple[SealedFiles, dict[str, Any]]:
    """Seal the voxels (and DICOM source headers, if any); returns them and the meta entry.

    ``identity`` is the digest of the original source files, so a volume imported twice is
    recognised.
    """
    voxels = np.ascontiguousarray(volume.voxels)
    little = voxels.astype(voxels.dtype.newbyteorder("<"), copy=False)
    unchanged = little is volume.voxels and not little.flags.writeable
    voxel_digest = blobs.put(little.data.cast("B"), sha256=volume.sha256 if unchanged else None)
    entry: dict[str, Any] = {
        "voxels": voxel_digest,
        "dtype": little.dtype.str,
        "layout": LAYOUT,
        "geometry": volume.geometry.to_json(),
        "warnings": list(warnings),
    }
    files = [ItemFile(VOXELS_NAME, voxel_digest)]
    if sources:
        entry["headers"] = blobs.put(_headers_zip(sources))
        files.insert(0, ItemFile(HEADERS_NAME, entry["headers"]))
    return SealedFiles(files, identity), entry


def seal_series(blobs: BlobStore, assembled: AssembledVolume) -> tuple[SealedFiles, dict[str, Any]]:
    """Seal an assembled DICOM series: its voxels and its pixel-less headers."""
    return seal_volume(
        blobs, assembled.volume, source_identity(assembled), assembled.warnings, assembled.sources
    )


def source_identity(assembled: AssembledVolume) -> str:
    """The identity of an item imported from these source files (for deduplication)."""
    return content_digest([source.sha256 for source in assembled.sources])


def load_source_headers(blobs: BlobStore, meta: dict[str, Any]) -> list[pydicom.Dataset]:
    """The source DICOM headers of a stored volume, in slice order (for exports)."""
    entry = _entry(meta)
    if "headers" not in entry:
        raise KeyError(
            "This volume was not imported from DICOM, so there are no source images to "
            "reference; export it as NIfTI or NRRD instead."
        )
    with zipfile.ZipFile(io.BytesIO(blobs.get(entry["headers"]))) as archive:
        import pydicom

        return [pydicom.dcmread(io.BytesIO(archive.read(name))) for name in archive.namelist()]


def _entry(meta: dict[str, Any]) -> dict[str, Any]:
    entry = meta.get(META_KEY)
    if not isinstance(entry, dict) or entry.get("layout") != LAYOUT:
        raise KeyError("This item has no stored volume (it was imported without voxel data).")
    return entry


def load_volume(blobs: BlobStore, meta: dict[str, Any]) -> Volume:
    """The stored volume of an item, from the encrypted store (not from the DICOM files)."""
    entry = _entry(meta)
    geometry = VolumeGeometry.from_json(entry["geometry"])
    data = blobs.get(entry["voxels"])
    voxels = np.frombuffer(data, dtype=np.dtype(entry["dtype"])).reshape(geometry.shape)
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
