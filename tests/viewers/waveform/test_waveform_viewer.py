"""The waveform viewer on a real profile: a record imported from WFDB files, real widgets.

Beats from the keyboard, intervals from the mouse, calipers, moving/relabelling/deleting,
jumping between labels, the pixels of a known trace on ECG paper and the read-only gate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from tests.viewers.volume.qt_input import drag, rendered
from tests.viewers.waveform.records import RATE, import_record, write_ecg_record
from viewers.base import viewer_class_for
from viewers.waveform.ecg_paper import MAJOR
from viewers.waveform.waveform_viewer import WaveformViewer
from workspace.schema import load_preset
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace

RED = QColor(255, 0, 0)
WHITE = QColor(255, 255, 255)
LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton


@pytest.fixture
def viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path) -> WaveformViewer:
    item = import_record(viewer_workspace, write_ecg_record(tmp_path / "rec"))
    widget = viewer_class_for("waveform")(viewer_workspace, item)
    assert isinstance(widget, WaveformViewer)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    assert widget.wait_loaded()
    qtbot.waitExposed(widget)
    return widget


def _x(viewer: WaveformViewer, sample: int) -> float:
    return viewer.view.x_of(sample)


def _click(viewer: WaveformViewer, sample: int, row: int = 0) -> None:
    view = viewer.view
    point = QPointF(_x(viewer, sample), view.band(row).center().y())
    drag(view, LEFT, [point, point])


def _stored(viewer: WaveformViewer) -> list:
    return viewer.workspace.annotations(viewer.item.id)


def test_the_record_opens_with_its_leads_units_and_the_ecg_schema(viewer) -> None:
    view = viewer.view
    assert viewer.schema.id == "ecg-beats-rhythms"
    assert view.names == ["II (mV)", "V1 (mV)"]
    assert view.paper_grid  # an ECG: on paper, 25 mm/s
    assert viewer.record is not None and viewer.record.rate == RATE
    start, duration = view.span()
    expected = view.width() / (view.paper.px_per_mm * 25)
    assert (start, duration) == (0.0, pytest.approx(min(expected, 10.0)))
    # 10 mm/mV: a band's height in mV is its height in mm divided by 10.
    low, high = view.band_millivolts(0) or (0, 0)
    assert high - low == pytest.approx(view.band(0).height() / view.paper.px_per_mm / 10)


def test_a_beat_placed_with_the_keyboard_is_saved_and_undone(viewer) -> None:
    _click(viewer, 250)
    assert viewer.view.cursor_sample == pytest.approx(250, abs=5)
    cursor = viewer.view.cursor_sample
    QTest.keyClick(viewer.view, Qt.Key.Key_N)
    (beat,) = _stored(viewer)
    assert (beat.kind, beat.label, beat.data) == ("point", "N", {"sample": cursor})
    assert viewer.view.selected_id == beat.id
    QTest.keyClick(viewer.view, Qt.Key.Key_V)  # relabels the selected beat
    (beat,) = _stored(viewer)
    assert beat.label == "V"
    assert viewer.command_stack is not None
    viewer.command_stack.undo()
    viewer.command_stack.undo()
    assert _stored(viewer) == []
    viewer.shutdown()


def test_an_interval_dragged_with_the_mouse_gets_the_rhythm_key(viewer) -> None:
    view = viewer.view
    y = view.band(1).center().y()
    points = [QPointF(_x(viewer, s), y) for s in (1000, 1500, 2000)]
    drag(view, LEFT, points)
    assert view.selection is not None
    start, end = view.selection
    assert start == pytest.approx(1000, abs=5) and end == pytest.approx(2000, abs=5)
    QTest.keyClick(view, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    (rhythm,) = _stored(viewer)
    assert (rhythm.kind, rhythm.label) == ("interval", "AFIB")
    assert rhythm.data == {"start": start, "end": end}  # every channel
    assert view.selection is None
    # Its end edge dragged later, then deleted with Del.
    edge = _x(viewer, end)
    drag(view, LEFT, [QPointF(edge, y), QPointF(edge + 40, y), QPointF(edge + 80, y)])
    (rhythm,) = _stored(viewer)
    assert rhythm.data["end"] == pytest.approx(view.sample_at(edge + 80), abs=1)
    assert rhythm.data["start"] == start
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert _stored(viewer) == []
    viewer.shutdown()


def test_one_channel_intervals_and_double_click_points(viewer) -> None:
    view = viewer.view
    viewer.one_channel.setChecked(True)
    y = view.band(1).center().y()
    drag(view, LEFT, [QPointF(_x(viewer, 3000), y), QPointF(_x(viewer, 3500), y)])
    QTest.keyClick(view, Qt.Key.Key_X)  # NOISE
    (noise,) = _stored(viewer)
    assert noise.data["channel"] == 1 and noise.label == "NOISE"
    viewer.set_active_label(viewer.schema.class_named("A"))
    QTest.mouseDClick(view, LEFT, pos=QPointF(_x(viewer, 750), y).toPoint())
    beats = [a for a in _stored(viewer) if a.kind == "point"]
    assert [(b.label, b.data["channel"]) for b in beats] == [("A", 1)]
    viewer.shutdown()


def test_a_caliper_reads_the_rr_interval_and_rate(viewer) -> None:
    view = viewer.view
    y = view.band(0).center().y()
    drag(view, RIGHT, [QPointF(_x(viewer, 250), y), QPointF(_x(viewer, 750), y)])
    caliper = view.caliper
    assert caliper is not None
    pixel_ms = 1000 * view.time_window.duration / view.width()
    assert caliper.interval_ms == pytest.approx(1000, abs=2 * pixel_ms)
    assert caliper.rate_bpm == pytest.approx(60, rel=0.02)
    assert "bpm" in viewer.readout.text()
    # C with a range selected measures the range.
    drag(view, LEFT, [QPointF(_x(viewer, 1000), y), QPointF(_x(viewer, 1200), y)])
    QTest.keyClick(view, Qt.Key.Key_C)
    assert view.caliper is not None
    assert view.caliper.interval_ms == pytest.approx(400, abs=2 * pixel_ms)
    assert view.caliper.text().endswith("150.0 bpm") or "bpm" in view.caliper.text()
    viewer.shutdown()


def test_jump_to_the_next_and_previous_beat_of_a_label(viewer) -> None:
    view = viewer.view
    for sample, key in ((250, Qt.Key.Key_N), (750, Qt.Key.Key_V), (1250, Qt.Key.Key_N)):
        _click(viewer, sample)
        view.select("")
        QTest.keyClick(view, key)
    firsts = sorted((a.data["sample"], a.label) for a in _stored(viewer))
    assert [label for _s, label in firsts] == ["N", "V", "N"]
    _click(viewer, firsts[0][0])  # selects the first N
    assert view.selected_mark() is not None and view.selected_mark().label == "N"
    QTest.keyClick(view, Qt.Key.Key_BracketRight)
    assert view.selected_mark().start == firsts[2][0]  # the V is skipped
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    assert view.selected_mark().start == firsts[0][0]
    viewer.shutdown()


def test_pixels_of_the_known_trace_on_ecg_paper(viewer) -> None:
    view = viewer.view
    view.trace_color, view.background = RED, WHITE
    image = rendered(view)
    band = view.band(0)
    per_mm = view.paper.px_per_mm
    baseline = band.center().y()  # the record's median is 0 mV, at the band's centre
    peak = baseline - 10 * per_mm  # 1 mV at 10 mm/mV

    def red_rows(x: int) -> list[int]:
        return [
            y for y in range(int(band.top()), int(band.bottom())) if image.pixelColor(x, y) == RED
        ]

    r_wave = round(_x(viewer, 250))  # R waves at 0.5 s, 1.5 s...
    rows = red_rows(r_wave)
    assert rows and min(rows) == pytest.approx(peak, abs=2)
    flat = round(_x(viewer, 500))
    assert red_rows(flat) and all(abs(y - baseline) <= 1.5 for y in red_rows(flat))
    # The grid: a major line each 5 mm (0.2 s); a pixel on one is paper-red, not white.
    rows = range(int(band.top()) + 2, int(peak) - 2)

    def major_share(x: float) -> float:
        return sum(image.pixelColor(round(x), y) == MAJOR for y in rows) / len(rows)

    x_major = view.x_of(0.2 * RATE * 3)  # 0.6 s: a major line
    on_line = max(major_share(x_major + d) for d in (-1, 0, 1))
    assert on_line > 0.9
    assert major_share(x_major + 2.5 * per_mm) < 0.3  # half-way to the next
    viewer.shutdown()


def test_a_submitted_task_refuses_every_edit(qtbot, viewer) -> None:
    workspace = viewer.workspace
    project = workspace.ensure_project("ECG", load_preset("ecg-beats-rhythms"))
    workspace.create_batch(project, "ECG batch", [viewer.item.id])
    task = next(t for t in workspace.tasks() if t.batch_title == "ECG batch")
    workspace.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    workspace.set_task_status(task.id, TaskStatus.SUBMITTED)
    assert viewer.read_only_reason is not None
    _click(viewer, 250)
    with qtbot.waitSignal(viewer.message) as said:
        QTest.keyClick(viewer.view, Qt.Key.Key_N)
    assert "reopen it to edit" in said.args[0]
    assert _stored(viewer) == []
    viewer.shutdown()
