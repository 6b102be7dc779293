"""Display controls of the waveform viewer on a real profile: filters, channel gain, montages.

Records are written as WFDB files and imported through the workspace; the widgets are real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QCursor, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.viewers.waveform.records import (
    COUNTS_PER_MV,
    RATE,
    beat_train,
    import_record,
    write_record,
)
from viewers.base import viewer_class_for
from viewers.waveform.waveform_viewer import WaveformViewer
from workspace.workspace import Workspace

SECONDS = 10.0
TIME = np.arange(round(SECONDS * RATE)) / RATE
SLOW = 0.5 * np.sin(2 * np.pi * 5 * TIME)  # mV
HUM = 0.2 * np.sin(2 * np.pi * 50 * TIME)  # mV


def _open(qtbot, workspace: Workspace, header: Path) -> WaveformViewer:
    item = import_record(workspace, header)
    widget = viewer_class_for("waveform")(workspace, item)
    assert isinstance(widget, WaveformViewer)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    assert widget.wait_loaded()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def hum_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path) -> WaveformViewer:
    header = write_record(tmp_path / "rec", "hum", {"Fz": SLOW + HUM, "Cz": SLOW})
    return _open(qtbot, viewer_workspace, header)


def _drawn_mv(viewer: WaveformViewer, channel: int, start: int, stop: int) -> np.ndarray:
    return np.asarray(viewer.view.display_samples(channel, start, stop), float) / COUNTS_PER_MV


def test_the_notch_removes_a_50_hz_hum_from_the_samples_drawn(hum_viewer) -> None:
    viewer = hum_viewer
    viewer.view.set_span(4.0, 1.0)  # 500 samples on 1200 columns: the samples are drawn
    start, stop = 4 * RATE, 5 * RATE
    clean = SLOW[start:stop]
    hummed = _drawn_mv(viewer, 0, start, stop)
    assert np.max(np.abs(hummed - clean)) > 0.15  # the hum is drawn
    viewer.filter_actions[("notch", 50.0)].trigger()
    assert viewer.view.display_filter.notch == 50.0
    assert viewer.filter_button.text() == "Filters: Notch 50 Hz"
    filtered = _drawn_mv(viewer, 0, start, stop)
    assert filtered.shape == clean.shape
    assert np.max(np.abs(filtered - clean)) < 0.03  # gone, and the 5 Hz wave kept
    stored = viewer.workspace.load_signals(viewer.item.id).channels[0].samples
    assert np.max(np.abs(stored[start:stop] / COUNTS_PER_MV - (SLOW + HUM)[start:stop])) < 0.01
    viewer.filter_actions[("notch", None)].trigger()
    assert not viewer.view.display_filter.active
    assert np.max(np.abs(_drawn_mv(viewer, 0, start, stop) - clean)) > 0.15


def test_a_low_pass_also_removes_the_hum_and_the_tooltip_tells_the_envelope_is_raw(
    hum_viewer,
) -> None:
    viewer = hum_viewer
    viewer.filter_actions[("lowpass", 15.0)].trigger()
    start, stop = 4 * RATE, 5 * RATE
    filtered = _drawn_mv(viewer, 0, start, stop)
    assert np.max(np.abs(filtered - SLOW[start:stop])) < 0.05
    assert "unfiltered" in viewer.filter_button.toolTip()


def _wheel(widget, pos: QPointF, steps: int, modifiers: Qt.KeyboardModifier) -> None:
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_ctrl_wheel_scales_only_the_channel_under_the_pointer(hum_viewer) -> None:
    view = hum_viewer.view
    span = view.span()
    low0, high0 = view.value_ranges[0]
    other = view.value_ranges[1]
    _wheel(view, view.band(0).center(), 2, Qt.KeyboardModifier.ControlModifier)
    assert view.span() == span  # no zoom in time
    assert view.gains == [pytest.approx(1.25**2), 1.0]
    low, high = view.value_ranges[0]
    assert (high - low) == pytest.approx((high0 - low0) / 1.25**2)
    assert view.value_ranges[1] == other
    assert view.names[0].endswith("×1.56")
    _wheel(view, view.band(1).center(), -1, Qt.KeyboardModifier.ControlModifier)
    assert view.gains[1] == pytest.approx(0.8)


def test_ctrl_plus_minus_and_zero_scale_the_channel_under_the_pointer(qtbot, hum_viewer) -> None:

    view = hum_viewer.view
    QCursor.setPos(view.mapToGlobal(view.band(1).center().toPoint()))
    qtbot.waitUntil(lambda: view.channel_under_pointer() == 1)
    with qtbot.waitSignal(view.gain_changed) as changed:
        QTest.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert changed.args == [1, pytest.approx(1.25)]
    assert view.gains == [1.0, pytest.approx(1.25)]
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.gains == [1.0, 1.0]


EEG_RATE = 256
EEG_TIME = np.arange(20 * EEG_RATE) / EEG_RATE
#: 10-20 electrodes, with the 10-10 names of the temporal ones (T7, P7, T8, P8).
ELECTRODES = [
    "Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T7", "T8", "P7", "P8", "Fz", "Cz", "Pz",
]  # fmt: skip
COMMON = 40 * np.sin(2 * np.pi * 10 * EEG_TIME)  # µV, on every electrode


def _own(number: int) -> np.ndarray:
    """What only electrode ``number`` carries: a sine of its own frequency (µV)."""
    return 10 * np.sin(2 * np.pi * (1 + number) * EEG_TIME)


@pytest.fixture
def eeg_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path) -> WaveformViewer:
    channels = {name: COMMON + _own(k) for k, name in enumerate(ELECTRODES)}
    header = write_record(tmp_path / "eeg", "eeg", channels, rate=EEG_RATE, unit="uV")
    return _open(qtbot, viewer_workspace, header)


def test_the_double_banana_draws_electrode_differences_from_the_window(eeg_viewer) -> None:
    viewer = eeg_viewer
    view = viewer.view
    assert viewer.montage_box.isVisibleTo(viewer)
    assert [viewer.montage_box.itemText(i) for i in range(viewer.montage_box.count())] == [
        "Referential",
        "Bipolar longitudinal (double banana)",
    ]
    viewer.montage_box.setCurrentIndex(1)
    assert len(view.shown) == 18
    assert view.names[:3] == ["Fp1-F7 (uV)", "F7-T7 (uV)", "T7-P7 (uV)"]
    assert [a.text() for a in viewer.channel_actions][:2] == ["Fp1-F7", "F7-T7"]
    assert not viewer.one_channel.isEnabled()
    fp1, f7 = ELECTRODES.index("Fp1"), ELECTRODES.index("F7")
    expected = _own(fp1) - _own(f7)  # the common 10 Hz wave cancels
    view.set_span(5.0, 2.0)  # 512 samples on ~1200 columns: the samples are drawn
    drawn = np.asarray(view.display_samples(0, 5 * EEG_RATE, 7 * EEG_RATE))
    assert np.max(np.abs(drawn - expected[5 * EEG_RATE : 7 * EEG_RATE])) < 0.05
    # Zoomed out, the envelope of every derived channel at once, through the same path.
    count = view.pyramid.sample_count
    mins, maxs = view.pyramid.envelopes(0, count, 100)
    assert mins.shape == (18, 100)
    assert maxs[0].max() == pytest.approx(expected.max(), abs=0.05)
    view.set_span(0.0, 20.0)
    image = view.grab().toImage()  # drawn, zoomed out and in, without an error
    assert not image.isNull()
    viewer.montage_box.setCurrentIndex(0)
    assert view.names[0] == "Fp1 (uV)" and len(view.shown) == len(ELECTRODES)
    assert viewer.one_channel.isEnabled()


def test_filters_and_gain_apply_to_derived_channels(eeg_viewer) -> None:
    viewer = eeg_viewer
    view = viewer.view
    viewer.montage_box.setCurrentIndex(1)
    view.set_span(5.0, 2.0)
    viewer.filter_actions[("highpass", 5.0)].trigger()
    drawn = np.asarray(view.display_samples(0, 5 * EEG_RATE, 7 * EEG_RATE))
    # Fp1-F7 = a 1 Hz minus an 11 Hz sine: the high-pass keeps mostly the 11 Hz one.
    f7 = ELECTRODES.index("F7")
    eleven = -_own(f7)[5 * EEG_RATE : 7 * EEG_RATE]
    assert np.max(np.abs(drawn - eleven)) < 3.0
    _wheel(view, view.band(2).center(), 1, Qt.KeyboardModifier.ControlModifier)
    assert view.gains[2] == pytest.approx(1.25) and view.names[2].endswith("×1.25")


TWELVE = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


@pytest.fixture
def twelve_lead_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path) -> WaveformViewer:
    flat = np.zeros(round(SECONDS * RATE))
    channels = {lead: beat_train(SECONDS) if lead == "II" else flat for lead in TWELVE}
    return _open(qtbot, viewer_workspace, write_record(tmp_path / "ecg", "twelve", channels))


def _ink_above_middle(image, cell, margin: int = 70) -> int:
    """Dark pixels in the upper third of a cell (its name, at the left, left out)."""
    rect = cell.rect.toRect()
    count = 0
    for y in range(rect.top() + 2, rect.top() + rect.height() // 3):
        for x in range(rect.left() + margin, rect.right() - 2, 2):
            color = image.pixelColor(x, y)
            count += max(color.red(), color.green(), color.blue()) < 90
    return count


def test_the_3x4_layout_puts_each_lead_in_its_quarter_with_a_rhythm_strip(
    twelve_lead_viewer,
) -> None:
    viewer = twelve_lead_viewer
    view = viewer.view
    assert viewer.layout_box.isVisibleTo(viewer)
    assert view.twelve == list(range(12))
    viewer.paper_box.setChecked(False)
    view.set_span(0.0, SECONDS)
    viewer.layout_box.setCurrentText("3×4 + rhythm")
    assert view.ecg_layout == "3×4 + rhythm"
    assert not viewer.one_channel.isEnabled() and not viewer.channel_button.isEnabled()
    laid_out = view.layout_cells()
    assert [TWELVE[c.channel] for c in laid_out] == [*TWELVE, "II"]
    assert [c.start_s for c in laid_out[:12:3]] == [0.0, 2.5, 5.0, 7.5]
    rhythm = laid_out[-1]
    assert (rhythm.start_s, rhythm.duration_s) == (0.0, SECONDS)
    assert rhythm.rect.width() == view.width()
    image = view.grab().toImage()
    ink = {
        (TWELVE[c.channel], c.start_s, c.duration_s): _ink_above_middle(image, c) for c in laid_out
    }
    assert ink[("II", 0.0, 2.5)] > 0  # its R waves rise into the upper third
    assert ink[("II", 0.0, SECONDS)] > ink[("II", 0.0, 2.5)]  # ten beats on the strip
    assert ink[("I", 0.0, 2.5)] == ink[("aVL", 2.5, 2.5)] == ink[("V6", 7.5, 2.5)] == 0


def test_the_6x2_and_12x1_layouts_and_back_to_stacked(twelve_lead_viewer) -> None:
    viewer = twelve_lead_viewer
    view = viewer.view
    view.set_span(0.0, SECONDS)
    viewer.set_ecg_layout("6×2")
    laid_out = view.layout_cells()
    assert len(laid_out) == 12 and [c.start_s for c in laid_out[::6]] == [0.0, 5.0]
    assert [TWELVE[c.channel] for c in laid_out[6:]] == TWELVE[6:]
    viewer.set_ecg_layout("12×1")
    assert all(c.duration_s == SECONDS for c in view.layout_cells())
    assert not view.grab().toImage().isNull()
    viewer.set_ecg_layout("Stacked")
    assert view.ecg_layout == "" and view.layout_cells() == []
    assert viewer.one_channel.isEnabled()


def test_the_layout_choice_is_hidden_without_twelve_leads(hum_viewer) -> None:
    assert hum_viewer.view.twelve is None
    assert not hum_viewer.layout_box.isVisibleTo(hum_viewer)
