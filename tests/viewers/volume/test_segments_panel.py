"""The Segments panel's own add, duplicate, remove, rename, recolour and show/hide, driven
through its buttons, context menu and keys on a segmented CT phantom: each is one undo step,
stored at once, and what it shows follows (rows, slices, 3D surfaces)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QLineEdit

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.volume_viewer import VolumeViewer
from workspace.segmentation.snapshots import KIND
from workspace.workspace import Workspace

LIVER, SPLEEN = 1, 2
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=16, rows=40, cols=40)
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _rows(viewer: VolumeViewer) -> list[str]:
    tree = viewer.panel.tree
    return [tree.topLevelItem(n).text(0) for n in range(tree.topLevelItemCount())]


def _stored_names(viewer: VolumeViewer) -> list[str]:
    (record,) = [a for a in viewer.workspace.annotations(viewer.item.id) if a.kind == KIND]
    return [s["name"] for s in record.data["segments"]]


def _select(qtbot, viewer: VolumeViewer, value: int) -> None:
    tree = viewer.panel.tree
    row = viewer.panel.row_of(value)
    rect = tree.visualRect(tree.model().index(tree.indexOfTopLevelItem(row), 0))
    qtbot.mouseClick(tree.viewport(), LEFT, pos=QPoint(rect.right() - 4, rect.center().y()))
    assert viewer.panel.selected_value() == value


def test_add_button_adds_a_selected_empty_segment_stored_and_undoable(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    before = _rows(viewer)
    qtbot.mouseClick(viewer.panel.buttons["add"], LEFT)
    added = viewer.document.segments[-1]
    assert _rows(viewer) == [*before, added.name] and added.name.startswith("Segment ")
    assert added.color not in {s.color for s in viewer.document.segments[:-1]}
    assert viewer.selected_value == added.value and viewer.target_value() == added.value
    assert _stored_names(viewer)[-1] == added.name  # saved at once
    assert viewer.command_stack.undo_text == f"add segment {added.name}"
    viewer.command_stack.undo()
    assert _rows(viewer) == before and _stored_names(viewer) == before


def test_remove_clears_the_voxels_and_undo_brings_them_back(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    labels = viewer.document.labels
    before = labels.copy()
    assert (before == LIVER).any()
    _select(qtbot, viewer, LIVER)
    qtbot.mouseClick(viewer.panel.buttons["remove"], LEFT)
    assert "liver" not in _rows(viewer) and "liver" not in _stored_names(viewer)
    assert not (labels == LIVER).any()
    assert viewer.selected_value is None
    assert viewer.command_stack.undo_text == "remove liver"
    viewer.command_stack.undo()
    assert np.array_equal(labels, before)
    assert "liver" in _rows(viewer) and "liver" in _stored_names(viewer)
    # the stored edits rebuild the same voxels
    assert np.array_equal(viewer.workspace.load_segmentation(viewer.item.id).labels, before)


def test_keys_duplicate_remove_and_rename_the_current_segment(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    tree = viewer.panel.tree
    _select(qtbot, viewer, SPLEEN)
    viewer.activateWindow()  # shortcuts reach only the active window
    qtbot.waitUntil(viewer.isActiveWindow)
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    copy = viewer.document.segments[-1]
    assert copy.name == "spleen copy" and copy.color == viewer.document.segment(SPLEEN).color
    assert viewer.selected_value == copy.value
    assert viewer.command_stack.undo_text == "duplicate spleen"
    assert "spleen copy" in _stored_names(viewer)
    qtbot.keyClick(tree, Qt.Key.Key_F2)
    (editor,) = [e for e in tree.findChildren(QLineEdit) if e.isVisible()]
    assert editor.text() == "spleen copy"
    editor.setCursorPosition(0)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)  # edits the name, removes no segment
    assert editor.text() == "pleen copy"
    assert copy.value in {s.value for s in viewer.document.segments}
    editor.selectAll()
    qtbot.keyClicks(editor, "accessory spleen")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: viewer.document.segment(copy.value).name == "accessory spleen")
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert copy.value not in {s.value for s in viewer.document.segments}
    assert "accessory spleen" not in _stored_names(viewer)
    qtbot.keyClick(tree, Qt.Key.Key_Insert)
    assert viewer.document.segments[-1].name.startswith("Segment ")


def test_context_menu_hides_in_slices_and_3d_and_recolours(qtbot, monkeypatch, ct_viewer) -> None:
    viewer = ct_viewer
    _select(qtbot, viewer, LIVER)
    menu = viewer.panel.context_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Add", "Duplicate", "Remove", "Rename", "Colour", "Show/Hide"]
    surface_view = viewer.surface_view
    assert surface_view is not None
    assert surface_view.builder.wait_idle()
    assert LIVER in surface_view.actors
    (hide,) = [a for a in menu.actions() if a.text() == "Show/Hide"]
    hide.trigger()
    assert not viewer.document.segment(LIVER).visible
    assert viewer.panel.row_of(LIVER).checkState(0) == Qt.CheckState.Unchecked
    assert LIVER not in surface_view.actors  # gone from 3D too
    assert viewer.command_stack.undo_text == "hide liver"
    viewer.command_stack.undo()
    assert viewer.document.segment(LIVER).visible
    assert LIVER in surface_view.actors
    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor("#12ab34"))
    (colour,) = [a for a in menu.actions() if a.text() == "Colour"]
    colour.trigger()
    assert viewer.document.segment(LIVER).color == "#12ab34"
    assert viewer.command_stack.undo_text == "recolour liver"


def test_only_add_works_without_a_current_row(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    viewer.panel.select(None)
    enabled = {k: a.isEnabled() for k, a in viewer.panel.actions_by_id.items()}
    assert enabled == {
        "add": True,
        "duplicate": False,
        "remove": False,
        "rename": False,
        "colour": False,
        "visibility": False,
    }


def test_a_read_only_task_refuses_with_a_message(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    viewer.read_only_reason = "The task is submitted."
    _select(qtbot, viewer, LIVER)
    with qtbot.waitSignal(viewer.message) as said:
        qtbot.mouseClick(viewer.panel.buttons["remove"], LEFT)
    assert said.args == ["The task is submitted."]
    assert "liver" in _rows(viewer) and (viewer.document.labels == LIVER).any()
