"""The span side panel: attributes by keyboard, codes, the note, document labels, rule actions.

A real profile, the real viewer and panel widgets, real exports and the shipped rules.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox

from tests.app.profiles import PASSPHRASE
from tests.viewers.text.helpers import add_spans, key, open_viewer
from viewers.text.viewer import TextViewer
from workspace.annotation_kinds.base import ATTRIBUTES, NOTE
from workspace.annotation_kinds.codes import codes_of
from workspace.annotation_kinds.suggestions import suggestion_of
from workspace.annotations import Annotation
from workspace.export.item_export import export_item
from workspace.workspace import Workspace

CTRL = Qt.KeyboardModifier.ControlModifier
SYNTHETIC_NOTE = (
    "Synthetic note, not a real patient.\n"
    "Patient: John Whitaker, MRN 48213377, seen on 03/14/2025.\n"
    "He denies fever. Call 617-555-0142 with results.\n"
)


def stored(workspace: Workspace, viewer: TextViewer, annotation_id: str) -> Annotation:
    """The annotation as the profile holds it."""
    return next(a for a in workspace.annotations(viewer.item.id) if a.id == annotation_id)


def focused(qtbot, viewer: TextViewer) -> TextViewer:
    """``viewer``'s window active and its text focused (keys reach shortcuts and fields)."""
    viewer.activateWindow()
    viewer.editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer.editor)
    return viewer


def selected_problem(qtbot, workspace: Workspace, phrase: str = "chest pain") -> TextViewer:
    viewer = focused(qtbot, open_viewer(qtbot, workspace))
    (problem,) = add_spans(viewer, (phrase, "problem"))
    viewer.select_span(problem.id)
    return viewer


def test_certainty_absent_with_the_keyboard_then_undo(qtbot, viewer_workspace):
    viewer = selected_problem(qtbot, viewer_workspace)
    panel = viewer.side_panel
    span_id = viewer.selected_id
    assert list(panel.fields) == ["assertion", "certainty", "temporality", "experiencer"]

    key(qtbot, viewer, Qt.Key.Key_F2)  # to the panel's first field
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.fields["assertion"].widget)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    certainty = panel.fields["certainty"].widget
    qtbot.waitUntil(lambda: QApplication.focusWidget() is certainty)
    qtbot.keyClick(certainty, Qt.Key.Key_A)  # "absent"

    assert stored(viewer_workspace, viewer, span_id).data[ATTRIBUTES] == {"certainty": "absent"}
    assert isinstance(certainty, QComboBox) and certainty.currentText() == "absent"
    qtbot.keyClick(certainty, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer.editor)

    viewer.command_stack.undo()
    assert ATTRIBUTES not in stored(viewer_workspace, viewer, span_id).data
    assert certainty.currentIndex() == 0  # unset again
    viewer.command_stack.redo()
    assert certainty.currentText() == "absent"


def test_attach_icd10cm_e11_9_with_the_picker_then_detach_with_del(qtbot, viewer_workspace):
    viewer = selected_problem(qtbot, viewer_workspace)
    panel, span_id = viewer.side_panel, viewer.selected_id
    assert panel.picker.system() == "ICD10CM"  # a problem is coded with ICD-10-CM or SNOMED CT

    qtbot.keyClicks(panel.picker.query, "E11.9")
    qtbot.waitUntil(lambda: any(c.code == "E11.9" for c in panel.picker.shown()), timeout=30_000)
    panel.picker.results.setCurrentRow(
        next(i for i, c in enumerate(panel.picker.shown()) if c.code == "E11.9")
    )
    qtbot.keyClick(panel.picker.query, Qt.Key.Key_Return)

    (code,) = codes_of(stored(viewer_workspace, viewer, span_id))
    assert (code.system, code.code) == ("ICD10CM", "E11.9")
    assert panel.codes.count() == 1 and "E11.9" in panel.codes.item(0).text()

    panel.codes.setFocus()
    panel.codes.setCurrentRow(0)
    qtbot.keyClick(panel.codes, Qt.Key.Key_Delete)
    assert codes_of(stored(viewer_workspace, viewer, span_id)) == []
    assert panel.codes.count() == 0
    viewer.command_stack.undo()
    assert panel.codes.count() == 1


def test_a_note_is_saved_on_ctrl_enter_and_focus_out_and_reloaded(qtbot, viewer_workspace):
    viewer = selected_problem(qtbot, viewer_workspace)
    panel, span_id = viewer.side_panel, viewer.selected_id
    panel.note.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.note)
    qtbot.keyClicks(panel.note, "Check troponin")
    qtbot.keyClick(panel.note, Qt.Key.Key_Return, CTRL)
    assert stored(viewer_workspace, viewer, span_id).data[NOTE] == "Check troponin"

    qtbot.keyClicks(panel.note, " twice")
    viewer.editor.setFocus()  # focus-out saves
    qtbot.waitUntil(lambda: stored(viewer_workspace, viewer, span_id).data[NOTE].endswith("twice"))
    viewer.command_stack.undo()
    assert panel.note.toPlainText() == "Check troponin"

    path = viewer_workspace.profile.path
    viewer.shutdown()
    viewer_workspace.lock()
    reopened = Workspace.unlock(path, PASSPHRASE)
    try:
        again = open_viewer(qtbot, reopened)
        again.select_span(span_id)
        assert again.side_panel.note.toPlainText() == "Check troponin"
        again.shutdown()
    finally:
        reopened.lock()


