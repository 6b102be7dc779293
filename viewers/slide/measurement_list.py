"""The slide's measurements list (QuPath's *Annotations* and *Measurements* panes): a row per
shape — class with its colour, shape, area, perimeter or length, points counted — and under it
the counts and areas per class.

It follows the item's annotation document (its events, never a poll): changes are gathered and
applied together a moment after the first (:data:`SETTLE_MS`), row by row, so an edit among 10,000
shapes costs a few milliseconds; a burst of changes (an import) reloads the table once. The
model sorts its own rows (a proxy would call back into Python for every comparison).

Clicking a row selects the shape on the slide and centres the view on it; selecting a shape on
the slide selects its row. Delete deletes the selected shapes (one undo step, as the tool
row's Delete); *Copy as CSV* and *Export CSV…* give the table as shown.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from viewers.qt_events import RelayGroup
from viewers.slide.tools.base import ToolSession
from viewers.slide.tools.editing import delete_selected
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import GEOMETRY
from workspace.annotations import Annotation
from workspace.schema import LabelSchema
from workspace.slides.measurements import (
    ShapeMeasurement,
    area_per_class,
    counts_per_class,
    measure_shape,
    measure_shapes,
)

#: Changes are applied this long after the last one (a drag's or a compound command's burst).
SETTLE_MS = 40
#: More pending changes than this reload the whole table.
RELOAD_ABOVE = 500
UNKNOWN_COLOUR = "#808080"
Index = QModelIndex | QPersistentModelIndex


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


class MeasurementModel(QAbstractTableModel):
    """The rows of the measurement list, kept in the chosen sort order."""

    COLUMNS = ("Class", "Shape", "Area", "Length", "Cells")
    TIPS = (
        "The shape's class",
        "What was drawn (a merged or edited region is a polygon)",
        "Area of a region, holes taken out",
        "Perimeter of a region (holes included) or length of a line",
        "Cells counted by a point annotation",
    )
    #: Column widths in pixels that fit the side panel.
    WIDTHS = (110, 78, 78, 74, 36)

    def __init__(
        self, mpp: tuple[float, float] | None, colours: Mapping[str, str], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.mpp = mpp
        self.colours = dict(colours)
        self.rows: list[ShapeMeasurement] = []
        self._row_of: dict[str, int] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None

    @property
    def unit(self) -> str:
        """``µm`` when the slide's resolution is known, else ``px``."""
        return "µm" if self.mpp else "px"

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Rows (none under a row: a flat table)."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """The columns of :attr:`COLUMNS`."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        """Column titles with their units, and what they measure as tips."""
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        units = {2: f" {self.unit}²", 3: f" {self.unit}"}
        return self.COLUMNS[section] + units.get(section, "")

    def data(self, index: Index, role: int = 0) -> Any:
        """Text, the class's colour swatch, right-aligned numbers."""
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(row)[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return QColor(self.colours.get(row.label, UNKNOWN_COLOUR))
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.annotation_id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (kept while rows change; -1: the order they were drawn in)."""
        self._sort = (column, order) if column >= 0 else None
        self._resort()

    # ------------------------------------------------------------------ rows
    def cells(self, row: ShapeMeasurement) -> tuple[str, str, str, str, str]:
        """The shown text of a row."""
        points = str(row.points) if row.points else ""
        return row.label, row.shape, _number(row.area), _number(row.length), points

    def row_of(self, annotation_id: str) -> int | None:
        """The row showing ``annotation_id`` (None if it has none)."""
        return self._row_of.get(annotation_id)

    def reload(self, annotations: Sequence[Annotation]) -> None:
        """Measure every shape again."""
        self.beginResetModel()
        self.rows = measure_shapes(annotations, self.mpp)
        self._index()
        self.endResetModel()
        self._resort()

    def apply(self, changed: Mapping[str, Annotation | None]) -> None:
        """Bring the rows of ``changed`` shapes up to date (None: removed)."""
        gone = sorted(
            (self._row_of[i] for i, a in changed.items() if a is None and i in self._row_of),
            reverse=True,
        )
        for row in gone:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()
        if gone:
            self._index()
        new: list[ShapeMeasurement] = []
        for annotation_id, annotation in changed.items():
            if annotation is None:
                continue
            measured = measure_shape(annotation, self.mpp)
            at = self._row_of.get(annotation_id)
            if at is None:
                new.append(measured)
            else:
                self.rows[at] = measured
                last = self.index(at, len(self.COLUMNS) - 1)
                self.dataChanged.emit(self.index(at, 0), last)
        if new:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self.rows.extend(new)
            self._row_of.update((r.annotation_id, first + n) for n, r in enumerate(new))
            self.endInsertRows()
        self._resort()

    def _index(self) -> None:
        self._row_of = {row.annotation_id: n for n, row in enumerate(self.rows)}

    def _key(self, column: int) -> Callable[[ShapeMeasurement], Any]:
        if column == 0:
            return lambda r: (r.label, r.shape)
        if column == 1:
            return lambda r: (r.shape, r.label)
        if column == 2:
            return lambda r: -1.0 if r.area is None else r.area
        if column == 3:
            return lambda r: -1.0 if r.length is None else r.length
        return lambda r: r.points

    def _resort(self) -> None:
        """Put the rows in the sort order, keeping the view's selection on its shapes."""
        if self._sort is None or len(self.rows) < 2:
            return
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        ordered = sorted(self.rows, key=self._key(column), reverse=descending)
        if [r.annotation_id for r in ordered] == [r.annotation_id for r in self.rows]:
            self.rows = ordered
            return
        self.layoutAboutToBeChanged.emit()
        kept = [(p, self.rows[p.row()].annotation_id) for p in self.persistentIndexList()]
        self.rows = ordered
        self._index()
        for old, annotation_id in kept:
            self.changePersistentIndex(old, self.index(self._row_of[annotation_id], old.column()))
        self.layoutChanged.emit()


class _Table(QTableView):
    """The table; Delete asks to delete the selected shapes."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete and Backspace delete; other keys move as usual."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class MeasurementList(QWidget):
    """The table of the slide's shapes and the summary per class under it."""

    #: A row was chosen: centre the view on this level-0 position.
    go_to = Signal(float, float)
    #: A sentence for the status bar (an export failed...).
    message = Signal(str)

    def __init__(
        self,
        session: ToolSession,
        mpp: tuple[float, float] | None,
        schema: LabelSchema | None,
        *,
        refuse_edit: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.refuse_edit = refuse_edit
        colours = {c.name: c.color for c in schema.classes} if schema is not None else {}
        self.model = MeasurementModel(mpp, colours, self)
        self.table = _Table()
        self.table.setModel(self.model)
        self.table.setObjectName("slide-measurements")
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate(MeasurementModel.WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._table_selected)
        self.table.clicked.connect(self._table_selected)  # an already selected row: go again
        self.table.delete_pressed.connect(self.delete_selected)
        self.summary = QLabel()
        self.summary.setObjectName("slide-measurement-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        copy = QPushButton("Copy as CSV")
        copy.clicked.connect(self.copy_csv)
        export = QPushButton("Export CSV…")
        export.clicked.connect(self._ask_export)
        buttons = QHBoxLayout()
        buttons.addWidget(copy)
        buttons.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

        self._pending: dict[str, Annotation | None] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.flush)
        self._syncing = False
        self.relays = RelayGroup(self)
        document = session.document
        for emitter in (document.added, document.updated):
            self.relays.connect(emitter, self._changed)
        self.relays.connect(document.removed, self._removed)
        self.relays.connect(session.selected, self.show_selection)
        self.model.reload(document.all())
        self._show_summary()

    def close_model(self) -> None:
        """Stop following the document (the viewer is closing)."""
        self._timer.stop()
        self.relays.close()

    # ------------------------------------------------------------------ following
    def _changed(self, annotation: Annotation) -> None:
        if annotation.kind == SLIDE_SHAPE and GEOMETRY in annotation.data:
            self._pending[annotation.id] = annotation
            self._settle()

    def _removed(self, annotation: Annotation) -> None:
        if annotation.kind == SLIDE_SHAPE:
            self._pending[annotation.id] = None
            self._settle()

    def _settle(self) -> None:
        """Apply the changes :data:`SETTLE_MS` after the first of a burst (not the last:
        a steady stream of edits still shows within that time)."""
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Apply the changes gathered so far (tests call it instead of waiting)."""
        self._timer.stop()
        pending, self._pending = self._pending, {}
        if not pending:
            return
        self._syncing = True
        try:
            if len(pending) > RELOAD_ABOVE:
                self.model.reload(self.session.document.all())
            else:
                self.model.apply(pending)
        finally:
            self._syncing = False
        self.show_selection(self.session.selection, scroll=False)  # where the user scrolled
        self._show_summary()

    def _show_summary(self) -> None:
        rows = self.model.rows
        counts, areas = counts_per_class(rows), area_per_class(rows)
        shapes: dict[str, int] = {}
        for row in rows:
            shapes[row.label] = shapes.get(row.label, 0) + 1
        unit = self.model.unit
        lines = [
            f"<tr><th align=left>Class</th><th align=right>Shapes</th>"
            f"<th align=right>Cells</th><th align=right>Area ({unit}²)</th></tr>"
        ]
        for label in sorted(shapes):
            colour = self.model.colours.get(label, UNKNOWN_COLOUR)
            lines.append(
                f"<tr><td><span style='color:{colour}'>■</span> {label}</td>"
                f"<td align=right>{shapes[label]}</td>"
                f"<td align=right>{counts.get(label, '')}</td>"
                f"<td align=right>{_number(areas.get(label))}</td></tr>"
            )
        if not shapes:
            self.summary.setText("No shapes yet: draw with the tools above the slide.")
        else:
            self.summary.setText(f"<table cellspacing=2>{''.join(lines)}</table>")

    # ------------------------------------------------------------------ selection
    def show_selection(self, ids: Sequence[str], *, scroll: bool = True) -> None:
        """Select the rows of ``ids`` (the shapes selected on the slide), scrolled into view
        unless not ``scroll``."""
        if self._syncing:
            return
        chosen = QItemSelection()
        for annotation_id in ids:
            row = self.model.row_of(annotation_id)
            if row is not None:
                last = self.model.index(row, self.model.columnCount() - 1)
                chosen.select(self.model.index(row, 0), last)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        was, self._syncing = self._syncing, True
        try:
            self.table.selectionModel().select(chosen, flags)
        finally:
            self._syncing = was
        if scroll and ids and (row := self.model.row_of(ids[-1])) is not None:
            self.table.scrollTo(self.model.index(row, 0))

    def selected_ids(self) -> list[str]:
        """The shapes of the selected rows, in row order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.rows[row].annotation_id for row in rows]

    def _table_selected(self, *_: object) -> None:
        if self._syncing:
            return
        ids = self.selected_ids()
        current = self.table.currentIndex()
        if current.isValid() and self.model.rows[current.row()].annotation_id in ids:
            focus = self.model.rows[current.row()].annotation_id
            ids = [i for i in ids if i != focus] + [focus]
        was, self._syncing = self._syncing, True
        try:
            self.session.select(ids)
        finally:
            self._syncing = was
        chosen = self.session.selection  # a row of a shape just deleted is not chosen
        if chosen:
            x0, y0, x1, y1 = self.session.index.bounds(chosen[-1])
            self.go_to.emit((x0 + x1) / 2, (y0 + y1) / 2)

    def delete_selected(self) -> bool:
        """Delete the selected shapes through the tool row's command (one undo step)."""
        if not self.session.selection or self.refuse_edit():
            return False
        return delete_selected(self.session)

    # ------------------------------------------------------------------ CSV
    def csv_text(self) -> str:
        """The table as shown (its sort order), with the shapes' ids, as CSV."""
        self.flush()
        unit = self.model.unit
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["id", "class", "shape", f"area_{unit}2", f"perimeter_or_length_{unit}", "points"]
        )
        for row in self.model.rows:
            writer.writerow(
                [
                    row.annotation_id,
                    row.label,
                    row.shape,
                    "" if row.area is None else f"{row.area:.3f}",
                    "" if row.length is None else f"{row.length:.3f}",
                    row.points,
                ]
            )
        return out.getvalue()

    def copy_csv(self) -> None:
        """Put the table on the clipboard as CSV."""
        QGuiApplication.clipboard().setText(self.csv_text())
        self.message.emit(f"Copied {len(self.model.rows)} measurements as CSV.")

    def export_csv(self, path: Path) -> bool:
        """Write the table to ``path`` as CSV; a failure is told, not raised."""
        try:
            path.write_text(self.csv_text(), encoding="utf-8")
        except OSError as error:
            self.message.emit(f"The measurements were not saved to {path.name}: {error.strerror}")
            return False
        self.message.emit(f"Saved {len(self.model.rows)} measurements to {path.name}.")
        return True

    def _ask_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export measurements", "measurements.csv", "CSV (*.csv)"
        )
        if name:
            self.export_csv(Path(name))
