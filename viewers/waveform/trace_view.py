"""A widget showing N channels of a record over a time window: wheel zooms, drag and keys scroll.

Each channel gets an equal horizontal band. When the window holds at least as many samples as
the band has pixel columns, every column is drawn as the exact min-max envelope of its samples,
read for all channels at once from the record's :class:`LodPyramid` and drawn as one image
(:mod:`viewers.waveform.envelope_raster`); closer in, the samples themselves are joined by
lines (:mod:`viewers.waveform.trace_painter`). Either way a frame is a handful of numpy calls
and a few Qt calls, from one second to a whole 24-hour record.

Keys: Left/Right scroll a tenth of the window, Page Up/Down a whole window, Home/End jump to
the ends, +/- (or Up/Down) zoom about the centre. The wheel zooms about the pointer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from viewers.waveform.envelope_raster import EnvelopeRaster
from viewers.waveform.time_window import TimeWindow
from viewers.waveform.trace_painter import TracePainter
from workspace.waveform.pyramid import LodPyramid

#: The window never shows fewer samples than this.
SHORTEST_SAMPLES = 8
#: One wheel notch (or +/- key) multiplies the window's duration by this (or divides it).
ZOOM_STEP = 1.25
#: Values above and below a channel's full range, as a fraction of the range.
MARGIN = 0.05


class TraceView(QWidget):
    """Channels of ``pyramid`` (sampled at ``rate`` Hz), stacked, over a scrollable window."""

    span_changed = Signal(float, float)  # start, duration (seconds)

    def __init__(
        self,
        pyramid: LodPyramid,
        rate: float,
        names: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.pyramid = pyramid
        self.rate = rate
        self.names = list(names)
        total = pyramid.sample_count / rate
        self.time_window = TimeWindow(total, SHORTEST_SAMPLES / rate)
        self.value_ranges = [self._full_range(c) for c in range(pyramid.channel_count)]
        #: The channels drawn, top to bottom (all by default; any subset, in any order).
        self.shown: list[int] = list(range(pyramid.channel_count))
        self.trace_color = self.palette().color(QPalette.ColorRole.Text)
        self.background = self.palette().color(QPalette.ColorRole.Base)
        self._painter = TracePainter()
        self._raster = EnvelopeRaster()
        self._drag_x: float | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 40 * max(pyramid.channel_count, 1))

    # ---------------------------------------------------------------- window

    def span(self) -> tuple[float, float]:
        """The window shown: (start, duration) in seconds."""
        return self.time_window.start, self.time_window.duration

    def set_span(self, start: float, duration: float) -> None:
        """Show ``duration`` seconds from ``start`` (clamped to the record)."""
        self.time_window.set(start, duration)
        self._changed()

    def time_at(self, x: float) -> float:
        """The time (seconds) under widget x-coordinate ``x``."""
        span = self.time_window
        return span.start + x / max(self.width(), 1) * span.duration

    def _changed(self) -> None:
        self.update()
        self.span_changed.emit(*self.span())

    # ---------------------------------------------------------------- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        """Background, then every channel in its band."""
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.background)
            self.paint_traces(painter, QRectF(self.rect()))
        finally:
            painter.end()

    def paint_traces(
        self,
        painter: QPainter,
        rect: QRectF,
        channels_shown: Sequence[int] | None = None,
        window: tuple[float, float] | None = None,
    ) -> None:
        """Draw every channel shown (or ``channels_shown``) in an equal band of ``rect`` over
        the time window (or ``window``: start, duration in seconds); also usable on an image."""
        shown = self.shown if channels_shown is None else list(channels_shown)
        channels = len(shown)
        columns = int(rect.width())
        if channels == 0 or columns < 1 or self.pyramid.sample_count == 0:
            return
        band = rect.height() / channels
        ranges = [self.value_ranges[c] for c in shown]
        pen = QPen(self.trace_color, 0)  # cosmetic, one pixel
        painter.setPen(pen)
        painter.setClipRect(rect)
        seconds = window or self.span()
        first = seconds[0] * self.rate
        last = (seconds[0] + seconds[1]) * self.rate
        start = max(math.floor(first), 0)
        stop = min(math.ceil(last), self.pyramid.sample_count)
        if stop <= start:  # past the end of the record
            self._paint_names(painter, rect, band, shown)
            return
        if stop - start >= columns:
            everything = shown == list(range(self.pyramid.channel_count))
            envelopes = self.pyramid.envelopes(start, stop, columns, None if everything else shown)
            self._raster.draw(painter, rect, envelopes, ranges, self.trace_color)
        else:
            # One sample beyond each end, so the line runs to the window's edges.
            begin = max(start - 1, 0)
            end = min(stop + 1, self.pyramid.sample_count)
            positions = (np.arange(begin, end) - first) / (last - first)
            for row, channel in enumerate(shown):
                area = QRectF(rect.left(), rect.top() + row * band, rect.width(), band)
                values = self.display_samples(channel, begin, end)
                self._painter.draw_samples(painter, area, positions, values, ranges[row])
        self._paint_names(painter, rect, band, shown)

    def _paint_names(
        self, painter: QPainter, rect: QRectF, band: float, shown: Sequence[int]
    ) -> None:
        if not self.names:
            return
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        for row, channel in enumerate(shown):
            name = self.names[channel] if channel < len(self.names) else ""
            top = rect.top() + row * band
            painter.drawText(QPointF(rect.left() + 4, top + painter.fontMetrics().ascent()), name)

    def display_samples(self, channel: int, start: int, stop: int) -> npt.NDArray[Any]:
        """The samples of ``channel`` drawn zoomed in (subclasses filter them)."""
        return self.pyramid.samples_between(channel, start, stop)

    def _full_range(self, channel: int) -> tuple[float, float]:
        """The channel's lowest and highest sample, with a margin."""
        if self.pyramid.sample_count == 0:
            return -1.0, 1.0
        mins, maxs = self.pyramid.envelope(channel, 0, self.pyramid.sample_count, 1)
        low, high = float(mins[0]), float(maxs[0])
        if not (math.isfinite(low) and math.isfinite(high)):
            return -1.0, 1.0
        pad = (high - low) * MARGIN or 1.0
        return low - pad, high + pad

    # ---------------------------------------------------------------- input

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom about the time under the pointer (a notch away from the user zooms in)."""
        steps = event.angleDelta().y() / 120
        if steps:
            anchor = self.time_at(event.position().x())
            self.time_window.zoom(ZOOM_STEP**-steps, anchor)
            self._changed()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start dragging the record."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_x = event.position().x()
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Drag the record with the pointer: dragging right shows earlier times."""
        if self._drag_x is None:
            super().mouseMoveEvent(event)
            return
        x = event.position().x()
        seconds = (self._drag_x - x) / max(self.width(), 1) * self.time_window.duration
        self._drag_x = x
        self.time_window.scroll(seconds)
        self._changed()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Stop dragging."""
        self._drag_x = None
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Scroll and zoom from the keyboard (see the module docstring)."""
        span = self.time_window
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Left: -0.1,
            Qt.Key.Key_Right: 0.1,
            Qt.Key.Key_PageUp: -1.0,
            Qt.Key.Key_PageDown: 1.0,
        }
        zooms = {
            Qt.Key.Key_Plus: 1 / ZOOM_STEP,
            Qt.Key.Key_Equal: 1 / ZOOM_STEP,
            Qt.Key.Key_Up: 1 / ZOOM_STEP,
            Qt.Key.Key_Minus: ZOOM_STEP,
            Qt.Key.Key_Down: ZOOM_STEP,
        }
        if key in moves:
            span.scroll(moves[key] * span.duration)
        elif key in zooms:
            span.zoom(zooms[key], span.start + span.duration / 2)
        elif key == Qt.Key.Key_Home:
            span.set(0.0, span.duration)
        elif key == Qt.Key.Key_End:
            span.set(span.total, span.duration)
        else:
            super().keyPressEvent(event)
            return
        self._changed()
