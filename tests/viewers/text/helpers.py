"""Helpers of the text viewer tests: open a note, add spans, find the pixels of a span."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.app.profiles import text_item_id
from viewers.text.viewer import TextViewer
from workspace.annotation_kinds.spans import span
from workspace.annotations import AddAnnotations, Annotation
from workspace.workspace import Workspace


def open_viewer(qtbot, workspace: Workspace, item_id: str | None = None) -> TextViewer:
    """A shown text viewer of the note (``item_id``, else the template's note), focused."""
    viewer = TextViewer(workspace, workspace.item(item_id or text_item_id(workspace)))
    qtbot.addWidget(viewer)
    viewer.resize(900, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.editor.setFocus()
    return viewer


def phrase(viewer: TextViewer, text: str, nth: int = 0) -> tuple[int, int]:
    """Code-point offsets of the ``nth`` occurrence of ``text`` in the note."""
    start = -1
    for _ in range(nth + 1):
        start = viewer.text.index(text, start + 1)
    return start, start + len(text)


def add_spans(viewer: TextViewer, *specs: tuple[str, str], **data: dict) -> list[Annotation]:
    """Add a span per ``(phrase, label)`` in one step (``data``: extra data of each)."""
    spans = [
        span(viewer.item.id, viewer.text, [phrase(viewer, text)], label, data=data.get("data"))
        for text, label in specs
    ]
    viewer.push(AddAnnotations(viewer.document, spans))
    return spans


def key(qtbot, viewer: TextViewer, name: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier):
    """Press ``name`` in the text."""
    qtbot.keyClick(viewer.editor, name, modifiers)
