"""Single polygon vertices put in and taken out with the mouse and keys, as in 3D Slicer and
ITK-SNAP: a double-click or Ctrl+click on an edge puts a vertex there, Delete or Backspace takes
out the vertex under the mouse (or the one last clicked), never below three; a right click on
a vertex or an edge offers the same. Each is one undo step, saved at once, whose area and
values inside follow the new outline."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag, move, press, release
from tests.viewers.volume.test_measurements_ui import _choose, _stored
from tests.viewers.volume.test_polygon_ui import (
    LEFT,
    _double_click,
    _kji,
    _outline,
    _square,
    _with_values,
)
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace.annotations import Annotation
from workspace.workspace import Workspace


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=12, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _hover(view, voxel) -> None:
    """The mouse moved over ``voxel`` with no button held (delivered at once)."""
    move(view, Qt.MouseButton.NoButton, view.point_of(voxel))


def _points(viewer: VolumeViewer) -> list[list[float]]:
    (polygon,) = _stored(viewer, "polygon")
    return polygon.data["points_kji"]


def _after_edit(qtbot, viewer: VolumeViewer, points) -> Annotation:
    """The stored polygon, once it has outline ``points`` and the values inside them."""
    qtbot.waitUntil(
        lambda: _points(viewer) == points and "values" in _stored(viewer, "polygon")[0].data
    )
    assert viewer.command_stack.undo_text == "edit polygon"
    return _stored(viewer, "polygon")[0]


def test_vertices_are_put_on_edges_and_taken_out_one_undo_step_each(qtbot, ct_viewer) -> None:
    viewer: VolumeViewer = ct_viewer
    _choose(qtbot, viewer, "polygon")
    axial = viewer.views[View.AXIAL]
    k = axial.index
    _outline(qtbot, axial, _square(k, 10, 30))  # (10,10) (10,30) (30,30) (30,10)
    square = _with_values(qtbot, viewer)
    steps = len(viewer.command_stack._undo)

    # a double-click on the top edge puts a vertex there: same area, one more point
    _double_click(qtbot, axial, (k, 10, 20))
    five = _after_edit(
        qtbot, viewer, _kji([(k, 10, 10), (k, 10, 20), (k, 10, 30), *_square(k, 10, 30)[2:]])
    )
    assert five.data["area_mm2"] == pytest.approx(square.data["area_mm2"])
    assert viewer.measuring.control._outline is None  # no outline was begun
    assert viewer.grid.maximised is None  # nor the view maximised
    # dragged out, the new vertex makes the area larger
    drag(axial, LEFT, [axial.point_of((k, 10, 20)), axial.point_of((k, 4, 20))])
    peaked = _after_edit(qtbot, viewer, _kji([(k, 10, 10), (k, 4, 20), *_square(k, 10, 30)[1:]]))
    assert peaked.data["area_mm2"] > square.data["area_mm2"]
    assert peaked.data["values"]["count"] > square.data["values"]["count"]

    # Ctrl+click on the right-hand edge puts one there too
    ctrl = Qt.KeyboardModifier.ControlModifier
    drag(axial, LEFT, [axial.point_of((k, 20, 30))], modifiers=ctrl)
    six = _after_edit(
        qtbot,
        viewer,
        [*peaked.data["points_kji"][:3], *_kji([(k, 20, 30)]), *peaked.data["points_kji"][3:]],
    )
    assert len(six.data["points_kji"]) == 6

    # Delete with the mouse over a vertex takes it out: the peak goes, the area shrinks
    _hover(axial, (k, 4, 20))
    assert viewer.measuring.layer.vertex == (six.id, 1)  # ringed
    qtbot.keyClick(axial, Qt.Key.Key_Delete)
    without_peak = [p for n, p in enumerate(six.data["points_kji"]) if n != 1]
    five_again = _after_edit(qtbot, viewer, without_peak)
    assert five_again.data["area_mm2"] == pytest.approx(square.data["area_mm2"])
    assert five_again.data["values"] == square.data["values"]
    assert len(viewer.command_stack._undo) == steps + 4  # insert, drag, insert, delete

    # undo brings the vertex back with the values inside it; redo takes it out again
    viewer.command_stack.undo()
    assert _stored(viewer, "polygon")[0].data == six.data
    viewer.command_stack.redo()
    assert _stored(viewer, "polygon")[0].data == five_again.data

    # a vertex clicked (not dragged) is taken out by Backspace, the mouse elsewhere
    press(axial, LEFT, axial.point_of((k, 20, 30)))
    release(axial, LEFT, axial.point_of((k, 20, 30)))
    _hover(axial, (k, 40, 40))
    qtbot.keyClick(axial, Qt.Key.Key_Backspace)
    four = [p for p in five_again.data["points_kji"] if p != _kji([(k, 20, 30)])[0]]
    _after_edit(qtbot, viewer, four)
    assert viewer.measuring.control._outline is None  # no outline was begun by the click

    # never below three points
    for corner in [(k, 10, 10), (k, 30, 30)]:
        _hover(axial, corner)
        qtbot.keyClick(axial, Qt.Key.Key_Delete)
    assert len(_points(viewer)) == 3
    assert "at least 3 points" in viewer.tools.message.text()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "values" in _stored(viewer, "polygon")[0].data)
    assert not viewer.measuring.values.busy


def test_a_right_click_on_a_vertex_or_an_edge_offers_to_delete_or_add_a_point(
    qtbot, ct_viewer
) -> None:
    viewer: VolumeViewer = ct_viewer
    _choose(qtbot, viewer, "polygon")
    axial = viewer.views[View.AXIAL]
    k = axial.index
    _outline(qtbot, axial, _square(k, 10, 30))
    _with_values(qtbot, viewer)
    right = Qt.MouseButton.RightButton

    def right_click(voxel) -> list[str]:
        viewer.measuring.control.menu = None
        press(axial, right, axial.point_of(voxel))
        release(axial, right, axial.point_of(voxel))
        menu = viewer.measuring.control.menu
        return [] if menu is None else [a.text() for a in menu.actions()]

    assert right_click((k, 20, 10)) == ["Add point here"]  # the left-hand edge
    viewer.measuring.control.menu.actions()[0].trigger()
    five = _kji([*_square(k, 10, 30), (k, 20, 10)])
    _after_edit(qtbot, viewer, five)
    assert right_click((k, 30, 30)) == ["Delete point"]
    viewer.measuring.control.menu.actions()[0].trigger()
    _after_edit(qtbot, viewer, [*five[:2], *five[3:]])  # (k, 30, 30) taken out
    assert right_click((k, 40, 40)) == []  # nothing there: no menu
    drag(axial, right, [axial.point_of((k, 40, 40)), axial.point_of((k, 20, 40))])
    assert viewer.measuring.control.menu is None  # a right drag zooms, no menu
    assert len(_points(viewer)) == 4
