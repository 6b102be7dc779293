"""Label palette dock: the open item's label classes (swatch, name, shortcut)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.actions import ActionRegistry
from viewers.swatch import swatch
from workspace.schema import LabelClass, LabelSchema

CATEGORY = "Labels"
NAME_ROLE = Qt.ItemDataRole.UserRole
NO_SCHEMA = "Open an item to see its labels."


class LabelPaletteDock(QDockWidget):
    """Click a label (or press its shortcut) to make it the active label."""

    active_label_changed = Signal(object)  # LabelClass | None
    label_triggered = Signal(object)  # LabelClass, from its keyboard shortcut

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__("Labels", parent)
        self.setObjectName("labelPaletteDock")
        self._registry = registry
        self.schema: LabelSchema | None = None
        self._classes: dict[str, LabelClass] = {}
        self._action_ids: list[str] = []
        self.caption = QLabel(NO_SCHEMA)
        self.caption.setWordWrap(True)
        self.caption.setContentsMargins(4, 2, 4, 2)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Label", "Key"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.tree.header().resizeSection(1, 64)
        self.tree.itemSelectionChanged.connect(self._on_selection)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.tree)
        self.setWidget(body)

    @property
    def active_label(self) -> LabelClass | None:
        """The selected label class."""
        rows = self.tree.selectedItems()
        return self._classes.get(rows[0].data(0, NAME_ROLE)) if rows else None

    def set_schema(self, schema: LabelSchema | None) -> None:
        """Show ``schema``'s classes and bind their shortcuts (None clears the palette)."""
        if schema == self.schema:
            return
        for action_id in self._action_ids:
            self._registry.remove(action_id)
        self._action_ids.clear()
        self.tree.clear()
        self.schema = schema
        self._classes = {c.name: c for c in schema.classes} if schema else {}
        self.caption.setText(f"Schema: {schema.name}" if schema else NO_SCHEMA)
        if schema is None:
            self.active_label_changed.emit(None)
            return
        for index, label in enumerate(schema.classes):
            row = QTreeWidgetItem(self.tree, [label.name, label.shortcut or ""])
            row.setIcon(0, swatch(label.color))
            row.setData(0, NAME_ROLE, label.name)
            row.setToolTip(0, label.description or label.name)
            row.setTextAlignment(1, Qt.AlignmentFlag.AlignCenter)
            owner = self._registry.owner_of(label.shortcut) if label.shortcut else None
            if owner is not None:
                row.setToolTip(1, f"Not bound: {label.shortcut} is already used ({owner}).")
                row.setText(1, f"({label.shortcut})")
            elif label.shortcut:
                action_id = f"label.{index}"
                action = self._registry.add(
                    action_id,
                    f"Label “{label.name}” (apply to selection)",
                    shortcuts=[label.shortcut],
                    category=CATEGORY,
                )
                action.triggered.connect(lambda _c=False, name=label.name: self.trigger(name))
                self._action_ids.append(action_id)
        self.active_label_changed.emit(None)

    def select(self, name: str | None) -> None:
        """Make ``name`` the active label (None clears the choice)."""
        for i in range(self.tree.topLevelItemCount()):
            row = self.tree.topLevelItem(i)
            if row is not None and row.data(0, NAME_ROLE) == name:
                self.tree.setCurrentItem(row)
                return
        self.tree.clearSelection()

    def trigger(self, name: str) -> None:
        """A label's shortcut: select it and ask the viewer to apply it."""
        label = self._classes.get(name)
        if label is not None:
            self.select(name)
            self.label_triggered.emit(label)

    def _on_selection(self) -> None:
        self.active_label_changed.emit(self.active_label)
