"""Display controls of the waveform viewer on a real profile: filters, channel gain, montages.

Records are written as WFDB files and imported through the workspace; the widgets are real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.viewers.waveform.records import COUNTS_PER_MV, RATE, import_record, write_record
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
