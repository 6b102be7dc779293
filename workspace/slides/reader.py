"""Reading a stored slide tile by tile: what a slide viewer is handed (no Qt, no files).

:meth:`SlideReader.open` reads the small sealed index; :meth:`SlideReader.read_tile` then
decrypts only the 1 MiB chunks the tile's encoded bytes touch and decodes it. Decoded tiles
are kept in an LRU cache bounded in MB (and the last few decrypted chunks, since neighbouring
tiles share them). A reader is safe to use from several worker threads.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.blobs import BlobReader, BlobStore
from storage.errors import StorageError
from workspace.slides.codecs import RGB, decode_tile
from workspace.slides.model import SlideError, SlideLevel
from workspace.slides.store import LAYOUT, META_KEY, unpack_index

if TYPE_CHECKING:
    from workspace.items import ItemSummary

BACKGROUND = 255  # a tile the slide lacks is shown white, as glass is
_CHUNKS_KEPT = 32
_READERS_KEPT = 64
_INFLATE_STEP = 4 << 20  # an associated image is inflated this many bytes at a time


class _Lru:
    """A thread-safe LRU of numpy arrays or bytes, bounded by their total size in bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        size = value.nbytes if isinstance(value, np.ndarray) else len(value)
        if size > self.limit:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old.nbytes if isinstance(old, np.ndarray) else len(old)
            self._entries[key] = value
            self.size += size
            while self.size > self.limit:
                _, dropped = self._entries.popitem(last=False)
                self.size -= dropped.nbytes if isinstance(dropped, np.ndarray) else len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


