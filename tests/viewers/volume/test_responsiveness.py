"""The window keeps turning while volume work runs: a 20 ms heartbeat on the GUI thread.

A background job (here the segment count of a 512×512×300 label map) never stalls the event
loop. Opening a volume of that size stalled it for 1.3-2.7 s; now the voxels are decrypted
into an uninitialised array on workers (no zero-fill under the GIL), VTK is imported on a
worker while they are read (``viewers.volume.vtk_warmup``), the first paint reads a
sagittal slice directly instead of building a 16-slice slab, the viewer is built in steps one
frame apart (``viewers.volume.turns``: slice views, Segments panel, Tools panel,
measurements, wiring, then the 3D view's render window, view and surfaces), and the 3D view's
OpenGL context is made by a first render on a worker thread, where VTK lets go of the GIL
(``viewers.volume.vtk_context``; under X11). Longest stall, before and after, in the same
runs (load ~3.6 on 2 cores): a later open 0.19-0.27 s → 0.05-0.07 s; the first open in a
process, which also imports VTK and makes the first render window (loading VTK's OpenGL back
end, one GIL-holding call), 0.25-0.29 s → 0.14-0.16 s, held under 0.75 s here.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtCore import QTimer

from viewers.base import viewer_class_for
from viewers.volume.volume_viewer import VolumeViewer
from workspace.workspace import Workspace

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

BEAT_MS = 20
MAX_STALL_S = 0.100
OPEN_STALL_LIMIT_S = 0.75  # opening a 512×512×300 volume (was 1.3-2.7 s)
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


def _stalls_while_opening(qtbot, workspace: Workspace, path: Path) -> npt.NDArray[np.float64]:
    """The heartbeat's gaps (sorted) from opening ``path``'s volume until it is all shown."""
    (item,) = workspace.import_paths([path])
    heartbeat = Heartbeat()
    heartbeat.start()
    viewer = viewer_class_for("volume")(workspace, item)
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    try:
        assert viewer.wait_loaded(120_000)  # the slice views, then the 3D view
        settled = len(heartbeat.beats) + 10  # and the first frames after it
        qtbot.waitUntil(lambda: len(heartbeat.beats) >= settled, timeout=10_000)
        heartbeat.stop()
        assert viewer.volume.voxels.shape == SHAPE
        assert viewer.surface_view is not None and viewer.grid.views[3] is viewer.surface_view
        return np.sort(np.diff(heartbeat.beats))
    finally:
        viewer.shutdown()


@pytest.mark.slow
def test_opening_a_512x512x300_volume_stalls_the_event_loop_far_less_than_before(
    qtbot, viewer_workspace: Workspace, big_nifti: Path
) -> None:
    """First open in the process (VTK not yet imported): 1.3-2.7 s before, see docstring."""
    stalls = _stalls_while_opening(qtbot, viewer_workspace, big_nifti)
    assert stalls[-1] < OPEN_STALL_LIMIT_S, stalls[-5:]


@pytest.mark.slow
def test_opening_a_512x512x300_volume_never_stalls_the_event_loop(
    qtbot, viewer_workspace: Workspace, big_nifti: Path
) -> None:
    """A later open: no stall over 100 ms."""
    from viewers.volume.surface_view import new_render_window
    from viewers.volume.vtk_warmup import warm_up

    warm_up().join()  # what only the first open in a process pays (the test above holds it):
    new_render_window()  # VTK's imports, and loading its OpenGL back end
    stalls = _stalls_while_opening(qtbot, viewer_workspace, big_nifti)
    assert stalls[-1] < MAX_STALL_S, stalls[-5:]
