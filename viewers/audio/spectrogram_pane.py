"""The spectrogram of the visible window, computed off the GUI thread and cached.

Each change of the window asks for the spectrogram of the new one (one job at a time; a request
made meanwhile replaces any other waiting one). Until it arrives the last one computed is drawn
where its times fall, so scrolling and zooming stay smooth; the last few are kept for going back.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from viewers.audio.overlay import paint_overlay
from viewers.audio.spectrogram import Spectrogram, spectrogram
from viewers.audio.view_state import AudioViewState
from viewers.jobs import Job, JobContext, JobGroup

CACHE_SIZE = 8
Key = tuple[int, int, int]


class SpectrogramPane(QWidget):
    """Draws :func:`~viewers.audio.spectrogram.spectrogram` of ``mono`` for the state's window."""

    def __init__(
        self,
        mono: npt.NDArray[np.float32],
        state: AudioViewState,
        jobs: JobGroup,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.mono = mono
        self.state = state
        self.jobs = jobs
        self._cache: OrderedDict[Key, Spectrogram] = OrderedDict()
        self._latest: Spectrogram | None = None
        self._running: Job | None = None
        self._running_key: Key | None = None
        self._waiting: Key | None = None
        self.setMinimumSize(200, 60)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        state.changed.connect(self.update)

    def wanted(self) -> Key:
        """The cache key of the window shown at the pane's width."""
        window, rate = self.state.window, self.state.rate
        return round(window.start * rate), round(window.stop * rate), max(self.width(), 1)

    def current(self) -> Spectrogram | None:
        """The spectrogram of the window shown, if it has been computed."""
        return self._cache.get(self.wanted())

    @property
    def busy(self) -> bool:
        """True while a spectrogram is being computed or waits to be."""
        return self._running is not None or self._waiting is not None

    # ---------------------------------------------------------------- computing
    def _request(self, key: Key) -> None:
        if self._running is not None:
            if key != self._running_key:
                self._waiting = key
            return
        rate, mono = self.state.rate, self.mono
        start, stop, columns = key

        def compute(context: JobContext) -> tuple[Key, Spectrogram]:
            context.check()
            return key, spectrogram(mono, rate, start / rate, stop / rate, columns)

        job = self.jobs.start("Computing the spectrogram", compute)
        self._running, self._running_key = job, key
        job.succeeded.connect(self._computed)
        job.finished.connect(self._next)

    def _computed(self, result: tuple[Key, Spectrogram]) -> None:
        key, image = result
        self._cache[key] = image
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self._latest = image
        self.update()

    def _next(self) -> None:
        self._running, self._running_key = None, None
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting not in self._cache:
            self._request(waiting)

    # ---------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        """The spectrogram (or the nearest one computed), then the selection and playhead."""
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(255, 255, 255))
            key = self.wanted()
            shown = self._cache.get(key)
            if shown is None:
                self._request(key)
                shown = self._latest
            if shown is not None:
                self._draw(painter, shown)
            paint_overlay(painter, self.state, QRectF(self.rect()))
        finally:
            painter.end()

    def _draw(self, painter: QPainter, image: Spectrogram) -> None:
        levels = image.levels
        rows, columns = levels.shape
        picture = QImage(levels.data, columns, rows, columns, QImage.Format.Format_Grayscale8)
        width = self.width()
        left = self.state.x_of(image.start_s, width)
        right = self.state.x_of(image.stop_s, width)
        painter.drawImage(QRectF(left, 0, right - left, self.height()), picture)
