"""The trace view: pixels of a known square wave, zoom about the pointer, drag and key scroll."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from tests.viewers.volume.qt_input import drag, rendered, wheel
from viewers.waveform.envelope_raster import EnvelopeRaster
from viewers.waveform.time_window import TimeWindow
from viewers.waveform.trace_painter import TracePainter
from viewers.waveform.trace_view import TraceView
from workspace.waveform.pyramid import LodPyramid

RATE = 100.0
RED = QColor(255, 0, 0)
WHITE = QColor(255, 255, 255)


def _square_wave(seconds: int = 8) -> np.ndarray:
    """+1000 for the first second of every two, -1000 for the second, at 100 Hz."""
    time = np.arange(int(seconds * RATE)) / RATE
    return np.where(time % 2 < 1, 1000, -1000).astype(np.int16)


@pytest.fixture
def view(qtbot) -> TraceView:
    widget = TraceView(LodPyramid.build(_square_wave()), RATE)
    widget.trace_color, widget.background = RED, WHITE
    qtbot.addWidget(widget)
    widget.setMinimumSize(1, 1)
    widget.resize(400, 100)
    return widget


def _red_rows(image: QImage, x: int) -> list[int]:
    return [y for y in range(image.height()) if image.pixelColor(x, y) == RED]


def _rows_of(value: float, view: TraceView) -> int:
    """Pixel row of a value: the range is the data's with 5 % margins, high at the top."""
    low, high = view.value_ranges[0]
    return int(100 - (value - low) / (high - low) * 100)


def test_whole_record_draws_the_square_wave_at_its_two_levels(view: TraceView) -> None:
    assert view.value_ranges[0] == (-1100.0, 1100.0)
    top, bottom = _rows_of(1000, view), _rows_of(-1000, view)
    assert (top, bottom) == (4, 95)
    image = rendered(view)  # 800 samples in 400 columns: the min/max envelope, 2 a column
    for x in (10, 25, 40, 110, 125, 140, 310):  # inside a high second
        assert _red_rows(image, x) == [top], x
    for x in (60, 75, 90, 160, 260, 390):  # inside a low second
        assert _red_rows(image, x) == [bottom], x
    for edge in (50, 100, 150, 200, 250, 300, 350):  # every level change is drawn in full
        rows = set(_red_rows(image, edge - 1)) | set(_red_rows(image, edge))
        assert set(range(top, bottom + 1)) <= rows, edge


def test_zoomed_in_the_samples_are_joined_and_the_edge_sits_at_its_time(view: TraceView) -> None:
    view.set_span(0.5, 1.0)  # 100 samples in 400 columns: the samples themselves
    top, bottom = _rows_of(1000, view), _rows_of(-1000, view)
    image = rendered(view)
    assert _red_rows(image, 100) == [top]  # t = 0.75 s
    assert _red_rows(image, 300) == [bottom]  # t = 1.25 s
    # The fall from the last high sample (0.99 s, x = 196) to the first low one (1.00 s).
    rows = set().union(*(_red_rows(image, x) for x in range(196, 201)))
    assert set(range(top + 1, bottom + 1)) <= rows
    for x in list(range(190)) + list(range(205, 400)):
        assert set(_red_rows(image, x)) <= {top, top - 1, top + 1, bottom, bottom + 1}, x


def test_every_channel_is_drawn_in_its_own_band(qtbot) -> None:
    wave = _square_wave()
    widget = TraceView(LodPyramid.build(np.stack([wave, -wave])), RATE, ["I", "II"])
    widget.trace_color, widget.background = RED, WHITE
    qtbot.addWidget(widget)
    widget.setMinimumSize(1, 1)
    widget.resize(400, 200)
    image = rendered(widget)
    assert _red_rows(image, 25) == [4, 195]  # I high (top of band 1), II low (bottom of band 2)
    assert _red_rows(image, 75) == [95, 104]


