"""Slides in the encrypted blob store: encoded tiles packed into sealed segments, plus an index.

Layout ``slide-tile-segments-v1``:

- The tiles of every level, exactly as encoded in the source (JPEG stays JPEG), are laid one
  after another, level by level and row by row, into *segments* of about
  :data:`SEGMENT_SIZE` bytes; each segment is one blob (:mod:`storage.blobs`: sealed in 1 MiB
  AES-256-GCM chunks). A tile never spans two segments, so reading it costs the one or two
  chunks it touches, never the whole slide.
- A segment is an internal object: it is named by a random id, not by its SHA-256 (hashing
  cost as much CPU as sealing), and its integrity rests on AES-GCM, whose associated data binds
  the id and the chunk index (:mod:`storage.blob_format`). Segments stored before had SHA-256
  names and read as ever.
- A small sealed *index* blob (an ``.npz``: no pickles) holds, per level, the segment, offset
  and length of every tile, the level's codec (JPEG tables, colour space) and a JSON header:
  levels, resolution, the segments' ids and BLAKE3 digests and the associated images' blobs.
- Associated images (label, macro, thumbnail) are each a blob of deflated RGB pixels; the
  label may show the patient's name and is sealed like everything else.

The item's identity (:func:`slide_identity`) is a SHA-256 over everything the index holds but
the segments' random ids: levels, codecs, every tile's place, and each segment's BLAKE3 digest
(a cryptographic hash at about twice SHA-256's speed here, 3.5 against 1.6 GB/s: SIMD where
SHA-256 has SHA-NI). The same file imported twice gives the same identity: the second
import's segments are discarded unless the first copy was found damaged, which the new one
then replaces (:mod:`workspace.slides.importing`).

Import streams: each segment is filled in a reused buffer (tiles copied byte for byte are read
straight into it, a run of consecutive tiles per system call, by the thread that seals it),
then hashed (BLAKE3), sealed and written past the page cache (:mod:`storage.blob_direct`) on
one of two background threads while the next is planned, so memory holds about three segments,
whatever the slide's size. The segments are synced and indexed together only when the sealed
slide is kept (:meth:`SealedSlide.commit`); nothing stays of a cancelled or discarded import.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import mmap
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from blake3 import blake3

from storage.blob_direct import DirectSealer
from storage.blob_format import new_random_id
from storage.blobs import BlobStore
from workspace.importers.base import ScanCancelledError
from workspace.items import ItemFile, SealedFiles
from workspace.slides.codecs import Codec, as_rgb, encode_zlib_rgb
from workspace.slides.model import SlideError
from workspace.slides.source import TileRanges, TileSource

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
    """Fills segments in reused buffers and seals full ones on background threads.

    Up to :data:`IN_FLIGHT` segments are hashed, sealed and written at once (BLAKE3, AES-GCM
    and the direct write all release the GIL, so both cores work) while the next one is filled.
    """

    def __init__(self, blobs: BlobStore) -> None:
        self._sealer = DirectSealer(blobs, SEGMENT_SIZE)
        self._pool = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="slide-seal")
        self._sealing: deque[Future[tuple[str, str]]] = deque()
        self._free: queue.SimpleQueue[mmap.mmap] = queue.SimpleQueue()
        self._buffer: mmap.mmap | None = None
        self._fills: list[Callable[[], None]] = []  # reads the segment waits for
        self._files: dict[Path, _PositionalFile] = {}
        self.fill = 0  # bytes of the segment being filled
        self.digests: list[str] = []  # the sealed segments' random ids
        self.checksums: list[str] = []  # and their BLAKE3 digests

    @property
    def segment(self) -> int:
        """The number of the segment being filled."""
        return len(self.digests) + len(self._sealing)

    def reserve(self, size: int) -> tuple[int, int, memoryview]:
        """Room for ``size`` bytes: their segment, offset and the view to fill (a full segment
        is sealed first; a tile larger than a segment makes one of its own)."""
        if self.fill and self.fill + size > SEGMENT_SIZE:
            self.seal()
        if self._buffer is None or len(self._buffer) < self.fill + size:  # fill is 0 here
            if self._buffer is not None and len(self._buffer) == SEGMENT_SIZE:
                self._free.put(self._buffer)
            self._buffer = self._take(size)
        offset, self.fill = self.fill, self.fill + size
        return self.segment, offset, memoryview(self._buffer)[offset : self.fill]

    def defer(self, fill: Callable[[], None]) -> None:
        """Have ``fill`` (which fills views :meth:`reserve` gave) run on the sealing thread,
        just before the segment being filled is hashed and sealed."""
        self._fills.append(fill)

    def file(self, path: Path) -> _PositionalFile:
        """``path`` open for reads from the sealing threads, until the writer stops."""
        if path not in self._files:
            self._files[path] = _PositionalFile(path)
        return self._files[path]

    def add(self, data: bytes | memoryview) -> tuple[int, int]:
        """Place ``data``; returns its segment number and offset."""
        segment, offset, view = self.reserve(len(data))
        view[:] = data
        return segment, offset

    def _take(self, size: int) -> mmap.mmap:
        """A buffer for one segment: reused, and mapped (its pages are faulted in as they are
        first filled, not all zeroed at once)."""
        if size > SEGMENT_SIZE:
            return mmap.mmap(-1, size)
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return mmap.mmap(-1, SEGMENT_SIZE)

    def seal(self) -> None:
        """Seal the segment being filled (the next :meth:`reserve` starts another)."""
        if self._buffer is None or not self.fill:
            return
        buffer, size, fills = self._buffer, self.fill, self._fills
        self._buffer, self.fill, self._fills = None, 0, []
        while len(self._sealing) >= IN_FLIGHT:
            self._collect()
        self._sealing.append(self._pool.submit(self._seal_one, buffer, size, fills))

    def _collect(self) -> None:
        blob_id, checksum = self._sealing.popleft().result()
        self.digests.append(blob_id)
        self.checksums.append(checksum)

    def _seal_one(
        self, buffer: mmap.mmap, size: int, fills: list[Callable[[], None]]
    ) -> tuple[str, str]:
        try:
            for fill in fills:
                fill()
            data = memoryview(buffer)[:size]
            checksum = blake3(data).hexdigest()
            return self._sealer.put(data, blob_id=new_random_id()), checksum
        finally:
            if len(buffer) == SEGMENT_SIZE:  # a larger one is dropped
                self._free.put(buffer)

    def finish(self) -> None:
        """Seal what is left (written, not yet durable nor indexed: see :meth:`commit`)."""
        self.seal()
        while self._sealing:
            self._collect()
        self._pool.shutdown()
        self._close_files()

    def commit(self) -> None:
        """Make the sealed segments durable and index them."""
        try:
            self._sealer.commit()
        finally:
            self._sealer.close()

    def abort(self) -> None:
        """Stop; nothing of the segments stays."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._sealer.close()
        self._close_files()

    def _close_files(self) -> None:
        for file in self._files.values():
            file.close()
        self._files.clear()


