"""End to end: select text, press a label's key, undo and redo through the window's actions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.status import SAVED
from storage.errors import DiskFullError
from tests.app.profiles import text_item_id
from viewers.text.viewer import TextViewer


def _open_note(window, workspace) -> TextViewer:
    viewer = window.open_item(text_item_id(workspace))
    assert isinstance(viewer, TextViewer)
    viewer.editor.setFocus()
    return viewer


def _select(viewer: TextViewer, phrase: str) -> tuple[int, int]:
    start = viewer.text.index(phrase)
    viewer.select_range(start, start + len(phrase))
    return start, start + len(phrase)


def _spans_in_store(workspace, item_id):
    return [(a.label, a.data["start"], a.data["end"]) for a in workspace.annotations(item_id)]


def test_label_shortcut_adds_a_span_and_undo_redo_follow_it(qtbot, make_window, app_workspace):
    window = make_window()
    viewer = _open_note(window, app_workspace)
    item_id = viewer.item.id
    undo = window.registry.action("edit.undo")
    redo = window.registry.action("edit.redo")
    assert not undo.isEnabled() and not redo.isEnabled()
    problem = viewer.schema.class_named("problem")
    assert problem.shortcut == "1"

    start, end = _select(viewer, "chest pain")
    qtbot.keyClick(viewer.editor, Qt.Key.Key_1)

    spans = viewer.span_annotations()
    assert [(a.label, a.data) for a in spans] == [
        ("problem", {"start": start, "end": end, "text": "chest pain"})
    ]
    assert spans[0].author == "tester"
    assert _spans_in_store(app_workspace, item_id) == [("problem", start, end)]
    assert viewer.highlight_color_at(start + 1) is not None
    assert viewer.highlight_color_at(end + 1) is None
    assert window.palette_dock.active_label == problem
    assert window.status.save_label.text() == SAVED
    assert undo.isEnabled() and undo.text() == "Undo add problem"
    assert not redo.isEnabled() and redo.text() == "Redo"

    qtbot.keyClick(viewer.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert viewer.span_annotations() == []
    assert _spans_in_store(app_workspace, item_id) == []
    assert viewer.highlight_color_at(start + 1) is None
    assert not undo.isEnabled() and undo.text() == "Undo"
    assert redo.isEnabled() and redo.text() == "Redo add problem"

    qtbot.keyClick(viewer.editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert _spans_in_store(app_workspace, item_id) == [("problem", start, end)]
    assert viewer.highlight_color_at(start + 1) is not None
    assert undo.text() == "Undo add problem"

    undo.trigger()
    assert _spans_in_store(app_workspace, item_id) == []
    shift_z = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(viewer.editor, Qt.Key.Key_Z, shift_z)
    assert _spans_in_store(app_workspace, item_id) == [("problem", start, end)]


def test_second_label_and_palette_click(qtbot, make_window, app_workspace):
    window = make_window()
    viewer = _open_note(window, app_workspace)
    _select(viewer, "aspirin")
    qtbot.keyClick(viewer.editor, Qt.Key.Key_2)
    assert [a.label for a in viewer.span_annotations()] == ["medication"]
    assert window.registry.action("edit.undo").text() == "Undo add medication"
    window.palette_dock.select("test")
    assert viewer.active_label is not None and viewer.active_label.name == "test"


def test_shortcut_without_selection_adds_nothing(qtbot, make_window, app_workspace):
    window = make_window()
    viewer = _open_note(window, app_workspace)
    qtbot.keyClick(viewer.editor, Qt.Key.Key_1)
    assert viewer.span_annotations() == []
    assert "Select some text" in window.statusBar().currentMessage()


def test_failed_save_is_shown_and_rolled_back(qtbot, make_window, app_workspace, monkeypatch):
    window = make_window()
    viewer = _open_note(window, app_workspace)
    stack = app_workspace.command_stack(viewer.item.id)

    def full_disk(*_args):
        raise DiskFullError("The disk is full; caliper.db was not changed.")

    monkeypatch.setattr(stack._sink, "persist", full_disk)
    _select(viewer, "fever")
    qtbot.keyClick(viewer.editor, Qt.Key.Key_1)
    assert viewer.span_annotations() == []
    assert "disk is full" in window.status.save_label.text()
    assert not window.registry.action("edit.undo").isEnabled()


def test_undo_follows_the_active_tab(qtbot, make_window, app_workspace, tmp_path):
    note = tmp_path / "second.txt"
    note.write_text("Second synthetic note: cough.\n", encoding="utf-8")
    (second,) = app_workspace.import_paths([note])
    window = make_window()
    first = _open_note(window, app_workspace)
    _select(first, "fever")
    qtbot.keyClick(first.editor, Qt.Key.Key_1)
    window.open_item(second.id)
    assert not window.registry.action("edit.undo").isEnabled()
    window.area.tabs.setCurrentWidget(first)
    assert window.registry.action("edit.undo").text() == "Undo add problem"
