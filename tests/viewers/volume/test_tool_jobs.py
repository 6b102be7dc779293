"""Whole-volume tools run as background jobs in the real viewer: the window keeps turning (a
20 ms heartbeat, no stall over 100 ms), the result is the synchronous tool's, Cancel changes
nothing, and no other edit runs meanwhile.

The volume (512×512×256, a CT of ellipsoids) is handed to the viewer in memory, its
segmentation stored before the heartbeat starts; threshold, region grow and islands take about
a second each here. The 3D view is left out: with software OpenGL (Xvfb, llvmpipe) rendering
the surface of a large speckled segment takes 100-700 ms on the GUI thread whenever the window
repaints, whatever runs; that is the 3D view's cost, not the tools'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tests.bench.bench_seg_tools import synthetic_ct
from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.test_responsiveness import MAX_STALL_S, Heartbeat
from viewers.volume.loader import Loaded, label_counts
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.registry import create_tool
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment, Volume
from workspace.workspace import Workspace

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

DEPTH = 256
LIVER, SPLEEN = 1, 2
LIVER_SEED = (DEPTH // 2, int(0.45 * 512), int(0.35 * 512))


@pytest.fixture(scope="module")
def ct() -> npt.NDArray[np.int16]:
    voxels = synthetic_ct(DEPTH)
    voxels.flags.writeable = False
    return voxels


def _labels(voxels: npt.NDArray[np.int16], tool_id: str) -> npt.NDArray[np.uint8]:
    """The segmentation each tool starts from."""
    labels = np.zeros(voxels.shape, dtype=np.uint8)
    if tool_id == "smoothing":
        labels[voxels > 30] = LIVER  # organs and bone
    elif tool_id == "islands":
        labels[voxels > 12] = LIVER  # organs and bone, and speckles of noise in soft tissue
    elif tool_id == "fill_between":
        k, j, i = LIVER_SEED
        for index in (k - 60, k + 60):
            labels[index, j - 80 : j + 80, i - 90 : i + 90] = LIVER
    return labels


@pytest.fixture
def open_viewer(
    qtbot, monkeypatch, viewer_workspace: Workspace, tmp_path, ct
) -> Iterator[Callable[[str], VolumeViewer]]:
    def no_gl(*args: object, **kwargs: object) -> None:
        raise RuntimeError("3D view left out")

    monkeypatch.setattr("viewers.volume.surface_view.SurfaceView", no_gl)
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=4, rows=8, cols=8)
    item = viewer_workspace.item(item_id)
    opened: list[VolumeViewer] = []

    def make(tool_id: str, stored: bool = True) -> VolumeViewer:
        geometry = VolumeGeometry(ct.shape, (0.7, 0.7, 1.0))
        labels = _labels(ct, tool_id)
        segments = [Segment(LIVER, "liver", "#dd8265"), Segment(SPLEEN, "spleen", "#9d6ca2")]
        label_map = LabelMap(labels, geometry, segments) if stored else None
        loaded = Loaded(Volume(ct, geometry), label_map, label_counts(labels))
        viewer = VolumeViewer(viewer_workspace, item, preloaded=loaded)
        qtbot.addWidget(viewer)
        viewer.resize(900, 700)
        viewer.show()
        qtbot.waitExposed(viewer)
        assert viewer.editing is not None
        if stored:
            viewer.editing.ensure_stored()  # the first edit of a new one is timed on its own
        viewer.select_segment(LIVER)
        opened.append(viewer)
        return viewer

    yield make
    for viewer in opened:
        viewer.shutdown()


def _choose(viewer: VolumeViewer, tool_id: str) -> None:
    viewer.tools.set_tool(tool_id)
    if tool_id == "threshold":
        page: Any = viewer.tools.page("threshold")
        page.low.setValue(-100.0)
        page.high.setValue(300.0)
    elif tool_id == "region_grow":
        page = viewer.tools.page("region_grow")
        page.low.setValue(40.0)  # the liver
        page.high.setValue(100.0)
    elif tool_id == "smoothing":
        page = viewer.tools.page("smoothing")
        page.method.setCurrentIndex(page.method.findData("opening"))


def _synchronous(viewer: VolumeViewer, tool_id: str, at: Pointer | None) -> npt.NDArray[Any]:
    """The labels the workspace tool gives when run directly, on a copy."""
    document = viewer.document
    assert document is not None
    copy = SegmentationDocument(
        "copy", LabelMap(document.labels.copy(), document.geometry, list(document.segments))
    )
    tool = create_tool(tool_id)
    tool.options = viewer.tool_control.make_tool(tool_id).options
    tool.activate(ToolContext(copy, viewer.volume, segment=LIVER))
    command = tool.apply(at)
    assert command is not None
    command.do()
    return copy.labels


def _start(viewer: VolumeViewer, tool_id: str) -> Pointer | None:
    """Apply the chosen tool as a user does: a click for region grow, else Apply."""
    if tool_id == "region_grow":
        axial = viewer.views[View.AXIAL]
        viewer.tool_control.click(axial, LIVER_SEED)
        return Pointer(LIVER_SEED, axial.frame.fixed_axis)
    viewer.tool_control.apply(tool_id)
    return None


@pytest.mark.parametrize(
    "tool_id", ["threshold", "region_grow", "islands", "smoothing", "fill_between"]
)
def test_a_heavy_tool_never_stalls_the_window_and_gives_the_synchronous_result(
    qtbot, open_viewer, tool_id: str
) -> None:
    viewer = open_viewer(tool_id)
    _choose(viewer, tool_id)
    at = Pointer(LIVER_SEED, 0) if tool_id == "region_grow" else None
    expected = _synchronous(viewer, tool_id, at)
    stack = viewer.command_stack
    heartbeat = Heartbeat()
    heartbeat.start()
    _start(viewer, tool_id)
    assert viewer.tool_control.busy and viewer.strip.isVisible()
    assert viewer.strip.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not viewer.tool_control.busy, timeout=120_000)
    settled = len(heartbeat.beats) + 5  # and the repaint after the push
    qtbot.waitUntil(lambda: len(heartbeat.beats) >= settled, timeout=10_000)
    heartbeat.stop()
    assert np.array_equal(viewer.document.labels, expected)
    assert stack is not None and stack.can_undo
    assert "applied to liver" in viewer.tools.message.text()
    assert heartbeat.longest_stall() < MAX_STALL_S, np.sort(np.diff(heartbeat.beats))[-5:]


def test_cancel_leaves_the_labels_and_the_undo_history_as_they_were(qtbot, open_viewer) -> None:
    viewer = open_viewer("threshold")
    _choose(viewer, "threshold")
    before = viewer.document.labels.copy()
    stack = viewer.command_stack
    undo_text = stack.undo_text
    _start(viewer, "threshold")
    assert viewer.strip.current_job is viewer.tool_control.job
    viewer.strip.cancel_current()
    qtbot.waitUntil(lambda: not viewer.tool_control.busy, timeout=60_000)
    assert np.array_equal(viewer.document.labels, before)
    assert stack.undo_text == undo_text
    assert "cancelled" in viewer.tools.message.text()


def test_no_other_edit_runs_while_a_tool_works_and_a_changed_map_drops_its_result(
    qtbot, open_viewer
) -> None:
    viewer = open_viewer("islands")
    _choose(viewer, "islands")
    labels = viewer.document.labels
    _start(viewer, "islands")
    axial = viewer.views[View.AXIAL]
    viewer.tool_control.stroke(axial, [LIVER_SEED], erase=False)  # refused, not queued
    assert "Wait for Islands" in viewer.tools.message.text()
    before = labels.copy()
    viewer.document.mark_changed((0, 1, 0, 1, 0, 1))  # as an undo during the job would
    qtbot.waitUntil(lambda: not viewer.tool_control.busy, timeout=120_000)
    assert "changed meanwhile" in viewer.tools.message.text()
    assert np.array_equal(labels, before)


def test_the_first_stroke_of_a_new_segmentation_never_stalls_the_window(qtbot, open_viewer) -> None:
    viewer = open_viewer("paint", stored=False)
    assert not viewer.editing.stored
    viewer.tools.set_tool("paint")
    heartbeat = Heartbeat()
    heartbeat.start()
    viewer.tool_control.stroke(viewer.views[View.AXIAL], [LIVER_SEED], erase=False)
    assert viewer.tool_control.busy and viewer.strip.isVisible()
    qtbot.waitUntil(lambda: not viewer.tool_control.busy, timeout=60_000)
    heartbeat.stop()
    assert viewer.editing.stored and viewer.document.labels[LIVER_SEED] == LIVER
    stored = viewer.workspace.load_segmentation(viewer.item.id).labels
    assert np.array_equal(stored, viewer.document.labels)  # the snapshot and the stroke
    assert heartbeat.longest_stall() < MAX_STALL_S, np.sort(np.diff(heartbeat.beats))[-5:]
