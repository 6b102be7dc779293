"""The whole record in one strip: its envelope, the window shown and the annotations.

A click or drag centres the main view's window on the time under the pointer.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

from viewers.waveform.envelope_raster import EnvelopeRaster
from viewers.waveform.marks import Mark
from workspace.waveform.pyramid import LodPyramid, Samples

HEIGHT = 48


class OverviewStrip(QWidget):
    """The first shown channel's envelope over the whole record, and where the view is."""

    centre_requested = Signal(float)  # seconds

    def __init__(self, pyramid: LodPyramid, rate: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pyramid = pyramid
        self.rate = rate
        self.channel = 0
        self.value_range = (-1.0, 1.0)
        self.view_span = (0.0, 0.0)
        self.marks: list[Mark] = []
        self.colors: dict[str, str] = {}
        self._raster = EnvelopeRaster()
        self._cache: tuple[tuple[int, int], tuple[Samples, Samples]] | None = None
        self.setFixedHeight(HEIGHT)
        self.setToolTip("The whole record: click or drag to move the view")

    @property
    def total(self) -> float:
        """Length of the record in seconds."""
        return self.pyramid.sample_count / self.rate if self.rate else 0.0

    def set_window(self, start: float, duration: float) -> None:
        """Mark ``duration`` seconds from ``start`` as the window shown."""
        self.view_span = (start, duration)
        self.update()

    def set_marks(self, marks: list[Mark], colors: dict[str, str]) -> None:
        """The annotations to tick."""
        self.marks, self.colors = marks, colors
        self.update()

    def x_of(self, seconds: float) -> float:
        """Widget x of a time."""
        return seconds / max(self.total, 1e-9) * self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Envelope, annotation ticks, then the window's frame."""
        painter = QPainter(self)
        try:
            rect = QRectF(self.rect())
            painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
            columns = self.width()
            count = self.pyramid.sample_count
            if columns >= 1 and count >= columns:
                key = (columns, self.channel)
                if self._cache is None or self._cache[0] != key:
                    envelopes = self.pyramid.envelopes(0, count, columns, [self.channel])
                    self._cache = (key, envelopes)
                color = self.palette().color(QPalette.ColorRole.Text)
                self._raster.draw(painter, rect, self._cache[1], [self.value_range], color)
            self._paint_marks(painter)
            start, duration = self.view_span
            frame = QRectF(self.x_of(start), 0, max(self.x_of(duration), 2), self.height() - 1)
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(50)
            painter.fillRect(frame, fill)
            painter.setPen(QPen(highlight, 1))
            painter.drawRect(frame)
        finally:
            painter.end()

    def _paint_marks(self, painter: QPainter) -> None:
        seen: set[tuple[int, str]] = set()
        for mark in self.marks:
            x = round(self.x_of(mark.start / self.rate))
            if (x, mark.label) in seen:
                continue
            seen.add((x, mark.label))
            painter.setPen(QPen(QColor(self.colors.get(mark.label, "#9e9e9e")), 1))
            top = 0 if mark.is_point else self.height() - 6
            if mark.is_point:
                painter.drawLine(QLineF(x, top, x, 6))
            else:
                right = self.x_of((mark.end or mark.start) / self.rate)
                painter.fillRect(QRectF(x, top, max(right - x, 1), 6), painter.pen().color())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Centre the view on the time clicked."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.centre_requested.emit(event.position().x() / max(self.width(), 1) * self.total)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Drag the window along."""
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.centre_requested.emit(event.position().x() / max(self.width(), 1) * self.total)
