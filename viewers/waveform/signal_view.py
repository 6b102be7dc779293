"""The trace view of the waveform viewer: paper, scales, annotations, cursor, range, calipers.

Extends :class:`~viewers.waveform.trace_view.TraceView` (which draws the traces and scrolls
and zooms) with what annotating needs. Mouse: a click puts the cursor at a sample and
selects the annotation under the pointer; a left drag selects a time range (a label key
then makes it an interval) or, started on an annotation, moves it (an interval's edge moves
that edge); a double-click places a point with the active label; a right drag (or a left
drag in caliper mode, C) measures an interval; a middle drag or Shift+wheel scrolls.
The view only reports gestures (signals); the viewer turns them into commands.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from viewers.waveform.calipers import Caliper
from viewers.waveform.display_filters import DisplayFilter
from viewers.waveform.ecg_layout import STANDARD_LEADS, Cell, cells, layout_rows, twelve_leads
from viewers.waveform.ecg_paper import GridCache, Paper, millivolts_per_unit, px_per_mm
from viewers.waveform.loader import LoadedRecord
from viewers.waveform.marks import Mark
from viewers.waveform.montage_channels import MontageChannels
from viewers.waveform.trace_view import TraceView
from workspace.schema import normalize_shortcut
from workspace.waveform.montage import Montage

#: How near (pixels) the pointer must be to an annotation to pick it.
PICK = 5.0
#: A press that moves less than this (pixels) is a click.
CLICK = 3.0
#: Above this many points in view, their labels are not written.
LABELLED = 300
FALLBACK_COLOR = "#9e9e9e"
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
#: Ctrl+wheel notch (or Ctrl and +/-) multiplies the gain of the channel under the pointer.
GAIN_STEP = 1.25
MIN_GAIN, MAX_GAIN = 1 / 64, 64.0


@dataclass
class _Drag:
    kind: str  # "range", "caliper", "move", "scroll"
    x: float
    origin: float
    mark: Mark | None = None
    edge: str = ""  # "start", "end" or "" (a point)
    moved: bool = False


class SignalView(TraceView):
    """The record's channels with the item's annotations on them."""

    cursor_moved = Signal(int)  # sample
    range_changed = Signal()
    caliper_changed = Signal()
    mark_selected = Signal(str)  # annotation id ("" for none)
    mark_moved = Signal(str, int, int)  # id, start, end (-1 for a point)
    point_requested = Signal(int, int)  # sample, channel (-1: every channel)
    label_pressed = Signal(str)  # the schema shortcut pressed
    delete_requested = Signal()
    jump_requested = Signal(bool)  # forward
    gain_changed = Signal(int, float)  # channel, its display gain

    def __init__(
        self,
        record: LoadedRecord,
        colors: dict[str, str] | None = None,
        shortcuts: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(record.pyramid, record.rate, (), parent)
        self.record = record
        #: Per-channel display gain (1: the default scale).
        self.gains = [1.0] * record.pyramid.channel_count
        self.colors = dict(colors or {})
        self.shortcuts = {s for s in (normalize_shortcut(k) for k in shortcuts) if s}
        self.marks: list[Mark] = []
        self._point_starts: list[int] = []
        self._points: list[Mark] = []
        self._intervals: list[Mark] = []
        self.selected_id = ""
        self.cursor_sample = 0
        self.selection: tuple[int, int] | None = None
        self.selection_channel: int | None = None
        self.caliper: Caliper | None = None
        self.caliper_mode = False
        #: Annotations made by dragging belong to the channel under the pointer.
        self.per_channel = False
        #: The 12-lead channels in printed order (None: not a 12-lead ECG).
        self.twelve = twelve_leads(record.names)
        #: The printed 12-lead layout drawn (a key of LAYOUTS; "": channels stacked).
        self.ecg_layout = ""
        #: The montage drawn (None: the record's channels as recorded).
        self.montage: Montage | None = None
        self.paper = Paper(px_per_mm(self))
        self.paper_grid = record.record_type == "ecg"
        #: Filters of the samples drawn zoomed in (the envelope zoomed out is unfiltered).
        self.display_filter = DisplayFilter()
        self._baselines = [self._baseline(c) for c in range(record.pyramid.channel_count)]
        self._drag: _Drag | None = None
        self._grid = GridCache()
        self.grid_color_major = QColor(225, 120, 120)
        self.set_names()
        self.setMouseTracking(False)

    # ---------------------------------------------------------------- scales
    def set_names(self) -> None:
        """Channel names with their units, as drawn at the left of each band."""
        self.names = [
            (f"{name} ({unit})" if unit else name) + (f" ×{gain:.3g}" if gain != 1 else "")
            for name, unit, gain in zip(
                self.record.names, self.record.units, self.gains, strict=True
            )
        ]

    def set_record(self, record: LoadedRecord, montage: Montage | None = None) -> None:
        """Draw ``record``'s channels instead (a montage's derived record, with its montage)."""
        self.record = record
        self.pyramid = record.pyramid
        self.montage = montage
        self.twelve = twelve_leads(record.names) if montage is None else None
        self.ecg_layout = self.ecg_layout if self.twelve is not None else ""
        count = record.pyramid.channel_count
        self.gains = [1.0] * count
        self.shown = list(range(count))
        self.value_ranges = [self._full_range(c) for c in range(count)]
        self._baselines = [self._baseline(c) for c in range(count)]
        self.set_names()
        self.rescale()

    def set_ecg_layout(self, layout: str) -> None:
        """Draw the 12 leads in a printed layout (a key of LAYOUTS; "": stacked channels)."""
        if layout and self.twelve is None:
            raise ValueError("not a 12-lead ECG")
        self.ecg_layout = layout
        self.rescale()

    def layout_cells(self) -> list[Cell]:
        """Where each lead is drawn in the printed layout (none when stacked)."""
        if not self.ecg_layout or self.twelve is None:
            return []
        rhythm = self.twelve[STANDARD_LEADS.index("II")]
        return cells(self.ecg_layout, self.twelve, rhythm, QRectF(self.rect()), self.span())

    def set_gain(self, channel: int, gain: float) -> None:
        """Draw ``channel`` at ``gain`` times its default scale."""
        self.gains[channel] = min(max(gain, MIN_GAIN), MAX_GAIN)
        self.set_names()
        self.rescale()
        self.gain_changed.emit(channel, self.gains[channel])

    def channel_under_pointer(self) -> int:
        """The channel under the mouse pointer (the first shown when it is elsewhere)."""
        y = self.mapFromGlobal(QCursor.pos()).y()
        return self.channel_at(y) if 0 <= y < self.height() else (self.shown or [0])[0]

    def is_voltage(self, channel: int) -> bool:
        """True when the channel's unit is a voltage (drawn in mm/mV on paper)."""
        return millivolts_per_unit(self.record.units[channel]) is not None

    def fit_paper_speed(self) -> None:
        """Show as many seconds as the widget is wide at the paper speed."""
        if self.width() > 1:
            self.set_span(self.time_window.start, self.width() / self.paper.px_per_second)

    def rescale(self) -> None:
        """Recompute every channel's value range from the paper gain or the data's range."""
        rows = layout_rows(self.ecg_layout) if self.ecg_layout else len(self.shown)
        band = max(self.height() / max(rows, 1), 1.0)
        ranges = []
        for channel in range(self.pyramid.channel_count):
            to_mv = millivolts_per_unit(self.record.units[channel])
            gain = self.gains[channel]
            if self.paper_grid and to_mv is not None:
                half = band / (self.paper.px_per_millivolt * gain) / 2 / to_mv
                centre = self._baselines[channel]
                low = self.record.to_raw(channel, centre - half)
                high = self.record.to_raw(channel, centre + half)
            else:
                low, high = self._full_range(channel)
                middle, half = (low + high) / 2, (high - low) / 2 / gain
                low, high = middle - half, middle + half
            ranges.append((min(low, high), max(low, high)))
        self.value_ranges = ranges
        self.update()

    def band_millivolts(self, row: int) -> tuple[float, float] | None:
        """Lowest and highest mV of the ``row``-th band shown (None: not a voltage)."""
        return self.channel_millivolts(self.shown[row])

    def channel_millivolts(self, channel: int) -> tuple[float, float] | None:
        """Lowest and highest mV drawn of ``channel`` (None: not a voltage)."""
        to_mv = millivolts_per_unit(self.record.units[channel])
        if to_mv is None:
            return None
        low, high = self.value_ranges[channel]
        values = sorted(self.record.to_physical(channel, v) * to_mv for v in (low, high))
        return values[0], values[1]

    def set_display_filter(self, display_filter: DisplayFilter) -> None:
        """Filter the samples drawn from now on (display only)."""
        self.display_filter = display_filter
        self.update()

    def display_samples(self, channel: int, start: int, stop: int) -> npt.NDArray[Any]:
        """The samples drawn, through the display filter (read with a margin each side)."""
        if not self.display_filter.active:
            return super().display_samples(channel, start, stop)
        margin = self.display_filter.margin(self.rate)
        first = max(start - margin, 0)
        last = min(stop + margin, self.pyramid.sample_count)
        values = self.display_filter.apply(super().display_samples(channel, first, last), self.rate)
        return values[start - first : start - first + (stop - start)]

    def _baseline(self, channel: int) -> float:
        """The channel's median value (physical), from at most 100 000 samples."""
        count = self.pyramid.sample_count
        if count == 0:
            return 0.0
        step = max(count // 100_000, 1)
        if isinstance(self.pyramid, MontageChannels):
            samples = self.pyramid.derived(0, count, step, [channel])[0]
        else:
            samples = self.pyramid.samples[channel, ::step]
        return self.record.to_physical(channel, float(np.median(samples)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the paper scale when the widget's height changes."""
        super().resizeEvent(event)
        self.rescale()

    # ---------------------------------------------------------------- geometry
    def x_of(self, sample: float) -> float:
        """Widget x of a sample (may be outside the widget)."""
        span = self.time_window
        return (sample / self.rate - span.start) / span.duration * self.width()

    def sample_at(self, x: float) -> int:
        """The nearest sample to widget x (clamped to the record)."""
        sample = round(self.time_at(x) * self.rate)
        return min(max(sample, 0), max(self.pyramid.sample_count - 1, 0))

    def row_at(self, y: float) -> int:
        """The band (row in :attr:`shown`) under widget y."""
        rows = max(len(self.shown), 1)
        return min(max(int(y / max(self.height(), 1) * rows), 0), rows - 1)

    def band(self, row: int) -> QRectF:
        """The rectangle of the ``row``-th band shown."""
        height = self.height() / max(len(self.shown), 1)
        return QRectF(0, row * height, self.width(), height)

    def channel_at(self, y: float) -> int:
        """The channel drawn under widget y."""
        return self.shown[self.row_at(y)] if self.shown else 0

    # ---------------------------------------------------------------- marks
    def set_marks(self, marks: list[Mark]) -> None:
        """The annotations to draw (sorted by start)."""
        self.marks = marks
        self._points = [m for m in marks if m.is_point]
        self._point_starts = [m.start for m in self._points]
        self._intervals = [m for m in marks if not m.is_point]
        if self.selected_id and all(m.id != self.selected_id for m in marks):
            self.selected_id = ""
        self.update()

    def selected_mark(self) -> Mark | None:
        """The selected annotation, if any."""
        return next((m for m in self.marks if m.id == self.selected_id), None)

    def select(self, annotation_id: str) -> None:
        """Select an annotation ("" for none)."""
        if annotation_id != self.selected_id:
            self.selected_id = annotation_id
            self.mark_selected.emit(annotation_id)
            self.update()

    def reveal(self, sample: int) -> None:
        """Scroll so that ``sample`` is in the middle of the window (unless it is in view)."""
        seconds = sample / self.rate
        span = self.time_window
        if not span.start <= seconds < span.stop:
            self.set_span(seconds - span.duration / 2, span.duration)

    def _visible_points(self) -> list[Mark]:
        first = math.floor(self.time_window.start * self.rate) - 1
        last = math.ceil(self.time_window.stop * self.rate) + 1
        low = bisect.bisect_left(self._point_starts, first)
        high = bisect.bisect_right(self._point_starts, last)
        return self._points[low:high]

    def mark_near(self, x: float, y: float) -> tuple[Mark, str] | None:
        """The annotation (and which edge) within :data:`PICK` pixels of (x, y)."""
        channel = self.channel_at(y)
        best: tuple[float, Mark, str] | None = None
        candidates: list[tuple[Mark, str, int]] = [(m, "", m.start) for m in self._visible_points()]
        for m in self._intervals:
            candidates += [(m, "start", m.start), (m, "end", m.end or m.start)]
        for mark, edge, sample in candidates:
            if mark.channel is not None and mark.channel != channel:
                continue
            distance = abs(self.x_of(sample) - x)
            if distance <= PICK and (best is None or distance < best[0]):
                best = (distance, mark, edge)
        if best is None:
            for mark in self._intervals:  # inside an interval: select it, without an edge
                if mark.channel in (None, channel) and mark.start <= self.sample_at(x) < (
                    mark.end or 0
                ):
                    return mark, "inside"
            return None
        return best[1], best[2]

    # ---------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        """Paper, traces, annotations, the range, the cursor, calipers and scale bars."""
        painter = QPainter(self)
        try:
            rect = QRectF(self.rect())
            laid_out = self.layout_cells()
            if self.paper_grid:
                if laid_out:
                    rows = [
                        (QRectF(0, c.rect.top(), rect.width(), c.rect.height()), c.channel)
                        for c in laid_out
                        if c.rect.left() == 0
                    ]
                else:
                    rows = [(self.band(r), c) for r, c in enumerate(self.shown)]
                bands = [
                    (band, *mv)
                    for band, channel in rows
                    if (mv := self.channel_millivolts(channel)) is not None
                ]
                self._grid.draw(painter, rect, self.span(), bands, self.background)
            else:
                painter.fillRect(rect, self.background)
            self._paint_intervals(painter)
            if laid_out:
                self._paint_cells(painter, laid_out)
            else:
                self.paint_traces(painter, rect)
            painter.setClipRect(rect)
            self._paint_points(painter)
            self._paint_selection(painter)
            self._paint_cursor(painter)
            self._paint_caliper(painter)
            if not laid_out:
                self._paint_scale_bars(painter)
        finally:
            painter.end()

    def _paint_cells(self, painter: QPainter, laid_out: list[Cell]) -> None:
        """Each lead of the printed layout in its cell, a short bar between columns."""
        for cell in laid_out:
            self.paint_traces(painter, cell.rect, [cell.channel], (cell.start_s, cell.duration_s))
        painter.setClipping(False)
        painter.setPen(QPen(self.trace_color, 2))
        for cell in laid_out:
            if cell.rect.left() > 0:
                middle = cell.rect.center().y()
                painter.drawLine(QLineF(cell.rect.left(), middle - 8, cell.rect.left(), middle + 8))

    def _color(self, mark: Mark) -> QColor:
        return QColor(self.colors.get(mark.label, FALLBACK_COLOR))

    def _mark_rect(self, mark: Mark, left: float, right: float) -> QRectF:
        stacked = self.montage is None and not self.ecg_layout
        if mark.channel is not None and mark.channel in self.shown and stacked:
            band = self.band(self.shown.index(mark.channel))
            return QRectF(left, band.top(), right - left, band.height())
        return QRectF(left, 0, right - left, self.height())

    def _paint_intervals(self, painter: QPainter) -> None:
        metrics = painter.fontMetrics()
        for mark in self._intervals:
            left, right = self.x_of(mark.start), self.x_of(mark.end or mark.start)
            if right < 0 or left > self.width():
                continue
            color = self._color(mark)
            fill = QColor(color)
            fill.setAlpha(90 if mark.id == self.selected_id else 45)
            area = self._mark_rect(mark, left, right)
            painter.fillRect(area, fill)
            painter.setPen(QPen(color, 2 if mark.id == self.selected_id else 1))
            painter.drawLine(QLineF(left, area.top(), left, area.bottom()))
            painter.drawLine(QLineF(right, area.top(), right, area.bottom()))
            text_x = max(left, 0) + 3
            painter.drawText(QPointF(text_x, area.bottom() - metrics.descent() - 2), mark.label)

    def _paint_points(self, painter: QPainter) -> None:
        visible = self._visible_points()
        if not visible:
            return
        metrics = painter.fontMetrics()
        labelled = len(visible) <= LABELLED
        for mark in visible:
            x = self.x_of(mark.start)
            color = self._color(mark)
            selected = mark.id == self.selected_id
            painter.setPen(QPen(color, 3 if selected else 1))
            area = self._mark_rect(mark, x, x)
            painter.drawLine(QLineF(x, area.top() + (14 if labelled else 0), x, area.bottom()))
            if labelled:
                width = metrics.horizontalAdvance(mark.label)
                painter.drawText(QPointF(x - width / 2, area.top() + metrics.ascent()), mark.label)

    def _paint_selection(self, painter: QPainter) -> None:
        if self.selection is None:
            return
        left, right = (self.x_of(s) for s in self.selection)
        fill = QColor(self.palette().highlight().color())
        fill.setAlpha(60)
        area = QRectF(left, 0, right - left, self.height())
        if self.selection_channel is not None and self.selection_channel in self.shown:
            band = self.band(self.shown.index(self.selection_channel))
            area = QRectF(left, band.top(), right - left, band.height())
        painter.fillRect(area, fill)

    def _paint_cursor(self, painter: QPainter) -> None:
        x = self.x_of(self.cursor_sample)
        if 0 <= x <= self.width():
            painter.setPen(QPen(QColor(30, 110, 220), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QLineF(x, 0, x, self.height()))

    def _paint_caliper(self, painter: QPainter) -> None:
        caliper = self.caliper
        if caliper is None:
            return
        left = self.x_of(caliper.start_s * self.rate)
        right = self.x_of(caliper.end_s * self.rate)
        color = QColor(0, 140, 140)
        painter.setPen(QPen(color, 1))
        painter.drawLine(QLineF(left, 0, left, self.height()))
        painter.drawLine(QLineF(right, 0, right, self.height()))
        y = self.height() / 2
        painter.drawLine(QLineF(left, y, right, y))
        text = caliper.text()
        metrics = painter.fontMetrics()
        box = QRectF(metrics.boundingRect(text)).adjusted(-4, -2, 4, 2)
        box.moveCenter(QPointF((left + right) / 2, y - box.height()))
        painter.fillRect(box, QColor(255, 255, 255, 220))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_scale_bars(self, painter: QPainter) -> None:
        painter.setPen(QPen(self.trace_color, 2))
        metrics = painter.fontMetrics()
        for row, channel in enumerate(self.shown):
            band = self.band(row)
            low, high = self.value_ranges[channel]
            to_mv = millivolts_per_unit(self.record.units[channel])
            unit_value = 1.0 / to_mv if to_mv is not None else _nice((high - low) / 4)
            raw = abs(unit_value / (self.record.gains[channel] or 1.0))
            length = raw / (high - low) * band.height() if high > low else 0.0
            if not 4 <= length <= band.height() * 0.9:
                continue
            x = band.right() - 8
            bottom = band.center().y() + length / 2
            painter.drawLine(QLineF(x, bottom, x, bottom - length))
            unit = "mV" if to_mv is not None else self.record.units[channel]
            text = f"{unit_value * (to_mv or 1):g} {unit}".strip()
            painter.drawText(
                QPointF(x - 4 - metrics.horizontalAdvance(text), bottom - length / 2), text
            )

    # ---------------------------------------------------------------- input
    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom about the pointer; Shift: scroll; Ctrl: the gain of the channel under it."""
        if event.modifiers() & CTRL:
            steps = event.angleDelta().y() / 120
            if steps and self.shown:
                channel = self.channel_at(event.position().y())
                self.set_gain(channel, self.gains[channel] * GAIN_STEP**steps)
            event.accept()
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            steps = (event.angleDelta().y() or event.angleDelta().x()) / 120
            self.time_window.scroll(-0.1 * steps * self.time_window.duration)
            self._changed()
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a range, a move, a caliper or a scroll (see the module docstring)."""
        x = event.position().x()
        button = event.button()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if button == Qt.MouseButton.MiddleButton:
            self._drag = _Drag("scroll", x, x)
        elif button == Qt.MouseButton.RightButton or (
            button == Qt.MouseButton.LeftButton and self.caliper_mode
        ):
            self._drag = _Drag("caliper", x, self.time_at(x))
            self.caliper = Caliper(self.time_at(x), self.time_at(x))
        elif button == Qt.MouseButton.LeftButton:
            near = self.mark_near(x, event.position().y())
            if near is not None and near[1] != "inside":
                self.select(near[0].id)
                self._drag = _Drag("move", x, x, near[0], near[1])
            else:
                self._drag = _Drag("range", x, self.sample_at(x))
                self._drag.mark = near[0] if near is not None else None
                self.selection_channel = (
                    self.channel_at(event.position().y()) if self.per_channel else None
                )
        else:
            super().mousePressEvent(event)
            return
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Follow the drag under way."""
        drag = self._drag
        if drag is None:
            super().mouseMoveEvent(event)
            return
        x = event.position().x()
        drag.moved = drag.moved or abs(x - drag.x) >= CLICK
        if drag.kind == "scroll":
            seconds = (drag.origin - x) / max(self.width(), 1) * self.time_window.duration
            drag.origin = x
            self.time_window.scroll(seconds)
            self._changed()
        elif drag.kind == "caliper":
            self.caliper = Caliper(drag.origin, self.time_at(x))
            self.caliper_changed.emit()
        elif drag.kind == "range" and drag.moved:
            start, here = int(drag.origin), self.sample_at(x)
            self.selection = (min(start, here), max(start, here))
            self.range_changed.emit()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Finish the drag: a click, a range, a move or a caliper."""
        drag, self._drag = self._drag, None
        if drag is None:
            super().mouseReleaseEvent(event)
            return
        x = event.position().x()
        if drag.kind == "caliper":
            self.caliper = Caliper(drag.origin, self.time_at(x))
            self.caliper_changed.emit()
        elif drag.kind == "move" and drag.mark is not None:
            self._finish_move(drag, x)
        elif drag.kind == "range" and not drag.moved:
            self.selection = None
            self.range_changed.emit()
            self.set_cursor(self.sample_at(x))
            self.select(drag.mark.id if drag.mark is not None else "")
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Ask for a point with the active label at the sample under the pointer."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        sample = self.sample_at(event.position().x())
        channel = self.channel_at(event.position().y()) if self.per_channel else -1
        self.set_cursor(sample)
        self.point_requested.emit(sample, channel)

    def _finish_move(self, drag: _Drag, x: float) -> None:
        mark = drag.mark
        if mark is None or not drag.moved:
            return
        sample = self.sample_at(x)
        if drag.edge == "":
            self.mark_moved.emit(mark.id, sample, -1)
        elif drag.edge == "start":
            self.mark_moved.emit(mark.id, sample, mark.end or sample + 1)
        else:
            self.mark_moved.emit(mark.id, mark.start, sample)

    def set_cursor(self, sample: int) -> None:
        """Put the cursor at ``sample``."""
        self.cursor_sample = min(max(sample, 0), max(self.pyramid.sample_count - 1, 0))
        self.cursor_moved.emit(self.cursor_sample)
        self.update()

    def clear_range(self) -> None:
        """Forget the selected range."""
        self.selection = None
        self.selection_channel = None
        self.range_changed.emit()
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl +/-/0 (gain), label keys, Del, [ ], C, Esc, Shift+arrows; else scroll, zoom."""
        key = Qt.Key(event.key())
        mods = event.modifiers()
        shortcut = normalize_shortcut(QKeySequence(event.keyCombination()).toString())
        gain_keys = {Qt.Key.Key_Plus: GAIN_STEP, Qt.Key.Key_Equal: GAIN_STEP}
        gain_keys[Qt.Key.Key_Minus] = 1 / GAIN_STEP
        if mods & CTRL and (key in gain_keys or key == Qt.Key.Key_0):
            channel = self.channel_under_pointer()
            factor = gain_keys.get(key)
            self.set_gain(channel, self.gains[channel] * factor if factor else 1.0)
        elif shortcut in self.shortcuts:
            self.label_pressed.emit(shortcut)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_requested.emit()
        elif key in (Qt.Key.Key_BracketRight, Qt.Key.Key_BracketLeft):
            self.jump_requested.emit(key == Qt.Key.Key_BracketRight)
        elif key == Qt.Key.Key_C and not mods & Qt.KeyboardModifier.ControlModifier:
            self.toggle_caliper_mode()
        elif key == Qt.Key.Key_Escape:
            self.caliper_mode = False
            self.caliper = None
            self.caliper_changed.emit()
            self.clear_range()
            self.select("")
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and mods & SHIFT:
            step = max(round(self.time_window.duration * self.rate / max(self.width(), 1)), 1)
            self.set_cursor(self.cursor_sample + (step if key == Qt.Key.Key_Right else -step))
            self.reveal(self.cursor_sample)
        else:
            super().keyPressEvent(event)

    def toggle_caliper_mode(self) -> None:
        """C: a selected range becomes a caliper; else left drags measure until C again."""
        if self.selection is not None:
            start, end = self.selection
            self.caliper = Caliper(start / self.rate, end / self.rate)
            self.caliper_changed.emit()
            self.clear_range()
            return
        self.caliper_mode = not self.caliper_mode
        self.update()


def _nice(value: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``value``."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return max(m for m in (1, 2, 5) if m * power <= value) * power
