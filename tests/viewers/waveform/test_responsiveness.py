"""A 1-hour 12-lead 500 Hz record with a beat at every R wave scrolls and zooms without
stalling the GUI: a 20 ms heartbeat never waits more than 100 ms."""

from __future__ import annotations

import pytest

from tests.viewers.waveform.responsiveness import beat_marks, longest_stall_ms, synthetic_record
from viewers.waveform.signal_view import SignalView

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh


def test_an_hour_of_twelve_leads_stays_smooth(qtbot) -> None:
    record = synthetic_record(hours=1.0)
    view = SignalView(record, {"N": "#2ca02c"}, ["n"])
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitExposed(view)
    view.set_marks(beat_marks(record))
    view.fit_paper_speed()
    stall, slowest = longest_stall_ms(view, steps=120)
    assert view.span()[1] > 0
    assert stall < 100, (stall, slowest)
