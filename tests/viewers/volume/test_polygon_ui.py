"""The polygon tool driven through the volume viewer's widgets on a real profile: clicks
outline it, a double-click or Enter closes it, Escape drops it, a vertex is dragged; each
placement, move and deletion is one undo step, stored at once, with its area in mm² and the
statistics of the voxels inside in the measurements list, on a volume's slice and on a
single 2D image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag, move, press, release, rendered
from tests.viewers.volume.test_measurements_ui import (
    LESION,
    _choose,
    _drawn,
    _list_rows,
    _markups,
    _stored,
)
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.reslice import View
from viewers.volume.slice_view import SliceView
from viewers.volume.volume_viewer import VolumeViewer
from workspace.annotations import Annotation
from workspace.export.item_export import export_item
from workspace.workspace import Workspace

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=12, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _click(qtbot, view: SliceView, voxel: tuple[int, int, int]) -> None:
    """A click on the centre of ``voxel``'s pixel (sub-pixel widget position)."""
    press(view, LEFT, view.point_of(voxel))
    release(view, LEFT, view.point_of(voxel))


def _double_click(qtbot, view: SliceView, voxel: tuple[int, int, int]) -> None:
    """A double-click as the window system delivers it: press, release, double-click, release."""
    _click(qtbot, view, voxel)
    point = view.point_of(voxel)
    glob = QPointF(view.mapToGlobal(point.toPoint()))
    nothing = Qt.KeyboardModifier.NoModifier
    double = QMouseEvent(QEvent.Type.MouseButtonDblClick, point, glob, LEFT, LEFT, nothing)
    QApplication.sendEvent(view, double)
    release(view, LEFT, point)


def _square(k: int, low: int, high: int) -> list[tuple[int, int, int]]:
    return [(k, low, low), (k, low, high), (k, high, high), (k, high, low)]


def _kji(corners: list[tuple[int, int, int]]):
    return [pytest.approx([float(v) for v in p], abs=1e-6) for p in corners]


def _outline(qtbot, view: SliceView, corners: list[tuple[int, int, int]]) -> None:
    for corner in corners[:-1]:
        _click(qtbot, view, corner)
    _double_click(qtbot, view, corners[-1])


def test_clicks_outline_a_polygon_closed_by_a_double_click(qtbot, ct_viewer) -> None:
    viewer: VolumeViewer = ct_viewer
    viewer.set_active_label(viewer.schema.class_named("lesion"))
    _choose(qtbot, viewer, "polygon")
    axial = viewer.views[View.AXIAL]
    k = axial.index
    _outline(qtbot, axial, _square(k, 10, 30))
    assert viewer.grid.maximised is None  # the double-click closed the outline, no maximise
    (placed,) = _stored(viewer, "polygon")  # saved at once, outline and area
    assert placed.label == "lesion"
    assert placed.data["points_kji"] == _kji(_square(k, 10, 30))
    si, sj, _sk = viewer.volume.geometry.spacing
    assert placed.data["area_mm2"] == pytest.approx(20 * si * 20 * sj)
    # the values inside follow from a worker, stored without an undo step of their own
    polygon = _with_values(qtbot, viewer)
    assert polygon.id == placed.id and polygon.data["area_mm2"] == placed.data["area_mm2"]
    inside = np.asarray(viewer.volume.voxels[k, 10:31, 10:31], dtype=np.float64)
    values = polygon.data["values"]
    assert values["count"] == inside.size
    assert values["mean"] == pytest.approx(inside.mean())
    assert (values["min"], values["max"]) == (inside.min(), inside.max())
    assert [a.id for a in _stored(viewer, "polygon")] == [polygon.id]  # saved at once
    assert viewer.command_stack.undo_text == "add lesion"
    ((kind, label, text),) = _list_rows(viewer)
    assert (kind, label) == ("Polygon", "lesion")
    assert text.startswith(f"{polygon.data['area_mm2']:.1f} mm², mean {inside.mean():.1f}")
    # drawn in the lesion's colour in its slice, not in the next one
    edge = axial.point_of((k, 10, 20)).toPoint()  # on the top edge
    assert _drawn(rendered(axial), edge, LESION)
    axial.set_index(k + 1)
    assert not _drawn(rendered(axial), edge, LESION, 60)
    axial.set_index(k)
    viewer.command_stack.undo()
    assert _markups(viewer, "polygon") == [] and _stored(viewer, "polygon") == []
    assert _list_rows(viewer) == []
    viewer.command_stack.redo()  # with its values: the one step holds them
    assert [a.data for a in _stored(viewer, "polygon")] == [polygon.data]
    assert not viewer.measuring.values.busy


