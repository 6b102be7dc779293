"""GC tuning: the heap is frozen after start-up and after an item opens, and still freed."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QCoreApplication

from app.gc_tuning import GEN2_THRESHOLD, HeapSettler, settle_heap
from viewers.jobs import JobGroup


class Node:
    """A cycle's member (only the collector frees a cycle)."""

    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Leave the test session's collector as it was."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_freezes_the_live_heap_and_frees_garbage_first() -> None:
    dead = _cycle()  # garbage already: collected before the freeze, not frozen
    alive = Node()
    alive.other = Node()
    alive.other.other = alive
    kept = weakref.ref(alive)
    settle_heap()
    assert dead() is None
    assert gc.get_freeze_count() > 0
    del alive  # garbage now, but frozen: no collection walks it...
    gc.collect()
    assert kept() is not None
    settle_heap()  # ...until the next settling (an item opened) unfreezes and collects
    assert kept() is None


def test_the_settler_waits_for_the_opened_items_loading_jobs(qtbot) -> None:
    release = threading.Event()
    group = JobGroup()
    job = group.start("Opening", lambda context: release.wait(10))
    settler = HeapSettler()
    assert gc.get_threshold()[2] >= GEN2_THRESHOLD
    settler.after_open(SimpleNamespace(jobs=group))  # type: ignore[arg-type]
    QCoreApplication.processEvents()  # the loading job still runs: nothing settled yet
    assert settler.settled == 0
    release.set()
    qtbot.waitUntil(lambda: job.is_finished)
    qtbot.waitUntil(lambda: settler.settled == 1)
    assert gc.get_freeze_count() > 0
    settler.restore()
    assert gc.get_freeze_count() == 0
    settler.after_start_up()  # after the end: nothing is frozen any more
    QCoreApplication.processEvents()
    assert settler.settled == 1 and gc.get_freeze_count() == 0
