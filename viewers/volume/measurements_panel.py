"""The Measurements list: every landmark, ruler and 3D box of the item, as in Slicer's Markups.

One row per measurement with its kind, label and value (a length in mm, a box's size, a
point's position, a polygon's area and values). Selecting a row moves the crosshair to it;
Delete (the button or the key) deletes it; the label box below gives it another of the
schema's labels; its tick shows or hides it in the slices and in 3D (as Slicer's eye). The
panel only reports what the user asks for; the viewer pushes the commands.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewers.swatch import swatch
from viewers.volume.markup_geometry import KIND_NAMES, value_text
from viewers.volume.markup_layer import UNLABELLED
from viewers.volume.tool_options import shrinkable
from workspace.annotations import Annotation
from workspace.schema import LabelClass

ID_ROLE = Qt.ItemDataRole.UserRole
NO_LABEL = "(no label)"


class _Tree(QTreeWidget):
    """The list; Delete and Backspace ask to delete the current row."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentItem():
            self.delete_pressed.emit()
        else:
            super().keyPressEvent(event)


class MeasurementsPanel(QWidget):
    """The item's measurements; selecting, deleting and relabelling them."""

    selected = Signal(object)  # annotation id, or None
    delete_requested = Signal(str)  # annotation id
    relabel_requested = Signal(str, str)  # annotation id, label
    visibility_changed = Signal(str, bool)  # annotation id, shown

    def __init__(self, classes: Sequence[LabelClass], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measurementsPanel")
        self.colors = {c.name: c.color for c in classes}
        self.tree = _Tree()
        self.tree.setObjectName("measurementsList")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Measurement", "Label", "Value"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(lambda _now, _before: self._current_changed())
        self.tree.itemClicked.connect(lambda _row, _column: self._current_changed())
        self.tree.delete_pressed.connect(self._delete)
        self.tree.itemChanged.connect(self._ticked)
        self.label = shrinkable(QComboBox())
        self.label.setObjectName("measurementLabel")
        self.label.setToolTip("Give the selected measurement another label")
        self.label.addItem(NO_LABEL, None)
        for label in classes:
            self.label.addItem(swatch(label.color), label.name, label.name)
        self.label.activated.connect(self._relabel)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteMeasurement")
        self.delete_button.setToolTip("Delete the selected measurement (Delete)")
        self.delete_button.clicked.connect(self._delete)
        self.empty = QLabel("No measurements yet: choose Landmark, Ruler or 3D box in Tools.")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        row = QHBoxLayout()
        row.addWidget(QLabel("Label"))
        row.addWidget(self.label, 1)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        layout.addLayout(row)
        self._enable()

    # ------------------------------------------------------------------ model -> view
    def set_markups(self, annotations: Sequence[Annotation], hidden: Collection[str] = ()) -> None:
        """Show ``annotations``, those of ids in ``hidden`` unticked (keeping the selection
        where it still exists)."""
        current = self.current_id()
        self.tree.blockSignals(True)
        self.tree.clear()
        for annotation in annotations:
            label = annotation.label or ""
            row = QTreeWidgetItem(
                self.tree, [KIND_NAMES[annotation.kind], label, value_text(annotation)]
            )
            row.setIcon(0, swatch(self.colors.get(label, UNLABELLED)))
            row.setData(0, ID_ROLE, annotation.id)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            shown = annotation.id not in hidden
            row.setCheckState(0, Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked)
            row.setToolTip(0, "Untick to hide it in the slices and in 3D")
            row.setToolTip(2, row.text(2))
            if annotation.id == current:
                self.tree.setCurrentItem(row)
        self.tree.blockSignals(False)
        self.empty.setVisible(not annotations)
        self._enable()
        if self.current_id() != current:
            self.selected.emit(self.current_id())

    def select(self, annotation_id: str | None) -> None:
        """Make ``annotation_id``'s row the current one (None: no row), without reporting it."""
        row = self.row_of(annotation_id) if annotation_id else None
        self.tree.blockSignals(True)
        if row is None:
            self.tree.clearSelection()
        else:
            self.tree.setCurrentItem(row)
            self.tree.scrollToItem(row)
        self.tree.blockSignals(False)
        self._enable()

    def row_of(self, annotation_id: str | None) -> QTreeWidgetItem | None:
        """The row of ``annotation_id``."""
        for n in range(self.tree.topLevelItemCount()):
            row = self.tree.topLevelItem(n)
            if row is not None and row.data(0, ID_ROLE) == annotation_id:
                return row
        return None

    def current_id(self) -> str | None:
        """The selected measurement's annotation id."""
        row = self.tree.currentItem()
        value = None if row is None or not row.isSelected() else row.data(0, ID_ROLE)
        return value if isinstance(value, str) else None

    # ------------------------------------------------------------------ view -> requests
    def _current_changed(self) -> None:
        self._enable()
        self.selected.emit(self.current_id())

    def _enable(self) -> None:
        annotation_id = self.current_id()
        self.delete_button.setEnabled(annotation_id is not None)
        self.label.setEnabled(annotation_id is not None)
        row = self.row_of(annotation_id) if annotation_id else None
        self.label.blockSignals(True)
        self.label.setCurrentIndex(max(self.label.findData(row.text(1)), 0) if row else 0)
        self.label.blockSignals(False)

    def _ticked(self, row: QTreeWidgetItem, column: int) -> None:
        annotation_id = row.data(0, ID_ROLE)
        if column == 0 and isinstance(annotation_id, str):
            shown = row.checkState(0) == Qt.CheckState.Checked
            self.visibility_changed.emit(annotation_id, shown)

    def _delete(self) -> None:
        annotation_id = self.current_id()
        if annotation_id is not None:
            self.delete_requested.emit(annotation_id)

    def _relabel(self, _index: int) -> None:
        annotation_id, label = self.current_id(), self.label.currentData()
        if annotation_id is not None and isinstance(label, str):
            self.relabel_requested.emit(annotation_id, label)
        else:
            self._enable()  # "(no label)" cannot be given back: show the label again
