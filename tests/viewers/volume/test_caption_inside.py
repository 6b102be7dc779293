"""Measurement captions stay inside the view: a ruler ending at the view's edge keeps its
length readable (the caption moves in instead of being cut off)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag, rendered
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.markup_layer import caption_box
from viewers.volume.reslice import View
from workspace.workspace import Workspace

LEFT = Qt.MouseButton.LeftButton


def _bright(image, box: QRectF) -> int:
    """How many near-white pixels (caption text) lie in ``box``."""
    rect = box.toAlignedRect().intersected(image.rect())
    count = 0
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            color = image.pixelColor(x, y)
            count += min(color.red(), color.green(), color.blue()) >= 200
    return count


def _right(view) -> float:
    shown = view.image_rect()
    return float(shown.left + shown.width)


def test_a_ruler_caption_at_the_right_edge_is_drawn_inside(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=8, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    try:
        viewer.resize(600, 1000)  # tall views: the image fills their width
        viewer.maximise(View.AXIAL)
        qtbot.mouseClick(viewer.tools.buttons["ruler"], LEFT)
        axial = viewer.views[View.AXIAL]
        qtbot.waitUntil(lambda: axial.width() > 300 and _right(axial) >= axial.width() - 4)
        shown = axial.image_rect()
        y = shown.top + shown.height / 2 + 0.5
        start = QPointF(shown.left + shown.width / 2, y)
        end = QPointF(_right(axial) - 2.5, y)
        before = rendered(axial)
        drag(axial, LEFT, [start, (start + end) / 2, end])
        (ruler,) = [a for a in viewer.workspace.document(item_id).all() if a.kind == "ruler"]
        text = f"{float(ruler.data['length_mm']):.1f} mm"
        metrics = QFontMetricsF(axial.font())
        bounds = QRectF(axial.rect())
        outside = caption_box(metrics, end + QPointF(8, 4), text, QRectF(-1e6, -1e6, 2e6, 2e6))
        assert outside.right() > bounds.right()  # where it was drawn before: cut off
        inside = caption_box(metrics, end + QPointF(8, 4), text, bounds)
        assert bounds.contains(inside)
        assert inside.width() == outside.width()
        after = rendered(axial)
        # the text is drawn where the caption now is, and was not there before
        assert _bright(after, inside) >= 5 * len(text)
        assert _bright(before, inside) < _bright(after, inside) // 4
    finally:
        viewer.shutdown()
