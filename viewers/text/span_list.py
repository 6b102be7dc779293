"""The side list of a note's spans: label, line:column and the text in its context.

A list model over the span index (rows in text order, kept in step one span at a time, so a
note with 20,000 spans is not re-listed on every edit), filtered by label. Clicking a row, or
Enter on it, asks the viewer to jump to the span. The list is a one-column
:class:`QTableView`: a ``QListView`` re-lays out every row after an insert (about 4 ms for
20,000 rows, on every added span), a table view's fixed-height rows need no layout.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from viewers.swatch import swatch
from viewers.text.span_index import SpanEntry, SpanIndex

ID_ROLE = Qt.ItemDataRole.UserRole
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1
CONTEXT_CHARS = 24
ALL_LABELS = "All labels"
_SPACES = re.compile(r"\s+")

ModelIndex = QModelIndex | QPersistentModelIndex


class SpanListModel(QAbstractListModel):
    """One row per span of ``index``, in text order."""

    def __init__(self, text: str, index: SpanIndex, colors: dict[str, str]) -> None:
        super().__init__()
        self.text = text
        self.spans = index
        self.colors = colors
        self._keys: list[tuple[int, int, str]] = []

    def reset(self) -> None:
        """Re-read every span of the index."""
        self.beginResetModel()
        self._keys = self.spans.ordered_keys()
        self.endResetModel()

    def insert(self, entry: SpanEntry) -> None:
        key = (entry.start, entry.end, entry.id)
        row = bisect_left(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._keys.insert(row, key)
        self.endInsertRows()

    def remove(self, entry: SpanEntry) -> None:
        key = (entry.start, entry.end, entry.id)
        row = bisect_left(self._keys, key)
        if row < len(self._keys) and self._keys[row] == key:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._keys[row]
            self.endRemoveRows()

    def row_of(self, span_id: str) -> int:
        """The row of ``span_id`` (-1 if not listed)."""
        entry = self.spans.entries.get(span_id)
        if entry is None:
            return -1
        key = (entry.start, entry.end, entry.id)
        row = bisect_left(self._keys, key)
        return row if row < len(self._keys) and self._keys[row] == key else -1

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        entry = self.spans.entries.get(self._keys[index.row()][2])
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.describe(entry)
        if role == Qt.ItemDataRole.DecorationRole:
            return swatch(self.colors.get(entry.label, "#9e9e9e"))
        if role == Qt.ItemDataRole.ToolTipRole and entry.suggestion:
            return "Suggested: Enter or A accepts, Backspace or R rejects."
        if role == ID_ROLE:
            return entry.id
        if role == LABEL_ROLE:
            return entry.label
        return None

    def describe(self, entry: SpanEntry) -> str:
        """``label · line:col · …before [covered] after…``."""
        line = self.spans.line_of(entry.start)
        column = entry.start - self.spans.line_starts[line]
        covered = " … ".join(self.text[a:b] for a, b in entry.fragments)
        before = self.text[max(0, entry.start - CONTEXT_CHARS) : entry.start]
        after = self.text[entry.end : entry.end + CONTEXT_CHARS]
        context = _SPACES.sub(" ", f"…{before}[{covered}]{after}…")
        mark = "? " if entry.suggestion else ""
        return f"{mark}{entry.label}  ·  {line + 1}:{column + 1}  ·  {context}"


class SpanListPanel(QWidget):
    """The span list, its label filter and the bulk suggestion buttons."""

    #: A row was clicked or entered: the span id to jump to.
    span_activated = Signal(str)
    #: Accept (True) or reject (False) every shown suggestion of the filtered label.
    bulk_suggestions = Signal(bool)

    def __init__(self, model: SpanListModel, labels: list[str]) -> None:
        super().__init__()
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setFilterRole(LABEL_ROLE)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        rows = self.view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        self.filter = QComboBox()
        self.filter.addItems([ALL_LABELS, *labels])
        self.filter.setToolTip("Show the spans of one label only")
        self.filter.currentTextChanged.connect(self.set_filter)
        self.accept_all = QPushButton("Accept suggestions")
        self.accept_all.setToolTip("Accept every suggestion of the label shown (one undo step)")
        self.accept_all.clicked.connect(lambda: self.bulk_suggestions.emit(True))
        self.reject_all = QPushButton("Reject suggestions")
        self.reject_all.setToolTip("Reject every suggestion of the label shown (one undo step)")
        self.reject_all.clicked.connect(lambda: self.bulk_suggestions.emit(False))
        self.header = QLabel("Spans")
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 2)
        for widget in (self.header, self.filter):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.accept_all)
        bar.addWidget(self.reject_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._count)

    def label_filter(self) -> str | None:
        """The label shown (None: all)."""
        text = self.filter.currentText()
        return None if text == ALL_LABELS else text

    def set_filter(self, label: str) -> None:
        """Show only spans labelled ``label`` (``ALL_LABELS``: every span)."""
        if self.filter.currentText() != label:
            self.filter.setCurrentText(label)
            return
        pattern = "" if label == ALL_LABELS else f"^{QRegularExpression.escape(label)}$"
        self.proxy.setFilterRegularExpression(pattern)
        self._count()

    def rows(self) -> list[str]:
        """The shown rows' text (tests)."""
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]

    def show_span(self, span_id: str | None) -> None:
        """Make ``span_id``'s row the current one (no jump)."""
        row = self.model.row_of(span_id) if span_id else -1
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row >= 0 else QModelIndex()
        self.view.setCurrentIndex(index)
        if index.isValid():
            self.view.scrollTo(index)

    def _count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.header.setText(f"Spans ({total})" if shown == total else f"Spans ({shown}/{total})")

    def _activate(self, index: QModelIndex) -> None:
        span_id = index.data(ID_ROLE)
        if span_id:
            self.span_activated.emit(str(span_id))
