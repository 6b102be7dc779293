"""Slide tiles decoded on a small pool of worker threads, kept as images in a cache bounded in MB.

The view asks :meth:`TileLoader.request` for the tiles it wants now, most wanted first; a
request replaces the previous one, so tiles the view has moved away from are dropped before
they are decoded (a worker checks that its tile is still wanted). A decoded tile arrives on
the GUI thread as :attr:`TileLoader.tile_ready`, already converted to a :class:`QImage`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from viewers.safe_log import log_failure
from workspace.errors import WorkspaceError
from workspace.slides.reader import SlideReader

logger = logging.getLogger(__name__)

TileKey = tuple[int, int, int]  # level, column, row
WORKERS = 2


class TileCache:
    """Decoded tiles as images, least recently used dropped first past ``limit_mb``."""

    def __init__(self, limit_mb: float) -> None:
        self.limit = int(limit_mb * (1 << 20))
        self.size = 0
        self._images: OrderedDict[TileKey, QImage] = OrderedDict()

    def get(self, key: TileKey) -> QImage | None:
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def peek(self, key: TileKey) -> QImage | None:
        """The tile without marking it used (a fallback lookup)."""
        return self._images.get(key)

    def put(self, key: TileKey, image: QImage) -> None:
        old = self._images.pop(key, None)
        if old is not None:
            self.size -= old.sizeInBytes()
        self._images[key] = image
        self.size += image.sizeInBytes()
        while self.size > self.limit and len(self._images) > 1:
            _, dropped = self._images.popitem(last=False)
            self.size -= dropped.sizeInBytes()

    def __contains__(self, key: object) -> bool:
        return key in self._images

    def __len__(self) -> int:
        return len(self._images)

    def clear(self) -> None:
        self._images.clear()
        self.size = 0


def tile_image(reader: SlideReader, key: TileKey) -> QImage:
    """Tile ``key`` decoded into an image the painter draws fast (safe off the GUI thread)."""
    pixels = reader.read_tile(*key)
    height, width = pixels.shape[:2]
    image = QImage(pixels.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.convertToFormat(QImage.Format.Format_RGB32)  # a copy: owns its pixels


class _Relay(QObject):
    """Carries outcomes from the workers to the GUI thread (queued signals)."""

    done = Signal(object, object)  # key, QImage or None (dropped or failed)


class _Decode(QRunnable):
    def __init__(self, loader: TileLoader, key: TileKey) -> None:
        super().__init__()
        self._loader = loader
        self._key = key

    def run(self) -> None:
        self._loader._decode(self._key)


class TileLoader(QObject):
    """Decodes the tiles a slide view asks for on ``WORKERS`` threads, newest request first."""

    tile_ready = Signal(object)  # the key of a tile now in :attr:`cache`
    failed = Signal(str)

    def __init__(
        self, reader: SlideReader, cache_mb: float = 256, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.reader = reader
        self.cache = TileCache(cache_mb)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(WORKERS)
        self._wanted: frozenset[TileKey] = frozenset()
        self._pending: set[TileKey] = set()
        self._closed = threading.Event()
        self._failed_once = False
        self._broken: set[TileKey] = set()
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)

    @property
    def pending(self) -> int:
        """Tiles asked for and not yet decoded (or dropped)."""
        return len(self._pending)

    def request(self, keys: Iterable[TileKey]) -> None:
        """Decode ``keys`` (most wanted first) unless cached; tiles asked for before and no
        longer wanted are dropped by the worker that reaches them, undecoded."""
        ordered = [
            key for key in dict.fromkeys(keys) if key not in self.cache and key not in self._broken
        ]
        self._wanted = frozenset(ordered)
        for key in ordered:
            self._start(key)

    def close(self) -> None:
        """Stop decoding (waits for the tiles being decoded) and drop the cache."""
        self._closed.set()
        self._wanted = frozenset()
        self._pool.clear()
        self._pool.waitForDone()
        self.cache.clear()

    def _start(self, key: TileKey) -> None:
        if key not in self._pending and not self._closed.is_set():
            self._pending.add(key)
            self._pool.start(_Decode(self, key))

    # ------------------------------------------------------------------ workers
    def _decode(self, key: TileKey) -> None:
        """On a worker: decode ``key`` if it is still wanted; report the outcome."""
        if self._closed.is_set():
            return
        if key not in self._wanted:
            self._relay.done.emit(key, None)
            return
        outcome: object
        try:
            outcome = tile_image(self.reader, key)
        except WorkspaceError as error:
            outcome = str(error)
        except Exception as error:  # noqa: BLE001 - one tile lost, the view goes on
            log_failure(logger, "Decoding a slide tile failed", error)
            outcome = "A slide tile could not be decoded (the details are in the log)."
        if not self._closed.is_set():
            self._relay.done.emit(key, outcome)

    def _on_done(self, key: TileKey, outcome: object) -> None:
        """On the GUI thread: cache a decoded tile, say a failure once, retry a tile dropped
        just before the view wanted it again."""
        self._pending.discard(key)
        if self._closed.is_set():
            return
        if isinstance(outcome, QImage):
            self.cache.put(key, outcome)
            self.tile_ready.emit(key)
        elif isinstance(outcome, str):
            self._broken.add(key)
            if not self._failed_once:
                self._failed_once = True
                self.failed.emit(outcome)
        elif key in self._wanted:
            self._start(key)
