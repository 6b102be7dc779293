"""An audio item in a real profile, and the viewer opened on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.audio.signals import tone, write
from viewers.audio.audio_viewer import AudioViewer
from workspace.workspace import Workspace

RATE = 16000


@pytest.fixture
def open_viewer(
    viewer_workspace: Workspace, tmp_path: Path, qtbot
) -> Iterator[Callable[..., AudioViewer]]:
    """Import ``samples`` (at ``rate`` Hz) as a WAV and open the audio viewer on it (loaded)."""
    opened: list[AudioViewer] = []

    def make(
        samples: np.ndarray | None = None, name: str = "visit.wav", rate: int = RATE
    ) -> AudioViewer:
        if samples is None:
            samples = tone(4.0, rate, hz=1000.0)
        path = write(tmp_path / name, samples, rate)
        (item,) = viewer_workspace.import_paths([path])
        viewer = AudioViewer(viewer_workspace, item)
        qtbot.addWidget(viewer)
        viewer.resize(1200, 700)
        viewer.show()
        assert viewer.wait_loaded()
        # The panes are built when the recording is decoded: wait for Qt to lay them out, so
        # widths, ticks and pixels are read from the final layout (not a 100 px first pass).
        qtbot.waitUntil(
            lambda: (
                viewer.waveform.width() > 200
                and viewer.timeline.axis.width() == viewer.waveform.width()
            )
        )
        opened.append(viewer)
        return viewer

    yield make
    for viewer in opened:
        viewer.shutdown()