def test_document_label_saved_and_exported_in_jsonl(qtbot, viewer_workspace, tmp_path: Path):
    viewer = open_viewer(qtbot, viewer_workspace)
    note_type = viewer.side_panel.document_fields["note_type"].widget
    note_type.setFocus()
    qtbot.keyClicks(note_type, "p")  # progress_note
    labels = [a for a in viewer_workspace.annotations(viewer.item.id) if a.label is None]
    assert [a.data[ATTRIBUTES] for a in labels] == [{"note_type": "progress_note"}]

    out = tmp_path / "note.jsonl"
    export_item(viewer_workspace, viewer.item.id, "jsonl", out)
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["labels"] == {"note_type": "progress_note"}
    viewer.command_stack.undo()
    assert viewer_workspace.annotations(viewer.item.id) == []
    assert isinstance(note_type, QComboBox) and note_type.currentIndex() == 0


def _synthetic(qtbot, workspace: Workspace, tmp_path: Path) -> TextViewer:
    path = tmp_path / "synthetic_note.txt"
    path.write_text(SYNTHETIC_NOTE, encoding="utf-8")
    (item,) = workspace.import_paths([path])
    return focused(qtbot, open_viewer(qtbot, workspace, item.id))


def test_suggest_phi_then_accept_one_and_reject_the_rest(qtbot, viewer_workspace, tmp_path):
    viewer = _synthetic(qtbot, viewer_workspace, tmp_path)
    rules = viewer.side_panel.rules
    with qtbot.waitSignal(rules.finished, timeout=20_000) as report:
        key(qtbot, viewer, Qt.Key.Key_P, CTRL | Qt.KeyboardModifier.ShiftModifier)
    suggestions = [a for a in viewer.span_annotations() if suggestion_of(a) is not None]
    labels = {a.label for a in suggestions}
    assert {"phi_name", "phi_date", "phi_contact"} <= labels
    assert f"{len(suggestions)} PHI suggestions" in report.args[0]

    name = next(a for a in suggestions if a.label == "phi_name")
    viewer.select_span(name.id)
    key(qtbot, viewer, Qt.Key.Key_Return)  # accept the selected suggestion
    viewer.span_panel.reject_all.click()  # reject every other one, in one step

    kept = viewer_workspace.annotations(viewer.item.id)
    assert [(a.id, a.label, suggestion_of(a)) for a in kept] == [(name.id, "phi_name", None)]
    with qtbot.waitSignal(rules.finished, timeout=20_000) as again:
        rules.phi_action.trigger()  # rejected ones come back on a new run; the name does not
    assert "phi_name" not in again.args[0]


def test_suggest_assertions_shows_a_hint_beside_the_field_and_accepts_it(
    qtbot, viewer_workspace, tmp_path
):
    viewer = _synthetic(qtbot, viewer_workspace, tmp_path)
    (fever,) = add_spans(viewer, ("fever", "problem"))
    viewer.select_span(fever.id)
    panel = viewer.side_panel
    with qtbot.waitSignal(panel.rules.finished, timeout=20_000):
        panel.rules.context_action.trigger()
    hint = panel.hints["certainty"]
    assert hint.isVisibleTo(panel) and "absent" in hint.text.text()

    hint.accept.click()
    data = stored(viewer_workspace, viewer, fever.id).data
    assert data[ATTRIBUTES]["certainty"] == "absent"
    assert "certainty" not in data.get("suggested_attributes", {})
    assert not hint.isVisibleTo(panel)
    assert panel.fields["certainty"].widget.currentText() == "absent"


def test_all_hints_rejected_in_one_step(qtbot, viewer_workspace, tmp_path):
    viewer = _synthetic(qtbot, viewer_workspace, tmp_path)
    (fever,) = add_spans(viewer, ("fever", "problem"))
    panel = viewer.side_panel
    with qtbot.waitSignal(panel.rules.finished, timeout=20_000):
        panel.rules.context_action.trigger()
    assert stored(viewer_workspace, viewer, fever.id).data.get("suggested_attributes")

    panel.reject_hints.click()
    data = stored(viewer_workspace, viewer, fever.id).data
    assert "suggested_attributes" not in data and ATTRIBUTES not in data
    viewer.command_stack.undo()
    assert stored(viewer_workspace, viewer, fever.id).data.get("suggested_attributes")
