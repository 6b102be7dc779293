"""Workspace events reach Qt slots on the GUI thread, whichever thread fired them."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from viewers.qt_events import EventRelay, RelayGroup
from workspace.events import EventEmitter


def test_same_thread_is_delivered_at_once():
    emitter = EventEmitter("changed")
    got: list[tuple] = []
    relay = EventRelay(emitter, lambda *args: got.append(args))
    emitter.emit(1, "a")
    assert got == [(1, "a")]
    relay.close()
    emitter.emit(2, "b")
    assert got == [(1, "a")]


def test_worker_thread_is_queued_to_the_gui_thread(qtbot):
    emitter = EventEmitter("changed")
    threads: list[QThread] = []
    relay = EventRelay(emitter, lambda: threads.append(QThread.currentThread()))
    worker = threading.Thread(target=emitter.emit)
    worker.start()
    worker.join()
    assert threads == []  # not delivered on the worker
    qtbot.waitUntil(lambda: len(threads) == 1)
    assert threads[0] is QThread.currentThread()
    relay.close()


def test_group_closes_every_relay():
    first, second = EventEmitter(), EventEmitter()
    got: list[str] = []
    group = RelayGroup()
    group.connect(first, lambda: got.append("first"))
    group.connect(second, lambda: got.append("second"))
    first.emit()
    group.close()
    first.emit()
    second.emit()
    assert got == ["first"]
