"""The time axis and overview strip under the audio panes follow the window; the strip moves it."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPointF, Qt

from tests.audio.signals import tone
from tests.viewers.volume.qt_input import drag, press, release, wheel
from viewers.audio.regions import Tier


def _texts(viewer) -> list[str]:
    return [text for _x, _s, text in viewer.timeline.axis.ticks()]


def test_the_axis_labels_follow_the_zoom(open_viewer) -> None:
    viewer = open_viewer()  # 4 s
    axis, state = viewer.timeline.axis, viewer.state
    assert axis.width() == viewer.waveform.width()  # the ticks line up with the panes
    assert axis.view_span == (0.0, 4.0)
    assert _texts(viewer)[:3] == ["0.0 s", "0.5 s", "1.0 s"]

    pane = viewer.waveform
    for _ in range(16):  # zoom in about the middle
        wheel(pane, QPointF(pane.width() / 2, pane.height() / 2), 1)
    window = state.window
    assert window.duration < 0.2
    assert axis.view_span == pytest.approx((window.start, window.duration))
    ticks = axis.ticks()
    assert len(ticks) >= 2
    assert all(window.start <= seconds <= window.stop for _x, seconds, _t in ticks)
    assert all(re.fullmatch(r"\d\.\d\d s", text) for text in _texts(viewer))  # 20 ms steps

    state.set_span(1.0, 0.02)  # a stretch of samples: millisecond ticks
    assert _texts(viewer)[0] == "1.00 s"


def test_a_long_recording_is_labelled_in_minutes(open_viewer) -> None:
    rate = 1000
    viewer = open_viewer(tone(12 * 60.0, rate, hz=50.0), rate=rate)
    assert viewer.timeline.axis.view_span == (0.0, 720.0)
    texts = _texts(viewer)
    assert texts[0] == "0:00" and texts[1] in ("1:00", "2:00")


def test_clicking_and_dragging_the_strip_moves_the_window(open_viewer) -> None:
    viewer = open_viewer()  # 4 s
    strip, state = viewer.timeline.overview, viewer.state
    assert strip.total == pytest.approx(4.0)
    state.set_span(0.0, 1.0)
    assert strip.view_span == (0.0, 1.0)

    press(strip, Qt.MouseButton.LeftButton, QPointF(strip.width() * 3 / 4, strip.height() / 2))
    release(strip, Qt.MouseButton.LeftButton, QPointF(strip.width() * 3 / 4, strip.height() / 2))
    assert state.window.start == pytest.approx(2.5, abs=0.01)
    assert state.window.duration == pytest.approx(1.0)
    assert viewer.timeline.axis.view_span == pytest.approx((2.5, 1.0), abs=0.01)

    y = strip.height() / 2
    drag(
        strip,
        Qt.MouseButton.LeftButton,
        [QPointF(strip.width() * f, y) for f in (0.75, 0.5, 0.25)],
    )
    assert state.window.start == pytest.approx(0.5, abs=0.01)


def test_the_strip_marks_the_regions(open_viewer) -> None:
    viewer = open_viewer()
    region_id = viewer.create_region(Tier("patient", "S2"), 1.0, 2.0)
    assert region_id is not None
    (mark,) = viewer.timeline.overview.marks
    assert (mark.id, mark.start, mark.end, mark.label) == (region_id, 16000, 32000, "patient")
    viewer.delete_selected()
    assert viewer.timeline.overview.marks == []
