"""One dialog listing every problem an import (or other batch job) ran into."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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


class ProblemsDialog(QDialog):
    """A table of (file, problem) rows with a one-line summary above it."""

    def __init__(
        self, summary: str, problems: Sequence[tuple[Path, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caliper — Import problems")
        self.resize(720, 380)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(problems), 2)
        self.table.setHorizontalHeaderLabels(["File", "Problem"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (path, message) in enumerate(problems):
            name = QTableWidgetItem(path.name or str(path))
            name.setToolTip(str(path))
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(message.removeprefix(f"{path}: ")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def problem_texts(self) -> list[str]:
        """The problem column (tests)."""
        cells = (self.table.item(row, 1) for row in range(self.table.rowCount()))
        return [cell.text() for cell in cells if cell is not None]