def _with_values(qtbot, viewer: VolumeViewer, count: int = 1) -> Annotation:
    """The stored polygon (the last of ``count``) once its values were read and saved."""
    qtbot.waitUntil(
        lambda: (
            len(stored := _stored(viewer, "polygon")) == count
            and stored[-1].data.get("values") is not None
        )
    )
    return _stored(viewer, "polygon")[-1]


def test_enter_closes_escape_drops_and_backspace_takes_a_point_back(qtbot, ct_viewer) -> None:
    viewer: VolumeViewer = ct_viewer
    _choose(qtbot, viewer, "polygon")
    axial = viewer.views[View.AXIAL]
    k = axial.index
    for corner in _square(k, 5, 15):
        _click(qtbot, axial, corner)
    assert viewer.measuring.layer.outline is not None  # drawn while outlining
    qtbot.mouseMove(axial, axial.point_of((k, 20, 25)).toPoint())  # it follows the mouse
    view, drawn = viewer.measuring.layer.outline
    assert view is axial and len(drawn) == 5
    assert drawn[-1] == pytest.approx((k, 20, 25), abs=0.5)
    qtbot.keyClick(axial, Qt.Key.Key_Escape)
    assert viewer.measuring.layer.outline is None and _markups(viewer, "polygon") == []
    assert viewer.tools.tool == "polygon"  # Esc dropped the outline, not the tool
    for corner in [*_square(k, 5, 15), (k, 40, 40)]:
        _click(qtbot, axial, corner)
    qtbot.keyClick(axial, Qt.Key.Key_Backspace)  # the stray last point
    qtbot.keyClick(axial, Qt.Key.Key_Return)
    (polygon,) = _markups(viewer, "polygon")
    assert polygon.data["points_kji"] == _kji(_square(k, 5, 15))
    assert polygon.label is None
    # two points and Enter: nothing placed, said why
    _click(qtbot, axial, (k, 20, 20))
    _click(qtbot, axial, (k, 20, 30))
    qtbot.keyClick(axial, Qt.Key.Key_Return)
    assert len(_markups(viewer, "polygon")) == 1
    assert "three points" in viewer.tools.message.text()  # type: ignore[attr-defined]


