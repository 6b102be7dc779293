"""The Qt binding must not leak references to ``None`` (PySide6-Essentials 6.12.0 does).

With 6.12.0 on Python 3.11 every void-returning Qt call drops one reference to ``None``; a slice
repaint makes about 56 such calls, so after ~1,500 wheel steps the interpreter aborts with
``Fatal Python error: none_dealloc``. ``pyproject.toml`` keeps the binding below 6.12; these
tests fail on a binding that leaks, long before it would crash. Python 3.12+ makes ``None``
immortal (its count never moves), which hides the leak: the tests only mean something on 3.11.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import wheel
from viewers.base import viewer_class_for
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(
        sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+: no count to watch"
    ),
]

VOID_CALLS = 20_000
#: Other code (the garbage collector, Qt's own Python callbacks) may move the count a little
#: either way; a leaking binding moves it by one per call, thousands here.
SLACK = 200


def _none_lost_over(action, times: int) -> int:
    """How many references to ``None`` disappeared while ``action`` ran ``times`` times."""
    before = sys.getrefcount(None)
    for _ in range(times):
        action()
    return before - sys.getrefcount(None)


def test_void_widget_calls_keep_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widths = iter(range(VOID_CALLS * 2))
    assert _none_lost_over(lambda: widget.setMinimumWidth(next(widths) % 300), VOID_CALLS) < SLACK


def test_void_painter_calls_keep_none_alive(qapp: QApplication) -> None:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    line = QLineF(QPointF(0, 0), QPointF(63, 63))
    try:
        assert _none_lost_over(lambda: painter.drawLine(line), VOID_CALLS) < SLACK
        assert _none_lost_over(QApplication.processEvents, VOID_CALLS // 4) < SLACK
    finally:
        painter.end()


@pytest.mark.slow
def test_thousands_of_slice_repaints_keep_none_alive(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    """Scroll a real volume viewer's axial view up and down, repainting at every notch."""
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=40, rows=64, cols=64)
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item_id))
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.wait_loaded()
    axial = viewer.views[View.AXIAL]
    centre = QPointF(axial.width() / 2, axial.height() / 2)
    indices: list[int] = []
    notches = iter(range(10**6))

    def scroll_and_repaint() -> None:
        direction = 1 if (next(notches) // 39) % 2 == 0 else -1  # end to end and back
        wheel(axial, centre, direction)
        axial.repaint()
        indices.append(axial.index)

    try:
        lost = _none_lost_over(scroll_and_repaint, 3_000)
    finally:
        viewer.shutdown()
    assert len(set(indices)) == 40  # it really scrolled through every slice
    assert lost < SLACK, f"{lost} references to None lost over 3,000 repaints"


@pytest.mark.slow
def test_a_long_load_with_a_segmentation_survives_wait_loaded(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    """A 512x512x300 CT with a segmentation: ``wait_loaded`` spins the event loop throughout."""
    import SimpleITK as sitk  # noqa: N813

    voxels = np.full((300, 512, 512), -1000, dtype=np.int16)
    voxels[:, 128:384, 128:384] = 40
    image = sitk.GetImageFromArray(voxels)
    image.SetSpacing((0.7, 0.7, 1.25))
    sitk.WriteImage(image, str(tmp_path / "ct.nii"))
    (item,) = viewer_workspace.import_paths([tmp_path / "ct.nii"])
    geometry = viewer_workspace.load_volume(item.id).geometry
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    labels[100:200, 200:300, 200:300] = 1
    viewer_workspace.save_segmentation(
        item.id,
        LabelMap(labels, geometry, [Segment(1, "lesion", "#dd8265")]),
        source="test",
    )
    before = sys.getrefcount(None)
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item.id))
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    try:
        assert viewer.wait_loaded(120_000)
        assert viewer.volume.geometry.shape == (300, 512, 512)
        assert viewer.document is not None
        assert int((viewer.document.labels == 1).sum()) == 100 * 100 * 100
        lost = before - sys.getrefcount(None)
    finally:
        viewer.shutdown()
    assert lost < SLACK, f"{lost} references to None lost while loading"
