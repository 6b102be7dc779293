"""Find in text (Ctrl+F in the viewer, not the item filter) and label all matches."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.viewers.text.helpers import add_spans, key, open_viewer, phrase

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _selected(viewer) -> tuple[int, int]:
    cursor = viewer.editor.textCursor()
    return (
        viewer.offsets.from_qt(cursor.selectionStart()),
        viewer.offsets.from_qt(cursor.selectionEnd()),
    )


def test_ctrl_f_finds_next_and_previous_with_options(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    bar = viewer.find_bar
    key(qtbot, viewer, Qt.Key.Key_F, CTRL)
    assert bar.isVisible()
    qtbot.keyClicks(bar.phrase, "patient")
    assert bar.count.text() == "1 of 2" and _selected(viewer) == phrase(viewer, "patient")
    qtbot.keyClick(bar.phrase, Qt.Key.Key_Return)
    assert bar.count.text() == "2 of 2" and _selected(viewer) == phrase(viewer, "patient", 1)
    qtbot.keyClick(bar.phrase, Qt.Key.Key_Return, SHIFT)
    assert _selected(viewer) == phrase(viewer, "patient")
    viewer.editor.setFocus()
    key(qtbot, viewer, Qt.Key.Key_F3)
    assert _selected(viewer) == phrase(viewer, "patient", 1)
    key(qtbot, viewer, Qt.Key.Key_F3, SHIFT)
    assert _selected(viewer) == phrase(viewer, "patient")

    bar.phrase.setText("the")
    assert len(bar.matches) == 2  # "The" and "Synthetic"
    bar.whole.setChecked(True)
    bar.case.setChecked(True)
    assert bar.matches == [] and bar.count.text() == "No matches"
    bar.case.setChecked(False)
    assert bar.matches == [phrase(viewer, "The")]
    qtbot.keyClick(bar.phrase, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_label_all_matches_is_one_step_and_skips_labelled_ones(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    (first,) = add_spans(viewer, ("patient", "problem"))
    viewer.open_find()
    viewer.find_bar.phrase.setText("patient")
    viewer.find_bar.label.setCurrentText("problem")
    viewer.find_bar.label_button.click()
    labelled = [(a.label, a.data["start"]) for a in viewer.span_annotations()]
    assert labelled == [
        ("problem", phrase(viewer, "patient")[0]),
        ("problem", phrase(viewer, "patient", 1)[0]),
    ]
    with qtbot.waitSignal(viewer.message) as said:
        viewer.find_bar.label_button.click()
    assert "already labelled" in said.args[0] and len(viewer.span_annotations()) == 2
    viewer.command_stack.undo()
    assert [a.id for a in viewer.span_annotations()] == [first.id]


def test_ctrl_f_in_the_find_field_selects_the_phrase(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    viewer.open_find()
    viewer.find_bar.phrase.setText("fever")
    viewer.find_bar.phrase.deselect()
    qtbot.keyClick(viewer.find_bar.phrase, Qt.Key.Key_F, CTRL)
    assert viewer.find_bar.phrase.selectedText() == "fever"


def test_a_span_clicked_after_find_is_relabelled_not_the_match(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    (fever,) = add_spans(viewer, ("fever", "problem"))
    key(qtbot, viewer, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(viewer.find_bar.phrase, "patient")
    assert _selected(viewer) == phrase(viewer, "patient")  # the match is selected text
    viewer.editor.setFocus()
    viewer.editor.viewport().grab()  # a paint: where the tags are
    tag = next(r for r, s in viewer.editor.tag_rects if s == fever.id).center().toPoint()
    qtbot.mouseClick(viewer.editor.viewport(), Qt.MouseButton.LeftButton, pos=tag)
    assert viewer.selected_id == fever.id
    key(qtbot, viewer, Qt.Key.Key_2)  # medication's key
    assert [(a.id, a.label) for a in viewer.span_annotations()] == [(fever.id, "medication")]
