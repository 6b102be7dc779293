"""The side panel of the selected region: its tier and times, its attributes from the schema
(:mod:`viewers.attribute_editor`), its transcript, its entity spans.

The transcript is saved when the editor loses focus or on Ctrl+Enter. With text selected in
it, a label's shortcut is left to the window (which asks the viewer to label the selection as an
entity span) instead of typing the key over the selection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QListWidget, QPlainTextEdit, QVBoxLayout, QWidget

from viewers.attribute_editor import AttributeEditor
from viewers.audio.regions import Region
from workspace.annotation_kinds.signal_marks import SPEAKER_ATTRIBUTE, TRANSCRIPT_ATTRIBUTE
from workspace.annotations import Annotation
from workspace.schema import LabelSchema


class TranscriptEditor(QPlainTextEdit):
    """A plain-text editor that reports when its text should be saved."""

    committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label_keys: set[str] = set()
        self.setPlaceholderText("Transcript of the selected region…")

    def event(self, event: QEvent) -> bool:
        """Leave a label's shortcut to the window while text is selected."""
        if event.type() == QEvent.Type.ShortcutOverride and self.textCursor().hasSelection():
            assert isinstance(event, QKeyEvent)
            pressed = QKeySequence(event.keyCombination()).toString().lower()
            if pressed in self.label_keys:
                self.commit()
                event.ignore()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Enter saves."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.commit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """Leaving the editor saves."""
        self.commit()
        super().focusOutEvent(event)

    def commit(self) -> None:
        """Report the text (the viewer saves it if it changed)."""
        self.committed.emit(self.toPlainText())


class RegionPanel(QWidget):
    """Shows one region (or says how to make one)."""

    transcript_committed = Signal(str, str)  # region id, text
    attribute_changed = Signal(str, str, object)  # region id, attribute, value (None: cleared)

    def __init__(self, schema: LabelSchema | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.region: Region | None = None
        self.schema = schema
        self.title = QLabel("No region selected")
        self.title.setWordWrap(True)
        self.attributes = AttributeEditor(skip=(SPEAKER_ATTRIBUTE, TRANSCRIPT_ATTRIBUTE))
        self.attributes.changed.connect(self._attribute_changed)
        self.editor = TranscriptEditor()
        self.editor.committed.connect(self._committed)
        self.spans = QListWidget()
        hint = QLabel(
            "Drag on a tier to add a region. Select words of the transcript and press a "
            "label's key to mark an entity."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.attributes)
        layout.addWidget(self.editor, 2)
        layout.addWidget(QLabel("Entities in the transcript"))
        layout.addWidget(self.spans, 1)
        layout.addWidget(hint)
        self.show_region(None, [])

    def show_region(
        self,
        region: Region | None,
        spans: Sequence[Annotation],
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        """Show ``region`` (None: nothing selected), its ``attributes`` and the spans inside
        its transcript."""
        changed = region is None or self.region is None or region.id != self.region.id
        self.region = region
        self.editor.setEnabled(region is not None)
        if region is None:
            self.title.setText("No region selected")
            self.editor.setPlainText("")
            self.attributes.show_values(self.schema, None, {})
        else:
            self.title.setText(f"{region.tier.name} · {region.start:.3f}–{region.end:.3f} s")
            self.attributes.show_values(
                self.schema, region.tier.label, attributes or {}, fresh=changed
            )
            if changed or not self.editor.hasFocus():
                self.editor.setPlainText(region.transcript)
        self.spans.clear()
        for entity in spans:
            self.spans.addItem(f"{entity.label} · {entity.data.get('text', '')}")

    def set_read_only(self, read_only: bool) -> None:
        """A read-only task: the transcript and the attributes cannot be edited."""
        self.editor.setReadOnly(read_only)
        self.attributes.setEnabled(not read_only)

    def _attribute_changed(self, name: str, value: object) -> None:
        if self.region is not None:
            self.attribute_changed.emit(self.region.id, name, value)

    def _committed(self, text: str) -> None:
        if self.region is not None:
            self.transcript_committed.emit(self.region.id, text)
