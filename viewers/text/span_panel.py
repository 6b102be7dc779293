"""The side panel of the text viewer: the selected span's attributes (with ConText hints),
its annotator note and codes, the note's document labels, and the rule actions.

Every edit is a command pushed through the viewer (one undo step, saved at once); the panel
redraws from the document's events, so undo and redo show at once. F2 in the text focuses
the panel; Escape in the panel returns to the text.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from viewers.code_picker import CodePicker
from viewers.text.attribute_fields import AttributeField
from viewers.text.panel_edits import (
    attributes_of,
    decide_hint,
    document_labels_annotation,
    set_attribute,
    set_document_label,
    set_note,
)
from viewers.text.rule_actions import CONTEXT_SHORTCUT, PHI_SHORTCUT, RuleActions
from workspace.annotation_kinds.base import NOTE, AnnotationKindError
from workspace.annotation_kinds.codes import AnnotationCode, codes_of
from workspace.annotations import Annotation
from workspace.commands import Command
from workspace.schema import AttributeValue
from workspace.terminology.coding import attach_code, detach_code, systems_for
from workspace.terminology.search import search, searchable_systems
from workspace.text_rules.hints import (
    accept_attribute_hints,
    attribute_hints,
    reject_attribute_hints,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from viewers.text.viewer import TextViewer

_CODE = Qt.ItemDataRole.UserRole
NO_SPAN = "No span selected: click a span, or Tab to one."
#: The panel's keys, for the help dialog (added to the viewer's gestures).
PANEL_GESTURES = (
    ("Go to the side panel (attributes, note, codes) / back to the text", "F2 / Escape"),
    ("Save the annotator note", "Ctrl+Enter (or leave the field)"),
    ("Remove the selected code of the span", "Del on the code"),
    ("Suggest PHI / suggest assertions (ConText)", f"{PHI_SHORTCUT} / {CONTEXT_SHORTCUT}"),
)


class NoteEdit(QPlainTextEdit):
    """The annotator's note: saved on focus-out and on Ctrl+Enter."""

    def __init__(self, save: Callable[[], object]) -> None:
        super().__init__()
        self._save = save
        self.setPlaceholderText("Annotator note (Ctrl+Enter saves)")
        self.setTabChangesFocus(True)
        self.setMaximumHeight(80)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._save()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: object) -> None:
        self._save()
        super().focusOutEvent(event)  # type: ignore[arg-type]


class HintRow(QWidget):
    """A ConText hint beside its field: the value and rule, Accept, Reject."""

    def __init__(self, decide: Callable[[bool], object]) -> None:
        super().__init__()
        self.text = QLabel()
        self.accept = QPushButton("Accept")
        self.reject = QPushButton("Reject")
        self.accept.clicked.connect(lambda: decide(True))
        self.reject.clicked.connect(lambda: decide(False))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept)
        layout.addWidget(self.reject)

    def show_hint(self, hint: dict[str, str] | None) -> None:
        """Show ``hint`` (``{"value", "by", "rule"}``), or hide the row when None."""
        self.setVisible(hint is not None)
        if hint is not None:
            self.text.setText(f"Hint: {hint['value']}")
            self.text.setToolTip(f"Suggested by {hint.get('by', '')}: {hint.get('rule', '')}")


