"""The slide viewer's class palette, as QuPath's class list beside its *Annotations*: a row per
schema class (its colour, name, key and how many shapes have it).

The current row is the class new shapes are drawn with (the viewer keeps it in step with the
label keys). *Set selected* (the button, a row's context menu, or :data:`SET_CLASS_KEYS` in the
viewer) gives every selected shape the current class as one command: undoable in one step,
stored at once (:func:`workspace.slides.shape_attributes.set_shapes_class`).

The counts follow the document's events (each shape's class is remembered, so an edit, undo or
redo moves one count); the rows are redrawn :data:`SETTLE_MS` after the first change of a burst.
Shapes of a class the schema lacks (an imported file's) get a row of their own, counted only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewers.qt_events import RelayGroup
from viewers.slide.tools.base import ToolSession
from viewers.swatch import swatch
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotations import Annotation
from workspace.errors import WorkspaceError
from workspace.schema import LabelSchema
from workspace.slides.shape_attributes import set_shapes_class

#: The viewer's key for *Set selected* (QuPath's "Set selected" has none by default).
SET_CLASS_KEYS = "Ctrl+Shift+C"
#: Counts are redrawn this long after the first change of a burst (an import, a big undo).
SETTLE_MS = 40
NAME_ROLE = Qt.ItemDataRole.UserRole
UNKNOWN_COLOUR = "#808080"
CLASS, KEY, COUNT = range(3)
#: The palette asks for the height of this many rows at most (a longer schema scrolls).
MOST_ROWS_SHOWN = 12


class ClassPalette(QWidget):
    """The schema's classes with their shape counts; the current row is the drawing class."""

    #: The user made this class (a name) the one to draw with.
    class_chosen = Signal(str)

    def __init__(
        self,
        session: ToolSession,
        schema: LabelSchema | None,
        *,
        refuse_edit: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.schema = schema
        self.refuse_edit = refuse_edit
        self.counts: Counter[str] = Counter()
        self._label_of: dict[str, str] = {}
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._syncing = False
        self.tree = QTreeWidget()
        self.tree.setObjectName("slide-classes")
        self.tree.setHeaderLabels(["Class", "Key", "Shapes"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CLASS, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(KEY, 40)
        header.resizeSection(COUNT, 60)
        for label in schema.classes if schema is not None else ():
            self._add_row(label.name, label.color, label.shortcut or "", label.description)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.set_button = QPushButton("Set selected")
        self.set_button.setToolTip(
            f"Give the selected shapes the highlighted class ({SET_CLASS_KEYS}; one undo step)"
        )
        self.set_button.clicked.connect(lambda: self.set_selected())
        self.selection_text = QLabel()
        self.selection_text.setObjectName("slide-classes-selection")
        buttons = QHBoxLayout()
        buttons.addWidget(self.selection_text, 1)
        buttons.addWidget(self.set_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.flush)
        self.relays = RelayGroup(self)
        document = session.document
        for emitter in (document.added, document.updated):
            self.relays.connect(emitter, self._changed)
        self.relays.connect(document.removed, self._removed)
        self.relays.connect(session.selected, lambda _ids: self._show_selection())
        for annotation in document.all():
            if annotation.kind == SLIDE_SHAPE:
                self._count(annotation.id, annotation.label or "")
        self.flush()

    def close_model(self) -> None:
        """Stop following the document (the viewer is closing)."""
        self._timer.stop()
        self.relays.close()

    def sizeHint(self) -> QSize:
        """Tall enough for every row (up to :data:`MOST_ROWS_SHOWN`) and the button."""
        hint = super().sizeHint()
        rows = min(self.tree.topLevelItemCount(), MOST_ROWS_SHOWN)
        first = self.tree.topLevelItem(0)
        row_height = self.tree.visualItemRect(first).height() if first is not None else 0
        row_height = row_height or self.tree.fontMetrics().height() + 4
        tree = self.tree.header().sizeHint().height() + rows * row_height + 4
        return QSize(hint.width(), tree + self.set_button.sizeHint().height() + 6)

    # ------------------------------------------------------------------ the drawing class
    def current_class(self) -> str | None:
        """The highlighted class (the one to draw with), None when there is none."""
        row = self.tree.currentItem()
        return row.data(CLASS, NAME_ROLE) if row is not None else None

    def choose(self, name: str | None) -> None:
        """Highlight class ``name`` (None: none) without telling :attr:`class_chosen`."""
        row = self._rows.get(name) if name is not None else None
        if row is not None and not row.flags() & Qt.ItemFlag.ItemIsSelectable:
            row = None  # a class the schema lacks is not drawn with
        self._syncing = True
        try:
            if row is None:
                self.tree.setCurrentIndex(QModelIndex())
                self.tree.clearSelection()
            else:
                self.tree.setCurrentItem(row)
        finally:
            self._syncing = False
        self._show_selection()

    def _current_changed(self, row: QTreeWidgetItem | None, _previous: object) -> None:
        self._show_selection()
        if not self._syncing and row is not None:
            self.class_chosen.emit(row.data(CLASS, NAME_ROLE))

    # ------------------------------------------------------------------ set selected
    def set_selected(self, name: str | None = None) -> bool:
        """Give every selected shape class ``name`` (default: the highlighted class) as one
        command; False, having said why, when nothing was changed."""
        label = name if name is not None else self.current_class()
        ids = [i for i in self.session.selection if i in self.session.document]
        if label is None:
            self.session.on_error("Choose a class in the Classes list first.")
            return False
        if not ids:
            self.session.on_error("Select shapes first (Select tool, or rows in Measurements).")
            return False
        if self.refuse_edit():
            return False
        document, schema = self.session.document, self.schema
        try:
            command = set_shapes_class(document, ids, label, schema)
        except WorkspaceError as error:  # a class the schema does not have
            self.session.on_error(str(error))
            return False
        if command is None:
            self.session.on_error(f"The selected shapes are already {label}.")
            return False
        return self.session.push(lambda: command)

    def select_class(self, name: str) -> None:
        """Select every shape of class ``name`` (QuPath's "Select objects by classification")."""
        self.session.select([i for i, label in self._label_of.items() if label == name])

    def _context_menu(self, point: QPoint) -> None:
        row = self.tree.itemAt(point)
        if row is None:
            return
        name = row.data(CLASS, NAME_ROLE)
        menu = QMenu(self)
        chosen = self.current_class() == name
        if row.flags() & Qt.ItemFlag.ItemIsSelectable:
            selected = len(self.session.selection)
            give = menu.addAction(f"Set {selected} selected shape(s) to “{name}”")
            give.setShortcut(SET_CLASS_KEYS if chosen else "")
            give.setEnabled(selected > 0)
            give.triggered.connect(lambda: self.set_selected(name))
            draw = menu.addAction(f"Draw new shapes as “{name}”")
            draw.setEnabled(not chosen)
            draw.triggered.connect(lambda: self.tree.setCurrentItem(row))
        pick = menu.addAction(f"Select all “{name}” shapes")
        pick.setEnabled(self.counts[name] > 0)
        pick.triggered.connect(lambda: self.select_class(name))
        menu.exec(self.tree.viewport().mapToGlobal(point))

    def _show_selection(self) -> None:
        count = sum(1 for i in self.session.selection if i in self.session.document)
        label = self.current_class()
        self.selection_text.setText(f"{count} shape(s) selected" if count else "")
        self.set_button.setEnabled(count > 0 and label is not None)

    # ------------------------------------------------------------------ counts
    def _count(self, annotation_id: str, label: str | None) -> None:
        """Move the shape's count from its old class to ``label`` (None: it is gone)."""
        old = self._label_of.pop(annotation_id, None)
        if old is not None:
            self.counts[old] -= 1
        if label is not None:
            self._label_of[annotation_id] = label
            self.counts[label] += 1

    def _changed(self, annotation: Annotation) -> None:
        if annotation.kind == SLIDE_SHAPE:
            self._count(annotation.id, annotation.label or "")
            self._settle()

    def _removed(self, annotation: Annotation) -> None:
        if annotation.kind == SLIDE_SHAPE:
            self._count(annotation.id, None)
            self._settle()

    def _settle(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Show the counts as they are now (tests call it instead of waiting)."""
        self._timer.stop()
        for name in sorted(n for n, c in self.counts.items() if c > 0 and n not in self._rows):
            row = self._add_row(name, UNKNOWN_COLOUR, "", "Not a class of this item's schema")
            row.setFlags(Qt.ItemFlag.ItemIsEnabled)  # counted, not drawn with
            font = QFont(row.font(CLASS))
            font.setItalic(True)
            row.setFont(CLASS, font)
        for name, row in self._rows.items():
            row.setText(COUNT, str(self.counts[name]))
        self._show_selection()

    def count_of(self, name: str) -> int:
        """The number of shapes of class ``name`` as shown."""
        row = self._rows.get(name)
        return int(row.text(COUNT)) if row is not None else 0

    def _add_row(self, name: str, colour: str, key: str, tip: str) -> QTreeWidgetItem:
        row = QTreeWidgetItem(self.tree, [name, key, "0"])
        row.setIcon(CLASS, swatch(colour))
        row.setData(CLASS, NAME_ROLE, name)
        row.setToolTip(CLASS, tip or name)
        row.setTextAlignment(KEY, Qt.AlignmentFlag.AlignCenter)
        row.setTextAlignment(COUNT, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._rows[name] = row
        return row
