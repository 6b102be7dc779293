"""One editor widget per schema attribute kind: choice → combo box, multi → checkable list,
text → line edit, number → spin box, bool → check box.

A field shows a value (:meth:`AttributeField.show_value`, silent) and emits
:attr:`AttributeField.edited` with the value a person chose (None: unset) — only for a
person's edit, never when it is filled in.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from workspace.schema import AttributeDef, AttributeValue

UNSET = "—"
NUMBER_LIMIT = 1e12


class AttributeField(QObject):
    """The editor of one attribute; ``widget`` goes in the panel's form."""

    edited = Signal(object)  # AttributeValue | None

    def __init__(self, attribute: AttributeDef, parent: QObject | None = None) -> None:
        """``parent`` (the panel) owns the field: its connections go with the panel."""
        super().__init__(parent)
        self.attribute = attribute
        self.widget: QWidget = self._make()
        self.widget.setAccessibleName(attribute.name)
        self.widget.setToolTip(attribute.description)

    def _make(self) -> QWidget:
        kind = self.attribute.kind
        if kind == "choice":
            combo = QComboBox()
            default = self.attribute.default
            combo.addItem(f"{UNSET} ({default})" if default is not None else UNSET, None)
            for value in self.attribute.values:
                combo.addItem(value, value)
            combo.activated.connect(lambda i: self.edited.emit(combo.itemData(i)))
            return combo
        if kind == "multi":
            checks = QListWidget()
            for value in self.attribute.values:
                item = QListWidgetItem(value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                checks.addItem(item)
            checks.setMaximumHeight(20 * min(len(self.attribute.values), 5) + 6)
            checks.itemChanged.connect(lambda _: self.edited.emit(self._checked() or None))
            return checks
        if kind == "number":
            spin = QDoubleSpinBox()
            spin.setRange(-NUMBER_LIMIT, NUMBER_LIMIT)
            spin.setDecimals(3)
            spin.setKeyboardTracking(False)
            spin.editingFinished.connect(lambda: self._number_edited(spin))
            return spin
        if kind == "bool":
            box = QCheckBox()
            box.clicked.connect(lambda on: self.edited.emit(bool(on)))
            return box
        line = QLineEdit()
        line.editingFinished.connect(lambda: self._text_edited(line))
        return line

    def _checked(self) -> list[str]:
        assert isinstance(self.widget, QListWidget)
        items = (self.widget.item(i) for i in range(self.widget.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def _number_edited(self, spin: QDoubleSpinBox) -> None:
        value = spin.value()
        number: float | int = int(value) if value.is_integer() else value
        if number != self._shown:
            self.edited.emit(number)

    def _text_edited(self, line: QLineEdit) -> None:
        text = line.text().strip()
        if text != (self._shown or ""):
            self.edited.emit(text or None)

    _shown: Any = None

    def show_value(self, value: AttributeValue | None) -> None:
        """Show ``value`` (None: unset) without emitting :attr:`edited`."""
        self._shown = value
        widget = self.widget
        blocked = widget.blockSignals(True)
        try:
            if isinstance(widget, QComboBox):
                index = widget.findData(value) if value is not None else 0
                widget.setCurrentIndex(max(index, 0))
            elif isinstance(widget, QListWidget):
                chosen = set(value) if isinstance(value, list | tuple) else set()
                for i in range(widget.count()):
                    item = widget.item(i)
                    on = item.text() in chosen
                    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            elif isinstance(widget, QDoubleSpinBox):
                widget.setValue(float(value) if isinstance(value, int | float) else 0.0)
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value) if value is not None else "")
        finally:
            widget.blockSignals(blocked)
