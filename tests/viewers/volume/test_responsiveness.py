"""The window keeps turning while volume work runs: a 20 ms heartbeat on the GUI thread.

A background job (here the segment count of a 512×512×300 label map) never stalls the event
loop. Opening a volume of that size still does, in three places outside the job mechanism
(measured on Xvfb with software OpenGL, 2 shared cores): the encrypted store zero-fills the
157 MB voxel buffer while holding the GIL (``storage.blobs._read_chunks``: 0.2-0.3 s), VTK
creates the 3D view's OpenGL context on the GUI thread (0.4-0.6 s, plus about 1.3 s of VTK
imports the first time), and the first paint of the views (~0.15 s). That test is a strict
xfail until they are fixed, so it starts failing the day they are.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from viewers.base import viewer_class_for
from viewers.volume.volume_viewer import VolumeViewer
from workspace.workspace import Workspace

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

BEAT_MS = 20
MAX_STALL_S = 0.100
SHAPE = (300, 512, 512)  # slices, rows, columns: a CT series' size


class Heartbeat:
    """A 20 ms timer on the GUI thread recording when it fired."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def start(self) -> None:
        self.beats = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.beats.append(time.perf_counter())

    def longest_stall(self) -> float:
        return float(np.diff(self.beats).max())


def _synthetic_ct(path: Path) -> Path:
    import SimpleITK as sitk  # noqa: N813

    rng = np.random.default_rng(7)
    voxels = rng.integers(-1000, 1500, size=SHAPE, dtype=np.int16)
    image = sitk.GetImageFromArray(voxels)
    image.SetSpacing((0.7, 0.7, 1.0))
    sitk.WriteImage(image, str(path))
    return path


@pytest.fixture(scope="module")
def big_nifti(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _synthetic_ct(tmp_path_factory.mktemp("big") / "ct.nii")


def test_a_heavy_viewer_job_never_stalls_the_event_loop(qtbot) -> None:
    from viewers.job_strip import JobStrip
    from viewers.jobs import JobGroup
    from viewers.volume.loader import label_counts

    labels = np.zeros(SHAPE, dtype=np.uint8)
    labels[50:250, 100:400, 100:400] = 1
    labels[100:120, 200:220, 200:220] = 2
    strip = JobStrip()
    qtbot.addWidget(strip)
    group = JobGroup()
    heartbeat = Heartbeat()
    heartbeat.start()
    job = group.start("Measuring the segments", lambda _context: label_counts(labels))
    strip.watch(job)
    assert strip.isVisible() and strip.cancel_button.isVisible()
    with qtbot.waitSignal(job.succeeded, timeout=60_000) as done:
        pass
    heartbeat.stop()
    assert done.args[0] == {0: labels.size - 200 * 300 * 300, 1: 200 * 300 * 300 - 8000, 2: 8000}
    assert not strip.isVisible()
    assert heartbeat.longest_stall() < MAX_STALL_S, np.sort(np.diff(heartbeat.beats))[-5:]


@pytest.mark.slow
@pytest.mark.xfail(
    raises=AssertionError,
    reason="store buffer zero-fill, OpenGL set-up, first paint: see docstring",
)
def test_opening_a_512x512x300_volume_never_stalls_the_event_loop(
    qtbot, viewer_workspace: Workspace, big_nifti: Path
) -> None:
    (item,) = viewer_workspace.import_paths([big_nifti])
    heartbeat = Heartbeat()
    heartbeat.start()
    viewer = viewer_class_for("volume")(viewer_workspace, item)
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    try:
        qtbot.waitUntil(lambda: viewer.loaded is not None, timeout=120_000)
        settled = len(heartbeat.beats) + 10  # and the first frames after it
        qtbot.waitUntil(lambda: len(heartbeat.beats) >= settled, timeout=10_000)
        heartbeat.stop()
        assert viewer.volume.voxels.shape == SHAPE
        assert heartbeat.longest_stall() < MAX_STALL_S, np.sort(np.diff(heartbeat.beats))[-5:]
    finally:
        viewer.shutdown()
