"""Slides in the encrypted blob store: encoded tiles packed into sealed segments, plus an index.

Layout ``slide-tile-segments-v1``:

- The tiles of every level, exactly as encoded in the source (JPEG stays JPEG), are laid one
  after another, level by level and row by row, into *segments* of about
  :data:`SEGMENT_SIZE` bytes; each segment is one blob (:mod:`storage.blobs`: sealed in 1 MiB
  AES-256-GCM chunks). A tile never spans two segments, so reading it costs the one or two
  chunks it touches, never the whole slide.
- A small sealed *index* blob (an ``.npz``: no pickles) holds, per level, the segment, offset
  and length of every tile, the level's codec (JPEG tables, colour space) and a JSON header:
  levels, resolution, the segments' digests and the associated images' blobs.
- Associated images (label, macro, thumbnail) are each a blob of deflated RGB pixels; the
  label may show the patient's name and is sealed like everything else.

Every blob is stored with ``repair``: importing the same file again seals a damaged segment
anew (as other items' damaged blobs are repaired by a re-import).

Import streams: segments are sealed on background threads (two at a time, so one is encrypted
while the other is flushed to disk) while the next one is read from the source and hashed,
so memory holds about three segments, whatever the slide's size. The item's
identity is the index's digest (the same file imported twice gives the same index).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from storage.blobs import BlobStore
from workspace.importers.base import ScanCancelledError
from workspace.items import ItemFile, SealedFiles
from workspace.slides.codecs import Codec, as_rgb, encode_zlib_rgb
from workspace.slides.model import SlideError
from workspace.slides.source import TileSource

META_KEY = "slide"
LAYOUT = "slide-tile-segments-v1"
SEGMENT_SIZE = 16 << 20
IN_FLIGHT = 2  # segments sealed at once
INDEX_NAME = "slide-index.npz"

Progress = Callable[[int, int], None]


@dataclass
class TileIndex:
    """Where each tile of one level lies: ``segment``, ``offset`` and ``length`` per
    (row, column); a length of 0 is a tile the source lacks (shown as background)."""

    segment: npt.NDArray[np.int32]
    offset: npt.NDArray[np.int64]
    length: npt.NDArray[np.int32]


class _SegmentWriter:
    """Packs encoded tiles into segments and seals full ones on background threads.

    Up to :data:`IN_FLIGHT` segments are sealed at once, so one is encrypted while another is
    flushed to disk; the next is filled (and hashed) meanwhile.
    """

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._buffer = bytearray()
        self.digests: list[str] = []
        self._pool = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="slide-seal")
        self._sealing: deque[Future[str]] = deque()

    def add(self, data: bytes | memoryview) -> tuple[int, int]:
        """Place ``data``; returns its segment number and offset."""
        if self._buffer and len(self._buffer) + len(data) > SEGMENT_SIZE:
            self._seal()
        offset = len(self._buffer)
        self._buffer += data
        return len(self.digests) + len(self._sealing), offset

    def _seal(self) -> None:
        data, self._buffer = self._buffer, bytearray()
        digest = hashlib.sha256(data).hexdigest()  # here, while others are sealed
        while len(self._sealing) >= IN_FLIGHT:
            self.digests.append(self._sealing.popleft().result())
        self._sealing.append(self._pool.submit(self._blobs.put, data, sha256=digest, repair=True))

    def finish(self) -> list[str]:
        """Seal what is left; the segments' digests in order."""
        if self._buffer:
            self._seal()
        while self._sealing:
            self.digests.append(self._sealing.popleft().result())
        self._pool.shutdown()
        return self.digests

    def abort(self) -> None:
        """Stop (segments being sealed are finished; nothing else is written)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _pack_index(header: dict[str, Any], indexes: list[TileIndex]) -> bytes:
    arrays: dict[str, npt.NDArray[Any]] = {
        "header": np.frombuffer(json.dumps(header, sort_keys=True).encode(), np.uint8)
    }
    for number, index in enumerate(indexes):
        arrays[f"segment_{number}"] = index.segment
        arrays[f"offset_{number}"] = index.offset
        arrays[f"length_{number}"] = index.length
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def unpack_index(data: bytes | bytearray) -> tuple[dict[str, Any], list[TileIndex]]:
    """The header and per-level tile indexes :func:`seal_slide` stored."""
    try:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as archive:
            header = json.loads(bytes(archive["header"]).decode())
            count = len(header["levels"])
            indexes = [
                TileIndex(
                    archive[f"segment_{n}"].astype(np.int32),
                    archive[f"offset_{n}"].astype(np.int64),
                    archive[f"length_{n}"].astype(np.int32),
                )
                for n in range(count)
            ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SlideError(f"The stored slide index is damaged ({exc}); run caliper check.") from None
    if header.get("layout") != LAYOUT:
        raise SlideError(f"The stored slide has an unknown layout {header.get('layout')!r}.")
    return header, indexes


def seal_slide(
    blobs: BlobStore,
    source: TileSource,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[SealedFiles, dict[str, Any]]:
    """Seal every tile of ``source``, its associated images and the index.

    Returns the item's stored files (segments, associated images, index; its identity is the
    index's digest) and its meta entry. ``progress(done, total)`` counts tiles; when
    ``cancelled()`` turns true a :class:`ScanCancelledError` is raised (sealed segments stay
    as unreferenced blobs).
    """
    total = sum(level.rows * level.columns for level in source.levels)
    done = 0
    writer = _SegmentWriter(blobs)
    indexes: list[TileIndex] = []
    codecs: list[Codec] = []
    try:
        for number, level in enumerate(source.levels):
            if cancelled is not None and cancelled():
                raise ScanCancelledError
            codecs.append(source.codec(number))
            count = level.rows * level.columns
            places = np.zeros((3, count), np.int64)  # segment, offset, length per tile
            for position, data in enumerate(source.tiles(number)):
                if position >= count:
                    break
                if data:
                    segment, offset = writer.add(data)
                    places[:, position] = segment, offset, len(data)
                done += 1
                if done % 1024 == 0:
                    if cancelled is not None and cancelled():
                        raise ScanCancelledError
                    if progress is not None:
                        progress(done, total)
            shape = (level.rows, level.columns)
            indexes.append(
                TileIndex(
                    places[0].astype(np.int32).reshape(shape),
                    places[1].reshape(shape),
                    places[2].astype(np.int32).reshape(shape),
                )
            )
        segments = writer.finish()
    except BaseException:
        writer.abort()
        raise
    associated = {
        name: _seal_image(blobs, pixels) for name, pixels in sorted(source.associated().items())
    }
    levels = [level.to_json() for level in source.levels]
    header = {
        "layout": LAYOUT,
        "levels": levels,
        "codecs": codecs,
        "segments": segments,
        "mpp": list(source.mpp) if source.mpp else None,
        "associated": associated,
    }
    index_digest = blobs.put(_pack_index(header, indexes), repair=True)
    if progress is not None:
        progress(total, total)
    files = [ItemFile(f"segment-{n:05d}.tiles", digest) for n, digest in enumerate(segments)]
    files += [ItemFile(f"{name}.rgb.z", entry["blob"]) for name, entry in associated.items()]
    files.append(ItemFile(INDEX_NAME, index_digest))
    entry = {
        "layout": LAYOUT,
        "index": index_digest,
        "format": source.format_name,
        "levels": levels,
        "mpp": header["mpp"],
        "associated": sorted(associated),
    }
    return SealedFiles(files, index_digest), entry


def _seal_image(blobs: BlobStore, pixels: npt.NDArray[Any]) -> dict[str, Any]:
    rgb = as_rgb(pixels)
    digest = blobs.put(encode_zlib_rgb(rgb), repair=True)
    return {"blob": digest, "width": rgb.shape[1], "height": rgb.shape[0]}
