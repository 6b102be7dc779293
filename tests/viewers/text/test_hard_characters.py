"""Offsets stay exact on CRLF line ends, emoji, CJK and combining marks: through selection,
labelling, word-wise resizing, find, clicks, undo and the span list."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.viewers.text.helpers import key, open_viewer, phrase

NOTE = (
    "Patient 😀 reports 胸痛 since Monday.\r\n"
    "Diagnosis: pneumonie\u0301 bilate\u0301rale 👨‍👩‍👧 confirmed.\r\n"
    "Rx: 阿司匹林 100 mg 😷 daily.\r\n"
)
PHRASES = ("胸痛", "pneumonie\u0301 bilate\u0301rale", "阿司匹林", "daily", "confirmed")


def _note_viewer(qtbot, workspace, tmp_path):
    path = tmp_path / "hard.txt"
    path.write_bytes(NOTE.encode())
    (item,) = workspace.import_paths([path])
    return open_viewer(qtbot, workspace, item.id)


def test_spans_over_hard_characters_keep_exact_offsets(qtbot, viewer_workspace, tmp_path):
    viewer = _note_viewer(qtbot, viewer_workspace, tmp_path)
    assert viewer.text == NOTE
    for text in PHRASES:
        viewer.select_range(*phrase(viewer, text))
        assert viewer.editor.textCursor().selectedText() == text
        key(qtbot, viewer, Qt.Key.Key_1)
    stored = viewer_workspace.annotations(viewer.item.id)
    for annotation in stored:
        start, end = annotation.data["start"], annotation.data["end"]
        assert NOTE[start:end] == annotation.data["text"]
    assert sorted(a.data["text"] for a in stored) == sorted(PHRASES)
    rows = viewer.span_panel.rows()
    assert rows[1].startswith("problem  ·  2:12  ·")  # after a CRLF, combining marks counted
    assert rows[3].startswith("problem  ·  3:5  ·") and "[阿司匹林]" in rows[3]


def test_resize_click_and_find_on_hard_characters(qtbot, viewer_workspace, tmp_path):
    viewer = _note_viewer(qtbot, viewer_workspace, tmp_path)
    viewer.select_range(*phrase(viewer, "pneumonie\u0301"))
    key(qtbot, viewer, Qt.Key.Key_1)
    key(
        qtbot,
        viewer,
        Qt.Key.Key_Right,
        Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier,
    )
    (span,) = viewer.span_annotations()
    assert span.data["text"] == "pneumonie\u0301 bilate\u0301rale"
    viewer.command_stack.undo()
    assert viewer.span_annotations()[0].data["text"] == "pneumonie\u0301"

    for text in ("😷", "阿", "e\u0301", "bilate"):
        start = phrase(viewer, text)[0]
        cursor = viewer.editor.textCursor()
        cursor.setPosition(viewer.offsets.to_qt(start))
        rect = viewer.editor.cursorRect(cursor)
        point = QPoint(rect.x() + 2, rect.center().y())
        assert viewer.editor.offset_at(point) == start, text

    viewer.open_find()
    viewer.find_bar.phrase.setText("DAILY")
    assert viewer.find_bar.matches == [phrase(viewer, "daily")]
    cursor = viewer.editor.textCursor()
    assert cursor.selectedText() == "daily"