class _PositionalFile:
    """A file read at given offsets, from several threads at once (``os.preadv``; a lock
    around seek and read where the system has none)."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._handle = path.open("rb", buffering=0)
        self._lock = threading.Lock()

    def read_into(self, view: memoryview, offset: int) -> int:
        """Fill ``view`` from ``offset``; the bytes read (fewer only at the end of the file)."""
        done = 0
        if not hasattr(os, "preadv"):
            with self._lock:
                self._handle.seek(offset)
                while done < len(view) and (count := self._handle.readinto(view[done:])):
                    done += count
            return done
        while done < len(view) and (
            count := os.preadv(self._handle.fileno(), [view[done:]], offset + done)
        ):
            done += count
        return done

    def close(self) -> None:
        """Close the file."""
        self._handle.close()


def _place_ranged(
    writer: _SegmentWriter, ranges: TileRanges, places: npt.NDArray[np.int64]
) -> Iterator[int]:
    """Read the tiles ``ranges`` lists into segments and note where each went in ``places``
    (segment, offset, length per tile); yields the tiles placed so far, per segment.

    A segment's tiles are taken greedily as the byte-by-byte path would; tiles that follow one
    another in the file (most of them) are read with one system call straight into the
    segment's buffer, by the thread that seals it (so both cores read).
    """
    lengths = ranges.lengths
    ends = np.cumsum(lengths)  # where each tile ends when the level's tiles are laid end to end
    count = len(lengths)
    file = writer.file(ranges.path)
    first = 0
    while first < count:
        base = int(ends[first - 1]) if first else 0
        room = max(0, SEGMENT_SIZE - writer.fill)  # a tile alone may overfill one
        last = max(first, int(np.searchsorted(ends, base + room, side="right")))
        if last == first:  # the next tile does not fit
            if writer.fill:
                writer.seal()
                continue
            last = first + 1  # larger than a segment: one of its own
        segment, start, view = writer.reserve(int(ends[last - 1]) - base)
        starts = ends[first:last] - lengths[first:last] - base  # within the view
        places[0, first:last] = segment
        places[1, first:last] = start + starts
        places[2, first:last] = lengths[first:last]
        runs = _runs(ranges, first, last, starts)
        writer.defer(functools.partial(_read_runs, file, runs, view))
        first = last
        yield first


def _runs(
    ranges: TileRanges, first: int, last: int, starts: npt.NDArray[np.int64]
) -> list[tuple[int, int, int]]:
    """Tiles ``first..last-1`` as runs of tiles that follow one another in the file: each
    run's place in the segment's view, offset in the file and length."""
    present = np.flatnonzero(ranges.lengths[first:last])
    if not len(present):
        return []
    offsets = ranges.offsets[first:last][present]
    lengths = ranges.lengths[first:last][present]
    at = starts[present]
    breaks = np.flatnonzero(offsets[1:] != offsets[:-1] + lengths[:-1]) + 1
    bounds = [0, *breaks.tolist(), len(present)]
    return [
        (int(at[begin]), int(offsets[begin]), int(at[end - 1] + lengths[end - 1] - at[begin]))
        for begin, end in itertools.pairwise(bounds)
    ]


def _read_runs(file: _PositionalFile, runs: list[tuple[int, int, int]], view: memoryview) -> None:
    """Read each run into its place in ``view`` (on a sealing thread)."""
    for into, offset, size in runs:
        if file.read_into(view[into : into + size], offset) < size:
            raise SlideError(f"{file.name}: the file ends early (it is truncated).")


def _place_each(
    writer: _SegmentWriter, tiles: Iterator[bytes | memoryview], places: npt.NDArray[np.int64]
) -> Iterator[int]:
    """Copy each of ``tiles`` into the segments, noting where in ``places``; yields the tiles
    placed so far, every 1024 and at the end."""
    count = places.shape[1]
    position = 0
    for position, data in enumerate(tiles):
        if position >= count:
            break
        if data:
            segment, offset = writer.add(data)
            places[:, position] = segment, offset, len(data)
        if (position + 1) % 1024 == 0:
            yield position + 1
    yield count


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


class SealedSlide:
    """A slide's tiles sealed but not yet kept: its :attr:`identity` tells whether it is stored
    already; :meth:`commit` keeps it (segments synced and indexed, the index sealed),
    :meth:`discard` drops it (nothing of it stays). Use it as a context manager: what was
    not committed is discarded on leaving."""

    def __init__(
        self,
        blobs: BlobStore,
        writer: _SegmentWriter,
        header: dict[str, Any],
        indexes: list[TileIndex],
        format_name: str,
    ) -> None:
        self._blobs = blobs
        self._writer: _SegmentWriter | None = writer
        self._header = header
        self._indexes = indexes
        self._format = format_name
        self.identity = slide_identity(header, indexes)

    def __enter__(self) -> SealedSlide:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def commit(self) -> tuple[SealedFiles, dict[str, Any]]:
        """Keep the slide: the item's stored files and its meta entry."""
        if self._writer is None:
            raise RuntimeError("this sealed slide was already committed or discarded")
        writer, self._writer = self._writer, None
        writer.commit()
        header = self._header
        index_digest = self._blobs.put(_pack_index(header, self._indexes), repair=True)
        segments, associated = header["segments"], header["associated"]
        files = [ItemFile(f"segment-{n:05d}.tiles", blob) for n, blob in enumerate(segments)]
        files += [ItemFile(f"{name}.rgb.z", entry["blob"]) for name, entry in associated.items()]
        files.append(ItemFile(INDEX_NAME, index_digest))
        entry = {
            "layout": LAYOUT,
            "index": index_digest,
            "format": self._format,
            "levels": header["levels"],
            "mpp": header["mpp"],
            "associated": sorted(associated),
        }
        return SealedFiles(files, self.identity), entry

    def discard(self) -> None:
        """Drop the sealed segments (does nothing once committed)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.abort()


def slide_identity(header: dict[str, Any], indexes: list[TileIndex]) -> str:
    """The identity of a sealed slide: a SHA-256 of its index without the segments' random
    ids (levels, codecs, resolution, associated images, each segment's BLAKE3 digest,
    every tile's place), so the same file sealed twice has the same identity."""
    described = {key: value for key, value in header.items() if key != "segments"}
    hasher = hashlib.sha256(b"caliper-slide-identity-v2\0")
    hasher.update(json.dumps(described, sort_keys=True).encode())
    for index in indexes:
        for array, dtype in ((index.segment, "<i4"), (index.offset, "<i8"), (index.length, "<i4")):
            hasher.update(np.ascontiguousarray(array, dtype).tobytes())
    return hasher.hexdigest()


def seal_tiles(
    blobs: BlobStore,
    source: TileSource,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SealedSlide:
    """Seal every tile of ``source`` and its associated images, not yet kept (see
    :class:`SealedSlide`). ``progress(done, total)`` counts tiles; when ``cancelled()`` turns
    true a :class:`ScanCancelledError` is raised (nothing of the slide is kept)."""
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
            ranges = source.tile_ranges(number)
            placed = (
                _place_ranged(writer, ranges, places)
                if ranges is not None
                else _place_each(writer, source.tiles(number), places)
            )
            reported = done
            for tiles in placed:
                if (done + tiles) // 1024 > reported // 1024 or tiles == count:
                    reported = done + tiles
                    if cancelled is not None and cancelled():
                        raise ScanCancelledError
                    if progress is not None:
                        progress(reported, total)
            done += count
            places[:, places[2] == 0] = 0  # a tile the file lacks
            shape = (level.rows, level.columns)
            indexes.append(
                TileIndex(
                    places[0].astype(np.int32).reshape(shape),
                    places[1].reshape(shape),
                    places[2].astype(np.int32).reshape(shape),
                )
            )
        writer.finish()
        associated = {
            name: _seal_image(blobs, pixels) for name, pixels in sorted(source.associated().items())
        }
    except BaseException:
        writer.abort()
        raise
    header = {
        "layout": LAYOUT,
        "levels": [level.to_json() for level in source.levels],
        "codecs": codecs,
        "segments": writer.digests,
        "segment_blake3": writer.checksums,
        "mpp": list(source.mpp) if source.mpp else None,
        "associated": associated,
    }
    if progress is not None:
        progress(total, total)
    return SealedSlide(blobs, writer, header, indexes, source.format_name)


def seal_slide(
    blobs: BlobStore,
    source: TileSource,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[SealedFiles, dict[str, Any]]:
    """Seal every tile of ``source``, its associated images and the index, and keep them.

    Returns the item's stored files (segments, associated images, index; its identity is
    :func:`slide_identity`) and its meta entry. ``progress`` and ``cancelled`` as for
    :func:`seal_tiles`.
    """
    with seal_tiles(blobs, source, progress, cancelled) as sealed:
        return sealed.commit()


def _seal_image(blobs: BlobStore, pixels: npt.NDArray[Any]) -> dict[str, Any]:
    rgb = as_rgb(pixels)
    digest = blobs.put(encode_zlib_rgb(rgb), repair=True)
    return {"blob": digest, "width": rgb.shape[1], "height": rgb.shape[0]}
