"""Landmarks, rulers, 3D boxes and the classification driven through the volume viewer's widgets
on a real profile: each placement, edit and deletion is one undo step, stored, drawn and
listed, and what is stored is what the export reads."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from tests.app.profiles import PASSPHRASE
from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag, move, press, release, rendered
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.markup_geometry import box_on_slice, centre_voxel, widget_xy
from viewers.volume.markup_layer import UNLABELLED
from viewers.volume.reslice import View
from viewers.volume.slice_view import Mode, SliceView
from viewers.volume.volume_viewer import VolumeViewer
from workspace.annotations import Annotation
from workspace.export.item_export import export_item
from workspace.workspace import Workspace

LEFT = Qt.MouseButton.LeftButton
LESION = "#f0e442"


@pytest.fixture
def item_id(viewer_workspace: Workspace, tmp_path: Path) -> str:
    return import_phantom(viewer_workspace, tmp_path / "ct", slices=24, rows=48, cols=48)


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, item_id: str):
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _choose(qtbot, viewer: VolumeViewer, tool_id: str) -> None:
    qtbot.mouseClick(viewer.tools.buttons[tool_id], LEFT)
    assert viewer.tools.tool == tool_id
    assert all(view.mode is Mode.MARKUP for view in viewer.views.values())


def _markups(viewer: VolumeViewer, kind: str) -> list[Annotation]:
    return [a for a in viewer.workspace.document(viewer.item.id).all() if a.kind == kind]


def _stored(viewer: VolumeViewer, kind: str) -> list[Annotation]:
    return [a for a in viewer.workspace.annotations(viewer.item.id) if a.kind == kind]


def _xy(view: SliceView, point) -> QPointF:
    x, y = widget_xy(view.frame, view.image_rect(), point)
    return QPointF(x, y)


def _is(color: QColor, hex_color: str, tolerance: int = 0) -> bool:
    want = QColor(hex_color)
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(
            (color.red(), color.green(), color.blue()),
            (want.red(), want.green(), want.blue()),
            strict=True,
        )
    )


def _drawn(image, point: QPoint, hex_color: str, tolerance: int = 30) -> bool:
    """Whether ``hex_color`` is at ``point`` or a pixel next to it (lines are antialiased)."""
    return any(
        _is(image.pixelColor(point + QPoint(dx, dy)), hex_color, tolerance)
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    )


def _list_rows(viewer: VolumeViewer) -> list[tuple[str, str, str]]:
    tree = viewer.measuring.panel.tree
    rows = (tree.topLevelItem(n) for n in range(tree.topLevelItemCount()))
    return [(r.text(0), r.text(1), r.text(2)) for r in rows if r is not None]


def test_a_click_places_a_landmark_where_clicked_drawn_in_its_slices(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    viewer.set_active_label(viewer.schema.class_named("lesion"))  # the palette's label
    _choose(qtbot, viewer, "landmark")
    axial = viewer.views[View.AXIAL]
    crosshair = viewer.crosshair
    point = QPoint(axial.width() // 2 - 37, axial.height() // 2 + 23)  # off the crosshair
    expected = axial.patient_at(QPointF(point))
    qtbot.mouseClick(axial, LEFT, pos=point)
    (landmark,) = _markups(viewer, "landmark")
    assert landmark.label == "lesion"
    assert np.allclose(landmark.data["point"], expected)
    assert landmark.data["point_kji"][0] == axial.index
    assert viewer.crosshair == crosshair  # placing does not move the crosshair
    assert [a.id for a in _stored(viewer, "landmark")] == [landmark.id]  # persisted
    assert viewer.command_stack.undo_text == "add lesion"
    assert _list_rows(viewer) == [("Landmark", "lesion", _value_of(landmark))]
    # drawn in the lesion's colour where clicked, and in the sagittal slice through it
    assert _is(rendered(axial).pixelColor(point), LESION)
    sagittal = viewer.views[View.SAGITTAL]
    i = landmark.data["point_kji"][2]
    sagittal.set_index(round(i))
    spot = _xy(sagittal, landmark.data["point_kji"]).toPoint()
    assert _is(rendered(sagittal).pixelColor(spot), LESION)
    sagittal.set_index(round(i) + 2)  # two slices away: not drawn
    assert not _is(rendered(sagittal).pixelColor(spot), LESION, 40)
    # and in the 3D view, over the liver's surface
    surface_view = viewer.surface_view
    assert surface_view.builder.wait_idle()
    viewer.set_crosshair((0, 0, 0))  # out of the way
    row, col = surface_view.display_point(landmark.data["point"])
    red, green, blue = (int(v) for v in surface_view.image()[row, col])
    assert red > 150 and green > 150 and blue < 120  # the lesion's yellow, shaded
    viewer.command_stack.undo()
    assert _markups(viewer, "landmark") == [] and _stored(viewer, "landmark") == []
    assert _list_rows(viewer) == []
    assert not _is(rendered(axial).pixelColor(point), LESION, 40)


def _value_of(annotation: Annotation) -> str:
    from viewers.volume.markup_geometry import value_text

    return value_text(annotation)


@pytest.mark.filterwarnings("ignore:The string .* person name:UserWarning")  # the user "tester"
def test_a_ruler_drag_stores_its_length_in_mm_and_exports(qtbot, ct_viewer, tmp_path) -> None:
    viewer = ct_viewer
    _choose(qtbot, viewer, "ruler")
    axial = viewer.views[View.AXIAL]
    centre = QPointF(axial.width() / 2, axial.height() / 2)
    start, end = centre + QPointF(-60.3, 30.6), centre + QPointF(45.2, -20.1)
    drag(axial, LEFT, [start, centre, end])
    (ruler,) = _markups(viewer, "ruler")
    a, b = axial.patient_at(start), axial.patient_at(end)
    assert ruler.data["length_mm"] == pytest.approx(math.dist(a, b))
    assert np.allclose(ruler.data["start"], a) and np.allclose(ruler.data["end"], b)
    assert ruler.label is None
    assert viewer.command_stack.undo_text == "add ruler"
    assert _list_rows(viewer) == [("Ruler", "", f"{math.dist(a, b):.1f} mm")]
    # the line is drawn in its plane only
    middle = ((start + end) / 2).toPoint()
    assert _drawn(rendered(axial), middle, UNLABELLED)
    axial.set_index(axial.index + 1)
    assert not _drawn(rendered(axial), middle, UNLABELLED, 60)
    # a click (no drag) places nothing
    qtbot.mouseClick(axial, LEFT, pos=centre.toPoint())
    assert len(_markups(viewer, "ruler")) == 1
    # the export reads it
    (out,) = export_item(viewer.workspace, viewer.item.id, "json", tmp_path / "m.json")
    (measurement,) = json.loads(out.read_text(encoding="utf-8"))["measurements"]
    assert measurement["value"] == pytest.approx(math.dist(a, b), abs=1e-3)
    assert measurement["label"] == "length"
    (sr,) = export_item(viewer.workspace, viewer.item.id, "sr", tmp_path / "m.dcm")
    import highdicom as hd

    (group,) = hd.sr.srread(sr).content.get_planar_roi_measurement_groups()
    (value,) = group.get_measurements()
    assert value.value == pytest.approx(math.dist(a, b), abs=1e-3)


def test_a_box_is_drawn_in_one_view_and_its_extent_dragged_in_another(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    _choose(qtbot, viewer, "box3d")
    viewer.tools.page("box3d").reach.setValue(6.0)  # type: ignore[attr-defined]
    geometry = viewer.volume.geometry
    axial, coronal = viewer.views[View.AXIAL], viewer.views[View.CORONAL]
    index = axial.index
    corner, opposite = (index, 14, 12), (index, 30, 33)
    drag(axial, LEFT, [axial.point_of(corner), axial.point_of(opposite)])
    (box,) = _markups(viewer, "box3d")
    reach = round(6.0 / geometry.spacing[2])
    assert box.data["min_kji"] == [index - reach, 14, 12]
    assert box.data["max_kji"] == [index + reach, 30, 33]
    si, sj, sk = geometry.spacing
    assert box.data["size_mm_kji"] == pytest.approx([(2 * reach + 1) * sk, 17 * sj, 22 * si])
    # drawn where the coronal slice cuts it
    viewer.set_crosshair((index, 20, 20))
    low, high = box_on_slice(coronal.frame, coronal.index, box.data["min_kji"], box.data["max_kji"])
    top_left = _xy(coronal, low)
    edge = QPointF((top_left.x() + _xy(coronal, high).x()) / 2, top_left.y())
    assert _drawn(rendered(coronal), edge.toPoint(), UNLABELLED)
    # drag the edge of the low k end to slice 2 in the coronal view
    target = _xy(coronal, (2, 20, 20))
    press(coronal, LEFT, edge)
    move(coronal, LEFT, target)  # while dragging, the resized box is drawn in its place
    (draft,) = [a for a in viewer.measuring.layer.shown() if a.kind == "box3d"]
    assert draft.id == box.id and draft.data["min_kji"] == [2, 14, 12]
    assert _markups(viewer, "box3d")[0].data == box.data  # nothing stored yet
    release(coronal, LEFT, target)
    (resized,) = _markups(viewer, "box3d")
    assert resized.id == box.id
    assert resized.data["min_kji"] == [2, 14, 12]
    assert resized.data["max_kji"] == box.data["max_kji"]
    assert resized.data["size_mm_kji"][0] == pytest.approx((index + reach - 1) * sk)
    assert viewer.command_stack.undo_text == "edit box3d"
    (stored,) = _stored(viewer, "box3d")
    assert stored.data["min_kji"] == [2, 14, 12]
    viewer.command_stack.undo()
    assert _markups(viewer, "box3d")[0].data["min_kji"] == box.data["min_kji"]


def test_the_list_selects_jumps_relabels_deletes_and_undoes(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    editing = viewer.measuring.editing
    landmark, _ = editing.landmark((3.0, 10.0, 12.0), "liver")
    ruler, _ = editing.ruler((5.0, 8.0, 8.0), (5.0, 30.0, 40.0), None)
    box, _ = editing.box((2, 3, 4), (6, 9, 12), "spleen")
    assert landmark and ruler and box
    rows = _list_rows(viewer)
    assert [r[:2] for r in rows] == [("Landmark", "liver"), ("Ruler", ""), ("3D box", "spleen")]
    assert rows[1][2] == f"{ruler.data['length_mm']:.1f} mm"
    assert rows[2][2].endswith(" mm") and rows[2][2].count("×") == 2
    panel = viewer.measuring.panel
    tree = panel.tree
    row = panel.row_of(ruler.id)
    qtbot.mouseClick(tree.viewport(), LEFT, pos=tree.visualItemRect(row).center())
    assert panel.current_id() == ruler.id
    assert viewer.crosshair == centre_voxel(ruler, viewer.volume.voxels.shape) == (5, 19, 24)
    assert viewer.measuring.layer.selected == ruler.id
    # relabel through the label box: one undo step
    panel.label.setCurrentIndex(panel.label.findData("lesion"))
    panel.label.activated.emit(panel.label.currentIndex())
    assert viewer.workspace.document(viewer.item.id).get(ruler.id).label == "lesion"
    assert viewer.command_stack.undo_text == "edit lesion"
    assert _list_rows(viewer)[1][1] == "lesion"
    assert panel.current_id() == ruler.id  # still selected
    # delete (button), undo, redo
    qtbot.mouseClick(panel.delete_button, LEFT)
    assert ruler.id not in viewer.workspace.document(viewer.item.id)
    assert [r[0] for r in _list_rows(viewer)] == ["Landmark", "3D box"]
    assert ruler.id not in [a.id for a in _stored(viewer, "ruler")]
    viewer.command_stack.undo()
    assert ("Ruler", "lesion") in [r[:2] for r in _list_rows(viewer)]
    assert [a.id for a in _stored(viewer, "ruler")] == [ruler.id]
    viewer.command_stack.redo()
    assert len(_list_rows(viewer)) == 2
    # the Delete key on the list
    tree.setCurrentItem(panel.row_of(box.id))
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert [r[0] for r in _list_rows(viewer)] == ["Landmark"]


def test_the_classification_is_saved_updated_undone_and_reloaded(
    qtbot, viewer_workspace: Workspace, item_id: str
) -> None:
    viewer = _open(qtbot, viewer_workspace, item_id)
    form = viewer.measuring.form
    assert set(form.fields) == {"finding", "severity", "laterality", "certainty", "comment"}

    def choose(name: str, value: str) -> None:
        box = form.fields[name].widget
        box.setCurrentIndex(box.findData(value))  # type: ignore[attr-defined]

    for name, value in (("finding", "cyst"), ("severity", "mild"), ("laterality", "right")):
        choose(name, value)
    form.fields["comment"].widget.setText("simple cyst")  # type: ignore[attr-defined]
    qtbot.mouseClick(form.save_button, LEFT)
    (saved,) = _markups(viewer, "classification")
    assert saved.data == {
        "finding": "cyst",
        "attributes": {"severity": "mild", "laterality": "right", "comment": "simple cyst"},
    }
    assert form.status.text() == "Saved."
    choose("severity", "moderate")
    choose("certainty", "probable")
    qtbot.mouseClick(form.save_button, LEFT)
    (updated,) = _stored(viewer, "classification")  # updated, not a second one
    assert updated.id == saved.id
    assert updated.data["attributes"]["severity"] == "moderate"
    assert viewer.command_stack.undo_text == "edit classification"
    viewer.command_stack.undo()
    assert form.fields["severity"].value() == "mild"
    assert form.fields["certainty"].value() is None
    viewer.command_stack.redo()
    # without a finding nothing is saved
    form.fields["finding"].widget.setCurrentIndex(0)  # type: ignore[attr-defined]
    qtbot.mouseClick(form.save_button, LEFT)
    assert "finding" in form.status.text()
    assert _stored(viewer, "classification")[0].data["finding"] == "cyst"
    # reopened from a freshly unlocked profile, the form shows what was saved
    viewer.shutdown()
    path = viewer_workspace.profile.path
    viewer_workspace.lock()
    workspace = Workspace.unlock(path, PASSPHRASE)
    try:
        again = _open(qtbot, workspace, item_id)
        fields = again.measuring.form.fields
        values = {name: field.value() for name, field in fields.items()}
        assert values == {
            "finding": "cyst",
            "severity": "moderate",
            "laterality": "right",
            "certainty": "probable",
            "comment": "simple cyst",
        }
        assert again.measuring.form.status.text() == "Saved."
        again.shutdown()
    finally:
        workspace.lock()
