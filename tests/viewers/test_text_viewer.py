"""The text viewer with a real workspace: spans from selections, highlights from the model."""

from __future__ import annotations

from PySide6.QtGui import QColor

from tests.app.profiles import NOTE_TEXT, text_item_id
from viewers.text.colors import blend, readable_on
from viewers.text.viewer import TextViewer
from workspace.annotations import AddAnnotation, Annotation


def _viewer(qtbot, workspace, item_id=None) -> TextViewer:
    item = workspace.item(item_id or text_item_id(workspace))
    viewer = TextViewer(workspace, item)
    qtbot.addWidget(viewer)
    viewer.show()
    return viewer


def test_shows_the_decoded_note(qtbot, viewer_workspace):
    viewer = _viewer(qtbot, viewer_workspace)
    assert viewer.editor.toPlainText() == NOTE_TEXT
    assert viewer.editor.isReadOnly()
    assert viewer.command_stack is viewer_workspace.command_stack(viewer.item.id)


def test_apply_label_pushes_a_span_trimmed_to_the_words(qtbot, viewer_workspace):
    viewer = _viewer(qtbot, viewer_workspace)
    start = viewer.text.index("fever")
    viewer.select_range(start - 1, start + len("fever") + 1)  # " fever "
    with qtbot.waitSignal(viewer.edit_saved):
        assert viewer.apply_label(viewer.schema.class_named("problem"))
    (span,) = viewer.span_annotations()
    assert span.data == {"start": start, "end": start + 5, "text": "fever"}
    assert span.kind == "span" and span.author == "tester"
    assert [a.id for a in viewer_workspace.annotations(viewer.item.id)] == [span.id]
    color = viewer.highlight_color_at(start)
    assert color is not None and color != viewer.editor.palette().base().color()
    (row,) = viewer.span_panel.rows()
    assert "problem" in row and "[fever]" in row


def test_no_selection_is_a_message_not_an_edit(qtbot, viewer_workspace):
    viewer = _viewer(qtbot, viewer_workspace)
    with qtbot.waitSignal(viewer.message) as blocker:
        assert not viewer.apply_label(viewer.schema.classes[0])
    assert "Select some text" in blocker.args[0]
    assert viewer.span_annotations() == []


def test_model_events_drive_the_highlights(qtbot, viewer_workspace):
    viewer = _viewer(qtbot, viewer_workspace)
    item_id = viewer.item.id
    document = viewer_workspace.document(item_id)
    stack = viewer_workspace.command_stack(item_id)
    start = viewer.text.index("aspirin")
    annotation = Annotation(
        item_id, "span", "medication", {"start": start, "end": start + 7, "text": "aspirin"}
    )
    stack.push(AddAnnotation(document, annotation))
    assert viewer.highlight_color_at(start + 2) is not None
    stack.undo()
    assert viewer.highlight_color_at(start + 2) is None
    assert viewer.span_panel.rows() == []


def test_offsets_survive_crlf_and_emoji(qtbot, viewer_workspace, tmp_path):
    note = tmp_path / "crlf.txt"
    note.write_bytes("Synthetic 😀 note\r\nshortness of breath\r\n".encode())
    (item,) = viewer_workspace.import_paths([note])
    viewer = _viewer(qtbot, viewer_workspace, item.id)
    start = viewer.text.index("shortness")
    viewer.select_range(start, start + len("shortness of breath"))
    assert viewer.editor.textCursor().selectedText() == "shortness of breath"
    assert viewer.apply_label(viewer.schema.class_named("problem"))
    (span,) = viewer.span_annotations()
    assert viewer.text[span.data["start"] : span.data["end"]] == "shortness of breath"


def test_shutdown_disconnects_from_the_model(qtbot, viewer_workspace):
    viewer = _viewer(qtbot, viewer_workspace)
    document = viewer_workspace.document(viewer.item.id)
    viewer.shutdown()
    assert viewer.command_stack is None
    assert not document.added.callbacks or all(
        getattr(cb, "__self__", None) is None for cb in document.added.callbacks
    )


def test_colour_helpers():
    assert readable_on(QColor("#ffffff")) == QColor("#000000")
    assert readable_on(QColor("#000000")) == QColor("#ffffff")
    assert blend(QColor("#ff0000"), QColor("#000000"), 0.5) == QColor(128, 0, 0)
