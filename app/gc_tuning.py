"""Garbage-collector tuning against GUI stalls: long-lived objects frozen, gen-2 run less often.

CPython's full (generation-2) collection walks every tracked object; with the heap of an open
item (Qt wrappers, annotations, marks, the ORM) one took 100-200 ms in long soaks, a visible
stall. Nearly all of that heap lives as long as the application or the item, so, as Instagram
did for its forked workers (and :func:`gc.freeze` documents), we move it to the permanent
generation, which no collection walks, at the moments the user already waits:

- after start-up (the main window shown), and
- after an item opens (once its loading jobs have finished).

Each settling first unfreezes, collects everything once and freezes again, so what a closed
item left in cycles is still freed; objects made later are collected as usual. The gen-2
threshold is raised from 10 to :data:`GEN2_THRESHOLD` (a full pass every 50 gen-1 passes
rather than 10), which the heuristic of CPython 3.11 (a full pass only once the objects
pending exceed a quarter of the long-lived ones) still bounds.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

from viewers.base import Viewer
from viewers.jobs import Job

log = logging.getLogger(__name__)

#: Generation-2 threshold (CPython's default is 10).
GEN2_THRESHOLD = 50


def raise_thresholds() -> tuple[int, int, int]:
    """Run full collections less often (gen-0 and gen-1 thresholds kept); the thresholds
    before."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], max(before[2], GEN2_THRESHOLD))
    return before


def settle_heap() -> float:
    """Collect once, then freeze every surviving object out of later collections; the ms
    it took (one full collection)."""
    began = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    took = (time.perf_counter() - began) * 1000
    log.debug("heap settled: %d objects frozen in %.0f ms", gc.get_freeze_count(), took)
    return took


class HeapSettler(QObject):
    """Settles the heap after start-up and after each item has opened."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: set[Job] = set()
        self.settled = 0
        self._ended = False
        self._thresholds = raise_thresholds()

    def after_start_up(self) -> None:
        """Settle once the event loop runs (the main window shown)."""
        QTimer.singleShot(0, self, self._settle)

    def after_open(self, viewer: Viewer) -> None:
        """Settle when ``viewer``'s loading jobs have finished (at once if it has none)."""
        jobs = viewer.jobs.active
        if not jobs:
            QTimer.singleShot(0, self, self._settle)
            return
        for job in jobs:
            self._waiting.add(job)
            job.finished.connect(lambda j=job: self._job_done(j))

    def _job_done(self, job: Job) -> None:
        self._waiting.discard(job)
        if not self._waiting:
            QTimer.singleShot(0, self, self._settle)

    def restore(self) -> None:
        """Unfreeze the heap and put the thresholds back (the application has ended)."""
        self._ended = True
        self._waiting.clear()
        gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def _settle(self) -> None:
        if self._ended:
            return
        settle_heap()
        self.settled += 1
