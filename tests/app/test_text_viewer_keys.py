"""In the window, the text viewer's own keys win over the window's: Ctrl+F finds in the note
(not the item filter), and a label key on a selected span relabels it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.app.profiles import text_item_id
from viewers.text.viewer import TextViewer


def test_ctrl_f_in_the_note_opens_its_find_bar(qtbot, make_window, app_workspace):
    window = make_window()
    viewer = window.open_item(text_item_id(app_workspace))
    assert isinstance(viewer, TextViewer)
    window.activateWindow()
    viewer.editor.setFocus()
    qtbot.waitUntil(viewer.editor.hasFocus)
    qtbot.keyClick(viewer.editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(viewer.find_bar.phrase.hasFocus)
    assert not window.item_list.filter.hasFocus()


def test_label_keys_of_the_window_relabel_the_selected_span(qtbot, make_window, app_workspace):
    window = make_window()
    viewer = window.open_item(text_item_id(app_workspace))
    assert isinstance(viewer, TextViewer)
    viewer.editor.setFocus()
    start = viewer.text.index("fever")
    viewer.select_range(start, start + len("fever"))
    qtbot.keyClick(viewer.editor, Qt.Key.Key_1)  # problem, through the palette's action
    (span,) = viewer.span_annotations()
    assert viewer.selected_id == span.id
    qtbot.keyClick(viewer.editor, Qt.Key.Key_4)  # test
    assert [a.label for a in viewer.span_annotations()] == ["test"]
    qtbot.keyClick(viewer.editor, Qt.Key.Key_Delete)
    assert viewer.span_annotations() == []
    qtbot.keyClick(viewer.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [a.label for a in viewer.span_annotations()] == ["test"]
