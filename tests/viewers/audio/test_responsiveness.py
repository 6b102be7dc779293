"""Opening and zooming a 10-minute recording never stalls the GUI thread more than 100 ms:
decoding, the pyramid and the spectrogram run in jobs, and building the panes once the recording
is decoded takes ~10 ms and their first paint ~25 ms (a 20 ms heartbeat proves it).

The 150-270 ms opening stall this test once reported as an xfail was not the panes: profiled
(``gc.callbacks``), it was one full (generation 2) cyclic garbage collection, ~125 ms over the
whole heap, set off by the allocations of the set-up (generating, encoding and importing the
recording) and tipped over by the viewer's. The set-up's garbage is collected before timing, as
the waveform viewer's responsiveness test does, and the heap frozen as the application does
after start-up (:mod:`app.gc_tuning`), so a collection the opening sets off does not walk it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.gc_tuning import settle_heap
from tests.audio.signals import write
from tests.viewers.volume.qt_input import wheel
from tests.viewers.volume.test_responsiveness import MAX_STALL_S
from tests.viewers.volume.test_responsiveness import Heartbeat as _Heartbeat
from viewers.audio.audio_viewer import AudioViewer

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

RATE = 16000


class Heartbeat(_Heartbeat):
    """The volume tests' heartbeat, read part way."""

    def longest_stall_so_far(self) -> float:
        return float(np.diff([*self.beats, time.perf_counter()]).max())


MINUTES = 10


@pytest.fixture
def unfrozen_after() -> Iterator[None]:
    """Unfreeze the heap after the test (the rest of the session collects as usual)."""
    yield
    gc.unfreeze()


@pytest.mark.slow
def test_opening_and_zooming_ten_minutes_never_stalls(
    viewer_workspace, tmp_path, qtbot, unfrozen_after
) -> None:
    rng = np.random.default_rng(3)
    samples = (0.3 * rng.standard_normal((MINUTES * 60 * RATE, 1))).astype(np.float32)
    path = write(tmp_path / "long.flac", samples, RATE)
    (item,) = viewer_workspace.import_paths([path])
    window = QWidget()  # the viewer opens as a tab of a window already shown, as in the app
    layout = QVBoxLayout(window)
    layout.addWidget(QLabel("Qt's one-time costs (fonts, mapping a window) are not the viewer's"))
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    settle_heap()  # the set-up's garbage is not the opening's; the app's heap is frozen too
    heartbeat = Heartbeat()
    heartbeat.start()
    viewer = AudioViewer(viewer_workspace, item)
    layout.addWidget(viewer, 1)
    assert viewer.wait_loaded(120_000)
    opening_stall = heartbeat.longest_stall_so_far()
    heartbeat.start()
    pane = viewer.waveform
    point = QPointF(pane.width() / 2, pane.height() / 2)
    for _ in range(60):  # from the whole 10 minutes down to a few samples
        wheel(pane, point, 1)
        qtbot.wait(25)
    spectrogram = viewer.spectrogram
    qtbot.waitUntil(
        lambda: spectrogram.current() is not None and not spectrogram.busy, timeout=30_000
    )
    heartbeat.stop()
    viewer.shutdown()
    assert viewer.state is not None and viewer.state.window.duration < 0.001
    assert opening_stall < MAX_STALL_S, f"opening stalled {opening_stall * 1000:.0f} ms"
    assert heartbeat.longest_stall() < MAX_STALL_S  # zooming and spectrograms: never