class SlideReader:
    """A stored slide open for reading: levels, resolution, tiles, regions, associated images."""

    def __init__(self, blobs: BlobStore, meta: dict[str, Any], cache_mb: float = 256) -> None:
        entry = meta.get(META_KEY)
        if not isinstance(entry, dict) or entry.get("layout") != LAYOUT:
            raise SlideError("This item holds no stored slide (import its file again).")
        self._blobs = blobs
        try:
            header, self._indexes = unpack_index(blobs.get(str(entry["index"])))
        except StorageError as exc:
            raise SlideError(f"The stored slide cannot be read: {exc}") from None
        self.levels = [SlideLevel.from_json(level) for level in header["levels"]]
        mpp = header.get("mpp")
        self.mpp: tuple[float, float] | None = (float(mpp[0]), float(mpp[1])) if mpp else None
        self._codecs: list[dict[str, Any]] = header["codecs"]
        self._segments: list[str] = header["segments"]
        self._associated: dict[str, dict[str, Any]] = header.get("associated", {})
        self.format_name = str(entry.get("format", ""))
        self._tiles = _Lru(int(cache_mb * (1 << 20)))
        self._chunks = _Lru(_CHUNKS_KEPT << 20)
        self._readers: OrderedDict[int, tuple[BlobReader, threading.Lock]] = OrderedDict()
        self._readers_lock = threading.Lock()

    @classmethod
    def open(cls, blobs: BlobStore, item: ItemSummary, cache_mb: float = 256) -> SlideReader:
        """The slide item ``item`` of the profile whose blob store is ``blobs``."""
        return cls(blobs, item.meta, cache_mb)

    def __enter__(self) -> SlideReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the open segment files and drop the caches."""
        with self._readers_lock:
            for reader, _ in self._readers.values():
                reader.close()
            self._readers.clear()
        self._tiles.clear()
        self._chunks.clear()

    # ------------------------------------------------------------------ facts
    @property
    def dimensions(self) -> tuple[int, int]:
        """Level 0's width and height in pixels."""
        return self.levels[0].width, self.levels[0].height

    @property
    def associated_names(self) -> tuple[str, ...]:
        """The associated images stored (``label`` may show PHI: show it only when allowed)."""
        return tuple(sorted(self._associated))

    @property
    def cache_bytes(self) -> int:
        """Bytes of decoded tiles held in the cache now."""
        return self._tiles.size

    def best_level(self, downsample: float) -> int:
        """The level with the most detail that is no finer than ``downsample`` needs."""
        best = 0
        for number, level in enumerate(self.levels):
            if level.downsample <= downsample * 1.01:
                best = number
        return best

    # ------------------------------------------------------------------ tiles
    def _level(self, level: int) -> SlideLevel:
        if not 0 <= level < len(self.levels):
            raise SlideError(f"The slide has no level {level} (it has {len(self.levels)}).")
        return self.levels[level]

    def read_encoded_tile(self, level: int, column: int, row: int) -> bytes:
        """Tile ``(column, row)`` of ``level`` as stored (``b""`` if the slide lacks it)."""
        info = self._level(level)
        if not (0 <= column < info.columns and 0 <= row < info.rows):
            raise SlideError(f"Tile ({column}, {row}) is outside level {level}.")
        index = self._indexes[level]
        length = int(index.length[row, column])
        if length == 0:
            return b""
        segment = int(index.segment[row, column])
        offset = int(index.offset[row, column])
        return self._read(segment, offset, length)

    def read_tile(self, level: int, column: int, row: int) -> RGB:
        """Tile ``(column, row)`` of ``level`` as ``height x width x 3`` RGB (read-only; an
        edge tile is cut to the level's size)."""
        key = (level, column, row)
        cached = self._tiles.get(key)
        if cached is not None:
            return cached
        data = self.read_encoded_tile(level, column, row)
        _, _, width, height = self.levels[level].tile_box(column, row)
        if data:
            pixels = decode_tile(self._codecs[level], data, height, width)
        else:
            pixels = np.full((height, width, 3), BACKGROUND, np.uint8)
        if pixels.shape[:2] != (height, width):
            raise SlideError(f"Stored tile ({column}, {row}) of level {level} is too small.")
        pixels.flags.writeable = False
        self._tiles.put(key, pixels)
        return pixels

    def read_region(self, level: int, x: int, y: int, width: int, height: int) -> RGB:
        """``height x width x 3`` RGB of ``level`` from its pixel ``(x, y)``; what lies
        outside the level is background."""
        info = self._level(level)
        if width < 0 or height < 0 or width * height > 1 << 28:
            raise SlideError(f"A region of {width} x {height} pixels cannot be read.")
        out = np.full((height, width, 3), BACKGROUND, np.uint8)
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + width, info.width), min(y + height, info.height)
        if x0 >= x1 or y0 >= y1:
            return out
        for row in range(y0 // info.tile_height, (y1 - 1) // info.tile_height + 1):
            for column in range(x0 // info.tile_width, (x1 - 1) // info.tile_width + 1):
                tile = self.read_tile(level, column, row)
                tx, ty = column * info.tile_width, row * info.tile_height
                ax0, ay0 = max(x0, tx), max(y0, ty)
                ax1, ay1 = min(x1, tx + tile.shape[1]), min(y1, ty + tile.shape[0])
                out[ay0 - y : ay1 - y, ax0 - x : ax1 - x] = tile[
                    ay0 - ty : ay1 - ty, ax0 - tx : ax1 - tx
                ]
        return out

    def read_associated(self, name: str) -> RGB:
        """The associated image ``name`` (see :attr:`associated_names`) as RGB.

        Decrypted a chunk at a time and inflated in pieces straight into the result, so a
        large label never holds Python's lock for long (a worker reading it leaves the GUI
        thread free) nor sits in memory twice."""
        entry = self._associated.get(name)
        if entry is None:
            raise SlideError(f"The slide has no {name} image.")
        height, width = int(entry["height"]), int(entry["width"])
        out = np.empty((height, width, 3), np.uint8)
        flat = out.reshape(-1)
        inflater = zlib.decompressobj()
        filled = 0
        try:
            with self._blobs.open(str(entry["blob"])) as stored:
                for index in range(stored.chunk_count):
                    data: bytes | bytearray = stored.read_chunk(index)
                    while data and filled < flat.size:
                        piece = inflater.decompress(data, min(_INFLATE_STEP, flat.size - filled))
                        flat[filled : filled + len(piece)] = np.frombuffer(piece, np.uint8)
                        filled += len(piece)
                        data = inflater.unconsumed_tail
        except StorageError as exc:
            raise SlideError(f"The slide's {name} image cannot be read: {exc}") from None
        except zlib.error as exc:
            raise SlideError(f"The slide's {name} image could not be decoded ({exc})") from None
        if filled < flat.size:
            raise SlideError(f"The slide's {name} image could not be decoded (it is cut short)")
        return out

    # ------------------------------------------------------------------ chunks
    def _reader(self, segment: int) -> tuple[BlobReader, threading.Lock]:
        with self._readers_lock:
            found = self._readers.get(segment)
            if found is not None:
                self._readers.move_to_end(segment)
                return found
            try:
                opened = (self._blobs.open(self._segments[segment]), threading.Lock())
            except (StorageError, IndexError) as exc:
                raise SlideError(f"A stored slide segment cannot be read: {exc}") from None
            self._readers[segment] = opened
            if len(self._readers) > _READERS_KEPT:
                _, (oldest, _) = self._readers.popitem(last=False)
                oldest.close()
            return opened

    def _chunk(self, segment: int, number: int) -> bytes:
        key = (segment, number)
        cached = self._chunks.get(key)
        if cached is not None:
            return cached
        reader, lock = self._reader(segment)
        try:
            with lock:
                chunk = bytes(reader.read_chunk(number))
        except StorageError as exc:
            raise SlideError(f"A stored slide tile cannot be read: {exc}") from None
        self._chunks.put(key, chunk)
        return chunk

    def _read(self, segment: int, offset: int, length: int) -> bytes:
        """``length`` bytes of segment ``segment`` from ``offset``: the chunks they touch."""
        reader, _ = self._reader(segment)
        size = reader.chunk_size
        first, last = offset // size, (offset + length - 1) // size
        if last >= reader.chunk_count:
            raise SlideError("The stored slide index points past the end of a segment.")
        if first == last:
            start = offset - first * size
            return self._chunk(segment, first)[start : start + length]
        joined = b"".join(self._chunk(segment, n) for n in range(first, last + 1))
        start = offset - first * size
        return joined[start : start + length]
