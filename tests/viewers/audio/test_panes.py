"""Pixels of known sounds: a sine's waveform where expected, a tone's line in the spectrogram."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from tests.viewers.audio.conftest import RATE
from tests.viewers.volume.qt_input import rendered
from tests.workspace.task_support import local_task
from viewers.audio.overlay import PLAYHEAD_COLOR
from viewers.audio.regions import Tier
from viewers.audio.spectrogram import spectrogram
from workspace.tasks import TaskStatus

RED = QColor(255, 0, 0)
WHITE = QColor(255, 255, 255)


def _sine(hz: float, seconds: float = 4.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)[:, None]


def _red_rows(image: QImage, x: int) -> list[int]:
    return [y for y in range(image.height()) if image.pixelColor(x, y) == RED]


def test_a_sine_is_drawn_at_its_peaks_and_zero_crossings(open_viewer) -> None:
    viewer = open_viewer(_sine(500.0))
    pane = viewer.waveform
    pane.trace_color, pane.background = RED, WHITE
    low, high = pane.value_ranges[0]
    assert high == pytest.approx(0.525, abs=1e-3) and low == -high  # symmetric, 5 % headroom
    height, width = pane.height(), pane.width()

    def row(value: float) -> int:
        return int(height - (value - low) / (high - low) * height)

    # whole recording: 64 000 samples, a column the envelope of two periods or more
    image = rendered(pane)
    for x in (width // 4, width // 2, 3 * width // 4):
        rows = _red_rows(image, x)
        assert min(rows) == pytest.approx(row(0.5), abs=1)
        assert max(rows) == pytest.approx(row(-0.5), abs=1)

    # zoomed to 20 ms (ten periods): single samples joined; a peak at 0.5 ms, zero at 1 ms
    viewer.state.set_span(1.0, 0.02)
    viewer.player.seek(3.0)  # move the playhead off screen
    image = rendered(pane)
    at = lambda t: round((t - 1.0) / 0.02 * width)  # noqa: E731
    assert _red_rows(image, at(1.0005)) == pytest.approx([row(0.5)], abs=1)
    assert _red_rows(image, at(1.0015)) == pytest.approx([row(-0.5)], abs=1)
    assert min(abs(r - row(0.0)) for r in _red_rows(image, at(1.001))) <= 1


def test_a_tone_is_one_dark_line_at_its_frequency() -> None:
    tone = _sine(1000.0)[:, 0]
    result = spectrogram(tone, RATE, 1.0, 2.0, 200)
    rows, columns = result.levels.shape
    assert columns == 200
    darkest = np.argmin(result.levels, axis=0)
    expected = round((1 - 1000.0 / result.max_hz) * (rows - 1))
    assert np.all(np.abs(darkest - expected) <= 1)
    assert result.levels[:, 100].min() == 0  # the loudest is black
    assert np.median(result.levels) == 255  # the rest of the band is silent: white


def test_the_spectrogram_pane_draws_the_tone_once_computed(open_viewer, qtbot) -> None:
    viewer = open_viewer(_sine(2000.0))
    pane = viewer.spectrogram
    viewer.state.set_span(0.5, 2.0)
    pane.repaint()
    qtbot.waitUntil(lambda: pane.current() is not None, timeout=10_000)
    image = rendered(pane)
    top_hz = pane.current().max_hz
    x = pane.width() // 2
    greys = [image.pixelColor(x, y).value() for y in range(image.height())]
    darkest = int(np.argmin(greys))
    assert darkest == pytest.approx((1 - 2000.0 / top_hz) * pane.height(), abs=3)


def test_a_submitted_task_refuses_regions_and_transcripts(open_viewer, qtbot) -> None:
    viewer = open_viewer()
    workspace, item = viewer.workspace, viewer.item
    task_id = local_task(workspace, item.id)
    workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    workspace.set_task_status(task_id, TaskStatus.SUBMITTED)
    assert viewer.read_only_reason is not None
    assert viewer.panel.editor.isReadOnly()
    with qtbot.waitSignal(viewer.message):
        assert viewer.create_region(Tier("patient", "S2"), 1.0, 2.0) is None
    assert workspace.annotations(item.id) == []


def test_the_playhead_line_follows_the_player(open_viewer) -> None:
    viewer = open_viewer()
    pane = viewer.waveform
    pane.trace_color, pane.background = RED, WHITE
    for seconds in (0.5, 1.75, 3.0):
        viewer.player.position_changed.emit(seconds)  # as the player's 30 Hz timer does
        image = rendered(pane)
        x = round(viewer.state.x_of(seconds, pane.width()))
        playhead = [x2 for x2 in range(pane.width()) if image.pixelColor(x2, 3) == PLAYHEAD_COLOR]
        assert playhead and abs(playhead[0] - x) <= 1, seconds
