"""Volumes in the encrypted blob store: one blob of raw voxels, geometry in the item's meta.

Reopening reads the voxels back from the store with one bulk, authenticated read; one axial
slice can be read on its own (random access), without decrypting the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from storage.blobs import BlobStore
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Volume

META_KEY = "volume"
LAYOUT = "raw-little-endian-c-order-kji"


def store_volume(blobs: BlobStore, volume: Volume, warnings: list[str]) -> dict[str, Any]:
    """Seal the voxels as one blob; returns the entry kept in ``item.meta["volume"]``."""
    voxels = np.ascontiguousarray(volume.voxels)
    little = voxels.astype(voxels.dtype.newbyteorder("<"), copy=False)
    digest = blobs.put(little.data.cast("B"))
    return {
        "voxels": digest,
        "dtype": little.dtype.str,
        "layout": LAYOUT,
        "geometry": volume.geometry.to_json(),
        "warnings": list(warnings),
    }


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