def test_a_vertex_is_dragged_as_one_undo_step_and_deleted(qtbot, ct_viewer) -> None:
    viewer: VolumeViewer = ct_viewer
    _choose(qtbot, viewer, "polygon")
    axial = viewer.views[View.AXIAL]
    k = axial.index
    _outline(qtbot, axial, _square(k, 10, 20))
    polygon = _with_values(qtbot, viewer)
    area = polygon.data["area_mm2"]
    press(axial, LEFT, axial.point_of((k, 20, 20)))
    move(axial, LEFT, axial.point_of((k, 25, 25)))  # the moved polygon is drawn meanwhile
    (draft,) = [a for a in viewer.measuring.layer.shown() if a.kind == "polygon"]
    assert draft.id == polygon.id and draft.data["points_kji"][2] == _kji([(k, 25, 25)])[0]
    assert _stored(viewer, "polygon")[0].data == polygon.data  # nothing stored yet
    release(axial, LEFT, axial.point_of((k, 30, 30)))
    (moved,) = _stored(viewer, "polygon")
    assert moved.id == polygon.id
    assert moved.data["points_kji"][2] == _kji([(k, 30, 30)])[0]
    assert moved.data["area_mm2"] > area
    assert "values" not in moved.data  # the old outline's values are not kept
    moved = _with_values(qtbot, viewer)
    assert moved.data["values"]["count"] > polygon.data["values"]["count"]
    assert viewer.command_stack.undo_text == "edit polygon"
    viewer.command_stack.undo()  # one step: the outline and its values
    assert _markups(viewer, "polygon")[0].data["points_kji"][2] == _kji([(k, 20, 20)])[0]
    assert _stored(viewer, "polygon")[0].data == polygon.data
    viewer.command_stack.redo()
    assert _stored(viewer, "polygon")[0].data == moved.data
    panel = viewer.measuring.panel
    panel.tree.setCurrentItem(panel.row_of(polygon.id))
    panel.label.setCurrentIndex(panel.label.findData("liver"))  # relabel: one more step
    panel.label.activated.emit(panel.label.currentIndex())
    (relabelled,) = _stored(viewer, "polygon")
    assert relabelled.label == "liver"
    assert relabelled.data["points_kji"] == moved.data["points_kji"]
    assert relabelled.data["values"] == moved.data["values"]
    qtbot.mouseClick(panel.delete_button, LEFT)
    assert _stored(viewer, "polygon") == []
    viewer.command_stack.undo()
    assert [a.id for a in _stored(viewer, "polygon")] == [polygon.id]


@pytest.mark.filterwarnings("ignore:The string .* person name:UserWarning")  # the user "tester"
def test_a_polygon_on_a_single_2d_image(qtbot, viewer_workspace: Workspace, tmp_path) -> None:
    import highdicom as hd

    item_id = import_phantom(
        viewer_workspace, tmp_path / "one", slices=1, rows=40, cols=48, segmented=False
    )
    viewer = _open(qtbot, viewer_workspace, item_id)
    try:
        assert viewer.volume.voxels.shape == (1, 40, 48)
        axial = viewer.views[View.AXIAL]
        assert viewer.grid.maximised is axial  # the one real view, large
        _choose(qtbot, viewer, "polygon")
        corners = [(0, 4, 4), (0, 4, 30), (0, 30, 17)]
        _outline(qtbot, axial, corners)
        polygon = _with_values(qtbot, viewer)
        si, sj, _sk = viewer.volume.geometry.spacing
        assert polygon.data["area_mm2"] == pytest.approx(0.5 * 26 * si * 26 * sj)
        assert polygon.data["values"]["count"] > 0
        assert viewer.grid.maximised is axial  # still large after the double-click
        # a click back on the first vertex closes an outline too
        for corner in [(0, 32, 5), (0, 32, 20), (0, 38, 12), (0, 32, 5)]:
            _click(qtbot, axial, corner)
        _with_values(qtbot, viewer, 2)
        assert len(_stored(viewer, "polygon")[1].data["points_kji"]) == 3
        # the box tool on a 2D image draws a rectangle on it (its one slice)
        _choose(qtbot, viewer, "box3d")
        drag(axial, LEFT, [axial.point_of((0, 6, 30)), axial.point_of((0, 20, 44))])
        (box,) = _stored(viewer, "box3d")
        assert (box.data["min_kji"], box.data["max_kji"]) == ([0, 6, 30], [0, 20, 44])
        # the SR has them as regions on the image
        (sr,) = export_item(viewer_workspace, item_id, "sr", tmp_path / "sr.dcm")
        groups = hd.sr.srread(sr).content.get_planar_roi_measurement_groups()
        assert [g.tracking_identifier.split(":")[0] for g in groups] == [
            "polygon 1",
            "polygon 2",
            "box 1",
        ]
        assert np.allclose(groups[2].roi.value[0], (29.5 + 0.5, 5.5 + 0.5))
    finally:
        viewer.shutdown()
