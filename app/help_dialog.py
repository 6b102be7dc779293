"""Keyboard shortcut reference, generated from the live action registry (never stale)."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.actions import ActionRegistry, ShortcutEntry
from viewers.base import viewer_gestures
from viewers.builtins import load_all_viewers


class HelpDialog(QDialog):
    """Lists every registered action that has a keyboard shortcut, by category."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caliper — Keyboard shortcuts")
        self.resize(560, 520)
        self._registry = registry
        intro = QLabel(
            "Every keyboard shortcut of this window. Label shortcuts follow the label schema "
            "of the open item."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Category", "Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the registry."""
        load_all_viewers()  # their gestures
        entries = self._registry.entries() + [
            ShortcutEntry(category, text, (keys,)) for category, text, keys in viewer_gestures()
        ]
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for column, text in enumerate(_cells(entry)):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def shortcut_texts(self) -> list[str]:
        """Every shortcut shown (tests)."""
        rows = range(self.table.rowCount())
        cells = (self.table.item(row, 2) for row in rows)
        return [key for cell in cells if cell is not None for key in cell.text().split(", ")]

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh each time it is shown (shortcuts change with the open item)."""
        self.refresh()
        super().showEvent(event)


def _cells(entry: ShortcutEntry) -> tuple[str, str, str]:
    return entry.category, entry.text, ", ".join(entry.keys)