def test_wheel_zooms_about_the_pointer_and_clamps(view: TraceView, qtbot) -> None:
    assert view.span() == (0.0, 8.0)
    with qtbot.waitSignal(view.span_changed):
        wheel(view, QPointF(100, 50), 1)  # pointer at t = 2 s
    _, duration = view.span()
    assert duration == pytest.approx(8 / 1.25)
    assert view.time_at(100) == pytest.approx(2.0)
    for _ in range(60):
        wheel(view, QPointF(100, 50), 1)
    assert view.span()[1] == pytest.approx(8 / RATE)  # never fewer than 8 samples
    assert view.time_at(100) == pytest.approx(2.0)
    for _ in range(60):
        wheel(view, QPointF(100, 50), -1)
    assert view.span() == (0.0, 8.0)


def test_drag_and_keys_scroll_inside_the_record(view: TraceView, qtbot) -> None:
    view.set_span(2.0, 4.0)
    drag(view, Qt.MouseButton.LeftButton, [QPointF(200, 50), QPointF(150, 50), QPointF(100, 50)])
    assert view.span() == pytest.approx((3.0, 4.0))  # a quarter of the width: a second later
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.span() == pytest.approx((2.6, 4.0))
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert view.span() == pytest.approx((4.0, 4.0))  # clamped at the end of the record
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.span() == pytest.approx((0.0, 4.0))
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.span() == pytest.approx((0.4, 3.2))  # about the centre
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.span() == pytest.approx((4.8, 3.2))


def test_time_window_clamps_and_keeps_its_anchor() -> None:
    window = TimeWindow(total=100.0, shortest=0.5)
    assert (window.start, window.duration) == (0.0, 100.0)
    window.zoom(0.1, 50.0)
    assert (window.start, window.duration) == pytest.approx((45.0, 10.0))
    window.scroll(-60.0)
    assert window.start == 0.0
    window.set(95.0, 0.01)
    assert (window.start, window.duration) == (95.0, 0.5)
    window.zoom(1000.0, 95.0)
    assert (window.start, window.duration) == (0.0, 100.0)


def test_raster_joins_columns_and_leaves_missing_values_blank(qtbot) -> None:
    mins = np.array([[0.0, 0.0, 9.0, np.nan, 9.0]])
    maxs = np.array([[1.0, 1.0, 10.0, np.nan, 10.0]])
    image = QImage(5, 10, QImage.Format.Format_RGB32)
    image.fill(WHITE)
    painter = QPainter(image)
    EnvelopeRaster().draw(painter, QRectF(0, 0, 5, 10), (mins, maxs), [(0.0, 10.0)], RED)
    painter.end()
    # value v is row floor(10 - v): 0..1 -> rows 9..10 (clipped to 9), 9..10 -> rows 0..1.
    assert _red_rows(image, 0) == [9]
    assert _red_rows(image, 1) == list(range(1, 10))  # stretched up to meet the next column
    assert _red_rows(image, 2) == [0, 1]  # not joined to a missing column
    assert _red_rows(image, 3) == []
    assert _red_rows(image, 4) == [0, 1]


def test_polyline_envelope_and_samples_land_on_their_rows(qtbot) -> None:
    image = QImage(4, 10, QImage.Format.Format_RGB32)
    image.fill(WHITE)
    painter = QPainter(image)
    painter.setPen(RED)
    trace = TracePainter()
    trace.draw_envelope(painter, QRectF(0, 0, 2, 10), np.array([1, 8]), np.array([2, 9]), (0, 10))
    trace.draw_samples(painter, QRectF(2, 0, 2, 10), np.array([0.25, 0.75]), [5, 5], (0, 10))
    painter.end()
    left, right = set(_red_rows(image, 0)), set(_red_rows(image, 1))
    assert {8, 9} <= left and min(left) > 3  # values 1..2 -> y 9..8, then the join rises
    assert {1, 2} <= right and max(right) < 6  # values 8..9 -> y 2..1
    assert left | right == set(range(1, 10))  # joined: no gap between the columns
    assert _red_rows(image, 2) == [5] and _red_rows(image, 3) == [5]
