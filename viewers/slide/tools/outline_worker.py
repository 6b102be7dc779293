"""A worker thread preparing a new zoom level's drawing, off the GUI thread.

:class:`OutlineWorker` runs tasks one after another on a single thread (``concurrent.futures``):
placing a level's shapes in cells, and building a cell's drawing (:func:`build`: shapely's
vectorised calls release the GIL, and ``QPainterPath`` / ``QPolygonF`` are reentrant, so the
whole :class:`CellDrawing` is built there). Each result reaches the GUI thread through a
queued signal (:attr:`OutlineWorker.built`, emitted on the worker thread, delivered by the
receiver's event loop) with the task's key and *generation*; the overlay drops a result whose
generation is no longer current (the cell was edited meanwhile). Tasks no longer wanted are
cancelled before they start (:meth:`OutlineWorker.keep`).
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from viewers.slide.tools.shape_paths import CellDrawing
from workspace.slides.outline_jobs import CellJob, GeometryCache, cell_outlines


def build(job: CellJob, cache: GeometryCache) -> CellDrawing:
    """The job's cell drawing (on whichever thread calls it)."""
    return CellDrawing.build(cell_outlines(job, cache), list(job.colours))


#: What a task is about, e.g. ``(level, cell)``: a newer task of the same key replaces it.
Key = tuple[Any, Any]


@dataclass(frozen=True)
class Task:
    """Work for the worker thread: ``run()``'s result is delivered with ``key`` and
    ``generation``. ``run`` must not touch Qt widgets; an exception it raises is delivered
    as the result."""

    key: Key
    generation: Hashable
    run: Callable[[], Any]


@dataclass(frozen=True)
class Done:
    """A task's result (or the exception it raised), on its way to the GUI thread."""

    key: Key
    generation: Hashable
    result: Any


_executor: ThreadPoolExecutor | None = None


def _shared_executor() -> ThreadPoolExecutor:
    """One thread for every open slide's outlines (the GUI thread's share of the GIL stays
    large; the tasks are short)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slide-outlines")
        atexit.register(_executor.shutdown, wait=False, cancel_futures=True)
    return _executor


class OutlineWorker(QObject):
    """Runs :class:`Task` objects on the worker thread; :attr:`built` carries each
    :class:`Done` to the thread this object lives in (the GUI thread)."""

    built = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._queued: dict[Key, tuple[Hashable, Future[None]]] = {}

    @property
    def busy(self) -> bool:
        """Whether tasks are queued or running."""
        return bool(self._queued)

    def queued(self, key: Key, generation: Hashable) -> bool:
        """Whether the task of ``key`` at ``generation`` is queued or running already."""
        found = self._queued.get(key)
        return found is not None and found[0] == generation

    def keep(self, wanted: Callable[[Key], bool]) -> None:
        """Cancel the queued tasks whose key is not ``wanted`` (if not started yet)."""
        for key, (_, future) in list(self._queued.items()):
            if not wanted(key) and future.cancel():
                del self._queued[key]

    def ask(self, tasks: list[Task]) -> None:
        """Run ``tasks`` after those queued, in order (one queued already is skipped)."""
        pool = _shared_executor()
        for task in tasks:
            if not self.queued(task.key, task.generation):
                self._queued[task.key] = (task.generation, pool.submit(self._run, task))

    def _run(self, task: Task) -> None:
        """On the worker thread: run, then hand over (queued to the GUI thread)."""
        try:
            result = task.run()
        except Exception as error:  # noqa: BLE001 - handed to the GUI thread to judge
            result = error
        try:
            self.built.emit(Done(task.key, task.generation, result))
        except RuntimeError:  # the overlay (and this object) were deleted meanwhile
            return

    def done(self, key: Key, generation: Hashable) -> None:
        """On the GUI thread, a result arrived: forget its task if it is the one queued."""
        if self.queued(key, generation):
            del self._queued[key]

    def cancel(self) -> None:
        """Cancel every task not started yet."""
        self.keep(lambda key: False)
