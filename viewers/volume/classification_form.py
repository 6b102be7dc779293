"""The volume-level classification form: the schema's study attributes as input widgets.

One row per attribute that describes the whole item (:meth:`LabelSchema.attributes_for`
``None``): a choice is a combo box (blank: not set), a multi choice a column of check boxes, a
flag a check box, a number a spin box (blank: not set) and text a line edit. Save reports the
values set; the viewer stores them as the item's classification annotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from viewers.volume.tool_options import hint, shrinkable
from workspace.schema import AttributeDef, AttributeValue

UNSET = ""
NUMBER_LIMIT = 1e9


def _pretty(name: str) -> str:
    return name.replace("_", " ").capitalize()


class _Field:
    """The widget of one attribute, reading and showing its value."""

    def __init__(self, attribute: AttributeDef) -> None:
        self.attribute = attribute
        self.boxes: list[QCheckBox] = []
        self.widget: QWidget
        kind = attribute.kind
        if kind == "choice":
            box = shrinkable(QComboBox())
            box.addItem(UNSET, None)
            for value in attribute.values:
                box.addItem(_pretty(value), value)
            self.widget = box
        elif kind == "multi":
            self.widget = QWidget()
            column = QVBoxLayout(self.widget)
            column.setContentsMargins(0, 0, 0, 0)
            for value in attribute.values:
                check = QCheckBox(_pretty(value))
                check.setProperty("value", value)
                column.addWidget(check)
                self.boxes.append(check)
        elif kind == "bool":
            self.widget = QCheckBox()
        elif kind == "number":
            spin = QDoubleSpinBox()
            spin.setRange(-NUMBER_LIMIT, NUMBER_LIMIT)
            spin.setDecimals(2)
            spin.setSpecialValueText(" ")  # the minimum shows blank: not set
            spin.setValue(-NUMBER_LIMIT)
            self.widget = spin
        else:
            self.widget = QLineEdit()
        self.widget.setObjectName(f"attribute_{attribute.name}")
        self.widget.setToolTip(attribute.description)
        self.show(attribute.default)

    def value(self) -> AttributeValue | None:
        """The value set (None: not set)."""
        widget = self.widget
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            return data if isinstance(data, str) else None
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QDoubleSpinBox):
            return None if widget.value() <= widget.minimum() else float(widget.value())
        if isinstance(widget, QLineEdit):
            return widget.text().strip() or None
        chosen = tuple(str(b.property("value")) for b in self.boxes if b.isChecked())
        return chosen or None

    def show(self, value: Any) -> None:
        """Show ``value`` (None: not set)."""
        widget = self.widget
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(value), 0) if value is not None else 0)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QDoubleSpinBox):
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            widget.setValue(float(value) if is_number else widget.minimum())
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value) if value is not None else "")
        else:
            chosen = set(value) if isinstance(value, list | tuple) else set()
            for box in self.boxes:
                box.setChecked(box.property("value") in chosen)


class ClassificationForm(QWidget):
    """The study-level attributes of the item, saved as one classification annotation."""

    save_requested = Signal(dict)  # attribute name -> value (only those set)

    def __init__(self, attributes: Sequence[AttributeDef], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classificationForm")
        self.fields = {a.name: _Field(a) for a in attributes}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, field in self.fields.items():
            form.addRow(_pretty(name), field.widget)
        self.save_button = QPushButton("Save classification")
        self.save_button.setObjectName("saveClassification")
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.values()))
        self.status = QLabel()
        self.status.setObjectName("classificationStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        if self.fields:
            layout.addLayout(form)
            layout.addWidget(self.save_button)
        else:
            layout.addWidget(hint("The label schema defines no study-level attributes."))
        layout.addWidget(self.status)
        layout.addStretch(1)

    def values(self) -> dict[str, AttributeValue]:
        """The values set, by attribute name."""
        found = {name: field.value() for name, field in self.fields.items()}
        return {name: value for name, value in found.items() if value is not None}

    def show_stored(self, data: Mapping[str, Any] | None) -> None:
        """Show a stored classification's ``data`` (None: none stored, the defaults)."""
        stored: dict[str, Any] = {}
        if data is not None:
            stored = {"finding": data.get("finding"), **(data.get("attributes") or {})}
        for name, field in self.fields.items():
            field.show(stored.get(name, field.attribute.default if data is None else None))
        self.status.setText("Saved." if data is not None else "Not saved yet.")

    def say(self, text: str) -> None:
        """A message under the form (a problem when saving)."""
        self.status.setText(text)