class SpanPanel(QScrollArea):
    """Attributes, hints, note and codes of the selected span; the note's document labels."""

    def __init__(self, viewer: TextViewer) -> None:
        super().__init__()
        self.viewer = viewer
        self.schema = viewer.schema
        self.span_id: str | None = None
        self._label: str | None = None
        self.fields: dict[str, AttributeField] = {}
        self.hints: dict[str, HintRow] = {}
        self.rules = RuleActions(viewer)

        self.header = QLabel(NO_SPAN)
        self.header.setWordWrap(True)
        self.attribute_box = QGroupBox("Attributes")
        self.attribute_form = QFormLayout(self.attribute_box)
        self.note = NoteEdit(self.save_note)
        self.note.setAccessibleName("Annotator note")
        note_box = QGroupBox("Note")
        QVBoxLayout(note_box).addWidget(self.note)

        self.codes = QListWidget()
        self.codes.setAccessibleName("Codes of the span")
        self.codes.setToolTip("Del removes the code")
        self.codes.setMaximumHeight(70)
        store = viewer.workspace.terminologies()
        self._store = store
        self._available: list[str] | None = None  # read at the first span shown
        self.picker = CodePicker(functools.partial(search, store=store), [])
        self.picker.code_chosen.connect(self.attach)
        viewer.destroyed.connect(self.picker.close_jobs)
        self.code_box = QGroupBox("Codes")
        code_layout = QVBoxLayout(self.code_box)
        code_layout.addWidget(self.codes)
        code_layout.addWidget(self.picker)

        self.document_box = QGroupBox("Document")
        self.document_form = QFormLayout(self.document_box)
        self.document_fields: dict[str, AttributeField] = {}
        for attribute in self.schema.attributes_for(None):
            field = AttributeField(attribute, self)
            field.edited.connect(functools.partial(self.set_document_label, attribute.name))
            self.document_fields[attribute.name] = field
            self.document_form.addRow(attribute.name, field.widget)
        self.document_box.setVisible(bool(self.document_fields))

        tools = QHBoxLayout()
        for action in (self.rules.phi_action, self.rules.context_action):
            button = QToolButton()
            button.setDefaultAction(action)
            tools.addWidget(button)
        tools.addStretch(1)
        hint_tools = QHBoxLayout()
        self.accept_hints = QPushButton("Accept all hints")
        self.reject_hints = QPushButton("Reject all hints")
        for hint_button, accept in ((self.accept_hints, True), (self.reject_hints, False)):
            hint_button.setToolTip(
                f"{'Accept' if accept else 'Reject'} the assertion hints of every span of the "
                "label the span list shows (one undo step)"
            )
            hint_button.clicked.connect(functools.partial(self.decide_all_hints, accept))
            hint_tools.addWidget(hint_button)
        hint_tools.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.rules.finished.connect(self.status.setText)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(tools)
        layout.addLayout(hint_tools)
        layout.addWidget(self.status)
        for widget in (self.header, self.attribute_box, note_box, self.code_box):
            layout.addWidget(widget)
        layout.addWidget(self.document_box)
        layout.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("F2 in the text comes here; Escape goes back to the text")
        self.setMinimumWidth(260)

        for watched in (self.note, self.codes, self.picker.query, self.picker.results):
            watched.installEventFilter(self)
        for field in self.document_fields.values():
            field.widget.installEventFilter(self)
        viewer.editor.installEventFilter(self)
        viewer.selection_changed.connect(self.show_span)
        for emitter in (viewer.document.added, viewer.document.updated, viewer.document.removed):
            viewer.relays.connect(emitter, self._on_changed)
        self.show_span(viewer.selected_id)
        self._fill_document()

    # ------------------------------------------------------------------ showing
    def selected(self) -> Annotation | None:
        """The span shown (None if none, or gone)."""
        document = self.viewer.document
        return document.get(self.span_id) if self.span_id and self.span_id in document else None

    def show_span(self, span_id: str | None) -> None:
        """Show ``span_id``'s attributes, note and codes (None: none)."""
        changed = span_id != self.span_id
        if self.span_id is not None and changed:
            self.save_note()
        self.span_id = span_id
        annotation = self.selected()
        if annotation is not None and (annotation.label != self._label or not self.fields):
            self._build(annotation.label)
        # No span: the last label's fields stay built, hidden, for the next span (building
        # them costs more than the rest of a selection).
        self.attribute_box.setVisible(annotation is not None and bool(self.fields))
        self.code_box.setEnabled(annotation is not None)
        self._fill(note=changed)

    def _build(self, label: str | None) -> None:
        """Make the attribute fields of ``label`` (None: no span)."""
        self._label = label
        while self.attribute_form.rowCount():
            self.attribute_form.removeRow(0)
        for old in self.fields.values():
            old.deleteLater()
        self.fields, self.hints = {}, {}
        attributes = self.schema.attributes_for(label) if label is not None else ()
        for attribute in attributes if label is not None else ():
            if attribute.applies_to is None:
                continue  # a document label, not a span's
            field = AttributeField(attribute, self)
            field.edited.connect(functools.partial(self.set_attribute, attribute.name))
            field.widget.installEventFilter(self)
            hint = HintRow(functools.partial(self.decide_hint, attribute.name))
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(field.widget)
            column.addWidget(hint)
            self.fields[attribute.name], self.hints[attribute.name] = field, hint
            self.attribute_form.addRow(attribute.name, cell)
        self.attribute_box.setVisible(bool(self.fields))
        if label is not None and self._available is None:
            self._available = searchable_systems(self._store)
        systems = systems_for(self.schema, label, self._available or []) if label else []
        self.picker.set_systems(systems)
        self.code_box.setEnabled(label is not None)

    def _fill(self, *, note: bool = False) -> None:
        """Show the span's current values (``note``: the note too, even while it is edited)."""
        annotation = self.selected()
        editable = annotation is not None and self.viewer.read_only_reason is None
        if annotation is None:
            self.header.setText(NO_SPAN)
        else:
            self.header.setText(f"{annotation.label} — “{annotation.data.get('text', '')}”")
        values = attributes_of(annotation) if annotation is not None else {}
        hints = attribute_hints(annotation) if annotation is not None else {}
        for name, field in self.fields.items():
            field.show_value(values.get(name))
            field.widget.setEnabled(editable)
            self.hints[name].show_hint(hints.get(name))
            self.hints[name].setEnabled(editable)
        if note or not self.note.hasFocus():
            self.note.setPlainText(str(annotation.data.get(NOTE, "")) if annotation else "")
        self.note.setEnabled(annotation is not None)
        self.note.setReadOnly(not editable)
        self.codes.clear()
        try:
            codes = codes_of(annotation) if annotation is not None else []
        except AnnotationKindError:
            codes = []
        for code in codes:
            item = QListWidgetItem(f"{code.system} {code.code}  {code.display}")
            item.setData(_CODE, code)
            self.codes.addItem(item)
        self.picker.setEnabled(editable and bool(self.picker.system()))

    def _fill_document(self) -> None:
        current = document_labels_annotation(self.viewer.document)
        values = attributes_of(current) if current is not None else {}
        for name, field in self.document_fields.items():
            field.show_value(values.get(name))

    def _on_changed(self, annotation: Annotation) -> None:
        if annotation.id == self.span_id:
            if self.selected() is not None and annotation.label != self._label:
                self._build(annotation.label)
            self._fill()
        elif annotation.label is None:
            self._fill_document()

    # ------------------------------------------------------------------ editing
    def _push(self, make: Callable[[], Command | None]) -> bool:
        """Build a command (a refusal becomes a message) and push it through the viewer."""
        if self.viewer.refuse_edit():
            self._fill()
            return False
        try:
            command = make()
        except AnnotationKindError as exc:
            self.viewer.message.emit(str(exc))
            self._fill()
            return False
        return command is not None and self.viewer.push(command)

    def set_attribute(self, name: str, value: AttributeValue | None) -> bool:
        """Set attribute ``name`` of the shown span (None: unset)."""
        annotation = self.selected()
        if annotation is None:
            return False
        document = self.viewer.document
        return self._push(lambda: set_attribute(document, self.schema, annotation, name, value))

    def decide_hint(self, name: str, accept: bool) -> bool:
        """Accept or reject the hint on attribute ``name`` of the shown span."""
        annotation = self.selected()
        if annotation is None:
            return False
        document = self.viewer.document
        return self._push(lambda: decide_hint(document, self.schema, annotation, name, accept))

    def decide_all_hints(self, accept: bool) -> bool:
        """Accept or reject the hints of every span of the span list's label (all if none)."""
        label = self.viewer.span_panel.label_filter()
        ids = [
            a.id
            for a in self.viewer.document.all()
            if attribute_hints(a) and (label is None or a.label == label)
        ]
        if not ids:
            self.viewer.message.emit(f"No hints{f' on {label} spans' if label else ''} to decide.")
            return False
        decide = accept_attribute_hints if accept else reject_attribute_hints
        return self._push(lambda: decide(self.viewer.document, ids))

    def save_note(self) -> bool:
        """Save the note field on the shown span (nothing if it did not change)."""
        annotation = self.selected()
        if annotation is None or self.note.isReadOnly():
            return False
        text = self.note.toPlainText()
        return self._push(lambda: set_note(self.viewer.document, annotation, text))

    def attach(self, code: AnnotationCode) -> bool:
        """Attach ``code`` (from the picker) to the shown span."""
        annotation = self.selected()
        if annotation is None:
            return False
        document = self.viewer.document
        return self._push(lambda: attach_code(document, annotation.id, code, schema=self.schema))

    def detach_current(self) -> bool:
        """Take the code of the current row of the code list off the span."""
        annotation, item = self.selected(), self.codes.currentItem()
        if annotation is None or item is None:
            return False
        code: AnnotationCode = item.data(_CODE)
        row = self.codes.currentRow()
        done = self._push(lambda: detach_code(self.viewer.document, annotation.id, code))
        if done and self.codes.count():
            self.codes.setCurrentRow(min(row, self.codes.count() - 1))
        return done

    def set_document_label(self, name: str, value: AttributeValue | None) -> bool:
        """Set the note's document label ``name`` (None: unset)."""
        viewer = self.viewer
        return self._push(
            lambda: set_document_label(
                viewer.document, self.schema, viewer.item.id, name, value, viewer.workspace.user
            )
        )

    # ------------------------------------------------------------------ keyboard
    def focus_panel(self) -> None:
        """Focus the first field of the panel (the span's, else the document's)."""
        fields = [*self.fields.values(), *self.document_fields.values()]
        targets = [f.widget for f in fields if f.widget.isEnabled()]
        target = targets[0] if targets else self.note
        self.ensureWidgetVisible(target)
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """F2 in the text focuses the panel; Escape in the panel returns to the text; Del on
        a code removes it."""
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key, plain = event.key(), event.modifiers() == Qt.KeyboardModifier.NoModifier
        action: Callable[[], object] | None = None
        if watched is self.viewer.editor:
            action = self.focus_panel if key == Qt.Key.Key_F2 and plain else None
        elif key == Qt.Key.Key_Escape and plain:
            action = self.viewer.editor.setFocus
        elif watched is self.codes and key == Qt.Key.Key_Delete and plain:
            action = self.detach_current
        if action is None:
            return super().eventFilter(watched, event)
        event.accept()
        if kind == QEvent.Type.KeyPress:
            action()
        return True

    def shutdown(self) -> None:
        """Drop the picker's searches (the viewer is closing)."""
        self.picker.close_jobs()
