"""A heartbeat probe for the signal view: zoom and scroll steps while a 20 ms timer ticks.

Used by the GUI test (a 1-hour record) and by ``python -m tests.viewers.waveform.soak`` (24 h).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from viewers.waveform.loader import LoadedRecord
from viewers.waveform.marks import Mark, marks_of
from viewers.waveform.signal_view import SignalView
from workspace.annotations import Annotation
from workspace.waveform.pyramid import LodPyramid

HEARTBEAT_MS = 20


class GcPauses:
    """Times every garbage collection between :meth:`start` and :meth:`stop`."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses[info["generation"]].append((time.perf_counter() - self._began) * 1000)

    def start(self) -> None:
        """Time collections from now on."""
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        """Stop timing."""
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        """Count and longest pause per generation."""
        return ", ".join(
            f"gen {g}: {len(p)} × ≤ {max(p, default=0.0):.1f} ms" for g, p in self.pauses.items()
        )


def synthetic_record(hours: float, leads: int = 12, rate: int = 500) -> LoadedRecord:
    """``leads`` int16 channels of a 72 bpm beat train with noise, ``hours`` long."""
    count = int(hours * 3600 * rate)
    samples = np.empty((leads, count), dtype=np.int16)
    rng = np.random.default_rng(1)
    period = int(rate * 60 / 72)
    block = 1 << 22
    for begin in range(0, count, block):
        index = np.arange(begin, min(begin + block, count))
        beat = np.where(index % period < rate // 50, 200, 0).astype(np.int16)
        for lead in range(leads):
            noise = rng.integers(-5, 6, index.size, dtype=np.int16)
            samples[lead, begin : begin + index.size] = beat // (1 + lead % 3) + noise
    names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    return LoadedRecord(
        pyramid=LodPyramid.build(samples),
        rate=float(rate),
        names=(names * (leads // 12 + 1))[:leads],
        units=["mV"] * leads,
        gains=[0.005] * leads,
        offsets=[0.0] * leads,
        start_time=None,
        record_type="ecg",
    )


def beat_marks(record: LoadedRecord, every_s: float = 60 / 72) -> list[Mark]:
    """A beat annotation at every R wave."""
    step = every_s * record.rate
    annotations = [
        Annotation("item", "point", "N", {"sample": int(k * step)})
        for k in range(int(record.sample_count / step))
    ]
    return marks_of(annotations)


def _key(view: SignalView, key: Qt.Key) -> None:
    for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
        QApplication.sendEvent(view, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier))


def longest_stall_ms(
    view: SignalView,
    steps: int = 200,
    gc_pauses: GcPauses | None = None,
    on_step: Callable[[int], None] | None = None,
) -> tuple[float, float]:
    """Zoom out to the whole record and back, scrolling at every zoom; the longest gap
    between heartbeats and the slowest frame, in ms (``gc_pauses`` times the collections
    meanwhile; ``on_step`` runs before each step's frame)."""
    view.repaint()  # the first frame loads fonts and sizes buffers: not a stall of scrolling
    QCoreApplication.processEvents()
    gc.collect()  # the set-up's garbage (the record, the marks) is not the scrolling's
    if gc_pauses is not None:
        gc_pauses.start()
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer()
    timer.setInterval(HEARTBEAT_MS)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    timer.start()
    pattern = [Qt.Key.Key_Minus] * 4 + [Qt.Key.Key_PageDown, Qt.Key.Key_Right, Qt.Key.Key_Left]
    zoom_in = [Qt.Key.Key_Plus] * 4 + [Qt.Key.Key_PageUp, Qt.Key.Key_Right]
    slowest = 0.0
    worst: tuple[int, tuple[float, float]] = (0, (0.0, 0.0))
    for step in range(steps):
        keys = pattern if (step // 15) % 2 == 0 else zoom_in
        _key(view, keys[step % len(keys)])
        if on_step is not None:
            on_step(step)
        began = time.perf_counter()
        view.repaint()
        frame = (time.perf_counter() - began) * 1000
        if frame > slowest:
            slowest, worst = frame, (step, view.span())
        QCoreApplication.processEvents()
    timer.stop()
    if gc_pauses is not None:
        gc_pauses.stop()
    ticks.append(clock.elapsed())
    gaps = np.diff([0, *ticks]) if ticks else np.array([0])
    print(f"slowest frame {slowest:.1f} ms at step {worst[0]}, window {worst[1]}")
    return float(np.max(gaps)), slowest
