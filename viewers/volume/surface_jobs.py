"""Builds segment surfaces on a worker thread, coalescing the requests that pile up meanwhile.

One worker builds one segment at a time. While it runs, new requests are merged: blocks of
the same segment are united, a full rebuild swallows block requests. Results arrive on the GUI
thread through ``built``. The worker only reads the label array; if an edit lands while a block
is being read, that edit's own request rebuilds the block afterwards, so the surface always
ends up matching the labels.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy.typing as npt
from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QEventLoop,
    QObject,
    QRunnable,
    QThreadPool,
    Signal,
)

from viewers.safe_log import log_failure
from viewers.volume.surface import BBox, BlockKey, blocks_of_bbox, build_blocks, build_segment
from workspace.volume.geometry import VolumeGeometry

logger = logging.getLogger(__name__)
FULL = None  # a request for every block of a segment


class _Job(QRunnable):
    def __init__(self, builder: SurfaceBuilder, value: int, keys: set[BlockKey] | None) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._builder = builder
        self._value = value
        self._keys = keys

    def run(self) -> None:
        self._builder.run_job(self._value, self._keys)


class SurfaceBuilder(QObject):
    """Queues surface builds of the segments of one label map (see the module docstring)."""

    built = Signal(int, object, bool, float)  # value, {block: piece}, full rebuild, seconds
    failed = Signal(str)
    _finished = Signal(int, object, bool, float)

    def __init__(
        self, labels: npt.NDArray[Any], geometry: VolumeGeometry, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.labels = labels
        self.geometry = geometry
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pending: dict[int, set[BlockKey] | None] = {}
        self._running = False
        self._closed = False
        self._finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        """Whether a build runs or waits."""
        return self._running or bool(self._pending)

    def request_full(self, value: int) -> None:
        """Rebuild every block of segment ``value``."""
        self._pending[value] = FULL
        self._start_next()

    def request_bbox(self, bbox: BBox, values: list[int]) -> None:
        """Rebuild the blocks around an edit's bounding box for segments ``values``."""
        keys = blocks_of_bbox(bbox, self.geometry.shape)
        for value in values:
            if value in self._pending and self._pending[value] is FULL:
                continue
            self._pending[value] = (self._pending.get(value) or set()) | keys
        self._start_next()

    def forget(self, value: int) -> None:
        """Drop what is queued for ``value`` (a result already being built still arrives)."""
        self._pending.pop(value, None)

    def run_job(self, value: int, keys: set[BlockKey] | None) -> None:
        """Build on the calling (worker) thread and post the result to the GUI thread."""
        start = time.perf_counter()
        try:
            if keys is FULL:
                pieces = build_segment(self.labels, self.geometry, value)
            else:
                pieces = build_blocks(self.labels, self.geometry, value, keys)
        except Exception as error:  # noqa: BLE001 - reported, never raised on a worker
            log_failure(logger, "Building a segment surface failed", error)
            self._finished.emit(value, error, keys is FULL, 0.0)
            return
        self._finished.emit(value, pieces, keys is FULL, time.perf_counter() - start)

    def _start_next(self) -> None:
        if self._running or not self._pending or self._closed:
            return
        value = next(iter(self._pending))
        keys = self._pending.pop(value)
        self._running = True
        self._pool.start(_Job(self, value, keys))

    def _on_finished(self, value: int, pieces: object, full: bool, seconds: float) -> None:
        self._running = False
        if self._closed:
            return
        if isinstance(pieces, Exception):
            self.failed.emit(f"The 3D surface could not be built: {pieces}")
        else:
            self.built.emit(value, pieces, full, seconds)
        self._start_next()

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Process events until nothing is queued or running (tests, screenshots)."""
        deadline = QDeadlineTimer(timeout_ms)
        while self.busy and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)  # leave the core to the worker
        return not self.busy

    def close(self) -> None:
        """Stop: drop the queue and wait for the running build to end."""
        self._closed = True
        self._pending.clear()
        self._pool.waitForDone(10_000)
