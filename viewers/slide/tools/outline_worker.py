"""A worker thread building cells' drawings at a new zoom level, off the GUI thread.

:class:`OutlineWorker` runs :class:`~workspace.slides.outline_jobs.CellJob` snapshots one after
another on a single thread (``concurrent.futures``): shapely's vectorised calls release the GIL
and ``QPainterPath`` / ``QPolygonF`` are reentrant, so the whole :class:`CellDrawing` is built
there. Each result reaches the GUI thread through a queued signal (:attr:`OutlineWorker.built`,
emitted on the worker thread, delivered by the receiver's event loop); the overlay checks its
generation before using it. Cells no longer wanted are cancelled before they start
(:meth:`OutlineWorker.keep`).
"""

from __future__ import annotations

import atexit
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from viewers.slide.tools.shape_paths import CellDrawing
from workspace.slides.outline_jobs import CellJob, GeometryCache, cell_outlines
from workspace.slides.shape_lod import Cell


@dataclass(frozen=True)
class BuiltCell:
    """A job and the drawing built from it."""

    job: CellJob
    drawing: CellDrawing


def build(job: CellJob, cache: GeometryCache) -> CellDrawing:
    """The job's cell drawing (on whichever thread calls it)."""
    return CellDrawing.build(cell_outlines(job, cache), list(job.colours))


_executor: ThreadPoolExecutor | None = None


def _shared_executor() -> ThreadPoolExecutor:
    """One thread for every open slide's outlines (the GUI thread's share of the GIL stays
    large; the jobs are short)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slide-outlines")
        atexit.register(_executor.shutdown, wait=False, cancel_futures=True)
    return _executor


class OutlineWorker(QObject):
    """Builds cell drawings on a worker thread; :attr:`built` carries each :class:`BuiltCell`
    to the thread this object lives in (the GUI thread)."""

    built = Signal(object)

    def __init__(self, cache: GeometryCache) -> None:
        super().__init__()
        self.cache = cache
        self._queued: dict[tuple[int, Cell], tuple[tuple[int, int], Future[None]]] = {}

    @property
    def busy(self) -> bool:
        """Whether jobs are queued or running."""
        return bool(self._queued)

    def queued(self, key: tuple[int, Cell], generation: tuple[int, int]) -> bool:
        """Whether this cell (level, cell) at this generation is queued or running already."""
        found = self._queued.get(key)
        return found is not None and found[0] == generation

    def keep(self, keys: set[tuple[int, Cell]]) -> None:
        """Cancel the queued jobs of cells not among ``keys`` (no longer wanted)."""
        for key, (_, future) in list(self._queued.items()):
            if key not in keys and future.cancel():
                del self._queued[key]

    def ask(self, jobs: list[CellJob]) -> None:
        """Build ``jobs`` after those queued, in order (a job queued already is skipped)."""
        pool = _shared_executor()
        for job in jobs:
            if not self.queued(job.key, job.generation):
                self._queued[job.key] = (job.generation, pool.submit(self._run, job))

    def _run(self, job: CellJob) -> None:
        """On the worker thread: build, then hand over (queued to the GUI thread)."""
        try:
            drawing = build(job, self.cache)
        except Exception:  # noqa: BLE001 - drawn empty rather than waited for forever
            drawing = CellDrawing()
        try:
            self.built.emit(BuiltCell(job, drawing))
        except RuntimeError:  # the overlay (and this object) were deleted meanwhile
            return

    def done(self, job: CellJob) -> None:
        """On the GUI thread, a result arrived: forget the job if it is the one queued."""
        if self.queued(job.key, job.generation):
            del self._queued[job.key]

    def cancel(self) -> None:
        """Cancel every job not started yet."""
        self.keep(set())
