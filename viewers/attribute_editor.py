"""A form of the schema's attributes for one annotation: choice, text, number, flag, several
choices. Shared by the viewers (an audio region, a slide region or cell).

One field per attribute the schema lets the annotation's label carry (those naming the label in
``applies_to``; a viewer ``skip``s those it shows in places of its own, as the audio viewer does
its transcript and speaker): a choice is a combo box whose first entry, "—", leaves it unset;
text and numbers a line edit (saved when it loses focus or on Enter); a flag a check box;
several choices a list of check boxes. A field reports a change only when the user makes it
(:attr:`AttributeEditor.changed`: name and value, None when cleared); showing values reports
nothing.

Keyboard: the viewer's F2 focuses the first field, Tab moves through them, a letter picks the
choice it starts, Space ticks a flag or a list entry, Escape gives the keys back to the viewer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from workspace.schema import AttributeDef, LabelSchema

UNSET = "—"
Field = QComboBox | QLineEdit | QCheckBox | QListWidget


class _ChoiceBox(QComboBox):
    """A combo box that keeps plain letter keys for its own search (not label shortcuts)."""

    def event(self, event: QEvent) -> bool:
        """Claim unmodified printable keys while focused."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.text().isprintable()
            and event.text()
            and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        ):
            event.accept()
            return True
        return super().event(event)


def editable_attributes(schema: LabelSchema, label: str, skip: Sequence[str]) -> list[AttributeDef]:
    """The attributes an annotation labelled ``label`` carries in the form (schema order)."""
    return [
        a
        for a in schema.attributes
        if a.applies_to is not None and label in a.applies_to and a.name not in skip
    ]


class AttributeEditor(QWidget):
    """The attribute fields of one annotation (rebuilt when the label changes)."""

    changed = Signal(str, object)  # attribute name, new value (None: cleared)
    escaped = Signal()

    def __init__(self, skip: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.skip = tuple(skip)
        self.fields: dict[str, Field] = {}
        self._defs: dict[str, AttributeDef] = {}
        self._label: str | None = None
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)

    # ------------------------------------------------------------------ showing
    def show_values(
        self,
        schema: LabelSchema | None,
        label: str | None,
        values: Mapping[str, Any],
        *,
        fresh: bool = True,
    ) -> None:
        """Show the fields of ``label`` (None: none) filled with ``values``; unless ``fresh``
        (another annotation), a text being typed is left as it is."""
        if label != self._label or schema is None:
            self._rebuild(schema, label)
        for name, field in self.fields.items():
            if fresh or not field.hasFocus() or isinstance(field, QComboBox | QCheckBox):
                self._fill(field, self._defs[name], values.get(name))

    def first_field(self) -> QWidget | None:
        """The field F2 focuses."""
        return next(iter(self.fields.values()), None)

    def _rebuild(self, schema: LabelSchema | None, label: str | None) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self.fields.clear()
        self._defs.clear()
        self._label = label
        if schema is None or label is None:
            return
        for attribute in editable_attributes(schema, label, self.skip):
            field = self._field(attribute)
            field.setToolTip(attribute.description)
            field.setObjectName(f"attribute-{attribute.name}")
            field.installEventFilter(self)
            caption = QLabel(attribute.name.replace("_", " ").capitalize())
            caption.setBuddy(field)
            self._form.addRow(caption, field)
            self.fields[attribute.name] = field
            self._defs[attribute.name] = attribute

    def _field(self, attribute: AttributeDef) -> Field:
        name = attribute.name
        if attribute.kind == "choice":
            box = _ChoiceBox()
            box.addItem(UNSET, None)
            for value in attribute.values:
                box.addItem(value.replace("_", " "), value)
            box.activated.connect(lambda _i, b=box: self.changed.emit(name, b.currentData()))
            return box
        if attribute.kind == "bool":
            check = QCheckBox()
            check.clicked.connect(lambda on: self.changed.emit(name, bool(on)))
            return check
        if attribute.kind == "multi":
            listing = QListWidget()
            for value in attribute.values:
                entry = QListWidgetItem(value.replace("_", " "))
                entry.setData(Qt.ItemDataRole.UserRole, value)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Unchecked)
                listing.addItem(entry)
            listing.setMaximumHeight(18 * min(len(attribute.values), 5) + 8)
            listing.itemChanged.connect(lambda _e, w=listing: self._multi_changed(name, w))
            return listing
        line = QLineEdit()
        if attribute.kind == "number":
            line.setValidator(QDoubleValidator())
        line.editingFinished.connect(lambda w=line: self._text_changed(name, w))
        return line

    def _fill(self, field: Field, attribute: AttributeDef, value: Any) -> None:
        field.blockSignals(True)
        try:
            if isinstance(field, QComboBox):
                field.setCurrentIndex(max(field.findData(value), 0) if value is not None else 0)
            elif isinstance(field, QCheckBox):
                field.setChecked(value is True)
            elif isinstance(field, QListWidget):
                chosen = set(value) if isinstance(value, list | tuple) else set()
                for row in range(field.count()):
                    entry = field.item(row)
                    on = entry.data(Qt.ItemDataRole.UserRole) in chosen
                    entry.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            else:
                field.setText("" if value is None else str(value))
                field.setProperty("shown", field.text())
        finally:
            field.blockSignals(False)
        del attribute

    # ------------------------------------------------------------------ reporting
    def _multi_changed(self, name: str, listing: QListWidget) -> None:
        chosen = [
            listing.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(listing.count())
            if listing.item(row).checkState() == Qt.CheckState.Checked
        ]
        self.changed.emit(name, chosen or None)

    def _text_changed(self, name: str, line: QLineEdit) -> None:
        text = line.text().strip()
        if text == (line.property("shown") or ""):
            return
        line.setProperty("shown", text)
        if not text:
            self.changed.emit(name, None)
        elif self._defs[name].kind == "number":
            try:
                number = float(text)
            except ValueError:
                return
            self.changed.emit(name, int(number) if number.is_integer() else number)
        else:
            self.changed.emit(name, text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Escape in a field hands the keys back to the viewer."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.escaped.emit()
            return True
        return super().eventFilter(watched, event)
