"""Spans created, relabelled, resized and deleted with the keyboard only; each an undo step."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.viewers.text.helpers import add_spans, key, open_viewer, phrase
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.suggestions import suggested
from workspace.annotations import AddAnnotation

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def test_create_relabel_resize_and_delete_with_the_keyboard_only(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    stack = viewer.command_stack
    key(qtbot, viewer, Qt.Key.Key_Down)  # line 2: "The patient reports chest pain..."
    for _ in range(3):
        key(qtbot, viewer, Qt.Key.Key_Right, CTRL)
    for _ in range(2):
        key(qtbot, viewer, Qt.Key.Key_Right, CTRL | SHIFT)
    with qtbot.waitSignal(viewer.selection_changed):
        key(qtbot, viewer, Qt.Key.Key_1)  # problem
    (created,) = viewer.span_annotations()
    assert (created.label, created.data["text"]) == ("problem", "chest pain")
    assert viewer.selected_id == created.id

    key(qtbot, viewer, Qt.Key.Key_5)  # relabel: anatomy
    assert [(a.id, a.label) for a in viewer.span_annotations()] == [(created.id, "anatomy")]
    key(qtbot, viewer, Qt.Key.Key_Right, SHIFT | ALT)
    assert viewer.selected_span().data["text"] == "chest pain and"
    (tint,) = viewer.editor.extraSelections()  # the selected span's background follows it
    assert tint.cursor.selectedText() == "chest pain and"
    key(qtbot, viewer, Qt.Key.Key_Left, SHIFT | ALT)
    key(qtbot, viewer, Qt.Key.Key_Left, SHIFT | ALT)
    assert viewer.selected_span().data["text"] == "chest"
    key(qtbot, viewer, Qt.Key.Key_Left, SHIFT | ALT)  # one word left: refused, said why
    assert viewer.selected_span().data["text"] == "chest"

    key(qtbot, viewer, Qt.Key.Key_Delete)
    assert viewer.span_annotations() == [] and viewer.selected_id is None
    assert viewer_workspace.annotations(viewer.item.id) == []

    stack.undo()  # each gesture was one step: delete, shrink, shrink, extend, relabel, add
    assert [a.data["text"] for a in viewer.span_annotations()] == ["chest"]
    for _ in range(3):
        stack.undo()
    assert [(a.label, a.data["text"]) for a in viewer.span_annotations()] == [
        ("anatomy", "chest pain")
    ]
    stack.undo()
    assert [a.label for a in viewer.span_annotations()] == ["problem"]
    stack.undo()
    assert viewer.span_annotations() == [] and viewer.span_panel.rows() == []


def test_tab_moves_between_spans_in_text_order(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    fever, pain, aspirin = add_spans(
        viewer, ("fever", "problem"), ("chest pain", "problem"), ("aspirin", "medication")
    )
    key(qtbot, viewer, Qt.Key.Key_Tab)
    assert viewer.selected_id == pain.id
    key(qtbot, viewer, Qt.Key.Key_Tab)
    key(qtbot, viewer, Qt.Key.Key_Right, ALT)
    assert viewer.selected_id == aspirin.id
    key(qtbot, viewer, Qt.Key.Key_Backtab, SHIFT)
    assert viewer.selected_id == fever.id
    key(qtbot, viewer, Qt.Key.Key_Left, ALT)
    assert viewer.selected_id == pain.id
    assert viewer.focusWidget() is viewer.editor  # Tab did not leave the text
    key(qtbot, viewer, Qt.Key.Key_Escape)
    assert viewer.selected_id is None


def test_a_fragment_added_makes_a_discontinuous_span(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    (aspirin,) = add_spans(viewer, ("aspirin", "medication"))
    viewer.select_span(aspirin.id)
    viewer.select_range(*phrase(viewer, "daily"))
    key(qtbot, viewer, Qt.Key.Key_Return, CTRL)
    (joined,) = viewer.span_annotations()
    assert joined.data["fragments"] == [
        list(phrase(viewer, "aspirin")),
        list(phrase(viewer, "daily")),
    ]
    assert joined.data["text"] == "aspirin daily"
    viewer.command_stack.undo()
    assert "fragments" not in viewer.span_annotations()[0].data


def test_suggestions_accepted_and_rejected_one_by_one_and_in_bulk(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    mark = suggested({}, "phi-rules", "date")
    first, second, third = add_spans(
        viewer,
        ("Monday", "phi_date"),
        ("chest pain", "problem"),
        ("fever", "problem"),
        data=mark,
    )
    viewer.select_span(first.id)
    key(qtbot, viewer, Qt.Key.Key_A)
    assert "suggested" not in viewer.document.get(first.id).data
    key(qtbot, viewer, Qt.Key.Key_A)  # no longer a suggestion: A is not "accept" any more
    viewer.select_span(second.id)
    key(qtbot, viewer, Qt.Key.Key_Backspace)
    assert second.id not in viewer.document
    viewer.command_stack.undo()
    viewer.span_panel.set_filter("problem")
    assert len(viewer.span_panel.rows()) == 2
    assert viewer.bulk_suggestions(accept=True)
    assert not any("suggested" in a.data for a in viewer.span_annotations())
    viewer.command_stack.undo()  # one step for the bulk accept
    assert all("suggested" in viewer.document.get(a.id).data for a in (second, third))


def test_deleting_a_span_takes_its_relations_along(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    drug, problem = add_spans(viewer, ("aspirin", "medication"), ("chest pain", "problem"))
    link = relation(drug, problem, "treats", schema=viewer.schema)
    viewer.push(AddAnnotation(viewer.document, link))
    assert "→ treats → problem “chest pain”" in viewer.tooltip_at(phrase(viewer, "aspirin")[0])
    viewer.select_span(drug.id)
    key(qtbot, viewer, Qt.Key.Key_Delete)
    assert link.id not in viewer.document and drug.id not in viewer.document
    viewer.command_stack.undo()
    assert link.id in viewer.document and drug.id in viewer.document


def test_read_only_task_refuses_keyboard_edits(qtbot, viewer_workspace):
    viewer = open_viewer(qtbot, viewer_workspace)
    (fever,) = add_spans(viewer, ("fever", "problem"))
    viewer.read_only_reason = "Submitted: read-only."
    viewer.select_span(fever.id)
    with qtbot.waitSignal(viewer.message):
        key(qtbot, viewer, Qt.Key.Key_Delete)
    assert fever.id in viewer.document
