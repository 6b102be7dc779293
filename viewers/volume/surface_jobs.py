"""Builds segment surfaces on a worker thread, coalescing the requests that pile up meanwhile.

One job at a time, on the shared runner of :mod:`viewers.jobs`, builds one segment. While it
runs, new requests are merged: blocks of the same segment are united, a full rebuild swallows
block requests. Results arrive on the GUI thread through ``built``. The worker only reads the
label array; if an edit lands while a block is being read, that edit's own request rebuilds
the block afterwards, so the surface always ends up matching the labels.
"""

from __future__ import annotations

import time
from typing import Any

import numpy.typing as npt
from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, QObject, Signal, Slot

from viewers.jobs import Job, JobContext, JobRunner, shared_runner
from viewers.volume.surface import BBox, BlockKey, blocks_of_bbox, build_blocks, build_segment
from workspace.volume.geometry import VolumeGeometry

FULL = None  # a request for every block of a segment
Built = tuple[int, object, bool, float]  # value, {block: piece}, full rebuild, seconds


class SurfaceBuilder(QObject):
    """Queues surface builds of the segments of one label map (see the module docstring)."""

    built = Signal(int, object, bool, float)  # value, {block: piece}, full rebuild, seconds
    failed = Signal(str)

    def __init__(
        self,
        labels: npt.NDArray[Any],
        geometry: VolumeGeometry,
        parent: QObject | None = None,
        runner: JobRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.labels = labels
        self.geometry = geometry
        self._runner = runner or shared_runner()
        self._pending: dict[int, set[BlockKey] | None] = {}
        self._job: Job | None = None
        self._closed = False

    @property
    def busy(self) -> bool:
        """Whether a build runs or waits."""
        return self._job is not None or bool(self._pending)

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

    def build(self, value: int, keys: set[BlockKey] | None) -> Built:
        """Build on the calling (worker) thread: ``(value, pieces, full, seconds)``."""
        start = time.perf_counter()
        if keys is FULL:
            pieces = build_segment(self.labels, self.geometry, value)
        else:
            pieces = build_blocks(self.labels, self.geometry, value, keys)
        return value, pieces, keys is FULL, time.perf_counter() - start

    def _start_next(self) -> None:
        if self._job is not None or not self._pending or self._closed:
            return
        value = next(iter(self._pending))
        keys = self._pending.pop(value)

        def work(context: JobContext) -> Built:
            del context
            return self.build(value, keys)

        job = self._runner.submit(
            "Building a 3D surface", work, failure="The 3D surface could not be built: "
        )
        job.succeeded.connect(self._on_built)
        job.failed.connect(self.failed)
        job.finished.connect(self._on_finished)
        self._job = job

    @Slot(object)
    def _on_built(self, result: Built) -> None:
        self.built.emit(*result)

    @Slot()
    def _on_finished(self) -> None:
        self._job = None
        self._start_next()

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Process events until nothing is queued or running (tests, screenshots)."""
        deadline = QDeadlineTimer(timeout_ms)
        while self.busy and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)  # leave the core to the worker
        return not self.busy

    def close(self) -> None:
        """Stop: drop the queue, abandon the running build and wait for its worker to end."""
        self._closed = True
        self._pending.clear()
        job, self._job = self._job, None
        if job is not None:
            job.abandon()
            job.wait(10_000)
