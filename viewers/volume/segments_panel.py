"""The Segments panel: one row per segment with visibility, colour, name, opacity, lock, volume.

The panel shows the segment list it is given and reports what the user asks for; the viewer
turns each request into an undoable command. An opacity drag is previewed live and reported
once, when the slider is released. Double-click a name to rename the segment; click its colour
swatch to choose another colour (as in 3D Slicer's segment table). The buttons under the list,
the list's context menu and keys add a segment (Insert), duplicate (Ctrl+D), remove (Delete),
rename (F2), recolour (Ctrl+Shift+C) and show or hide it in every view and in 3D (Ctrl+H).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QColorDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewers.swatch import swatch
from workspace.volume.model import Segment

NAME, OPACITY, LOCK, VOLUME = range(4)
_VALUE = Qt.ItemDataRole.UserRole
Index = QModelIndex | QPersistentModelIndex


class _SwatchDelegate(QStyledItemDelegate):
    """Reports a click on the colour swatch of a name cell (the rest behaves as usual)."""

    def __init__(self, clicked: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clicked = clicked

    def swatch_rect(self, option: QStyleOptionViewItem, index: Index) -> QRect:
        """Where the swatch (the item's icon) is drawn in the cell of ``option``."""
        option = QStyleOptionViewItem(option)
        self.initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        return style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, option, widget)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        """A left-button release on the swatch asks for a colour; the rest goes on as usual."""
        if (
            index.column() == NAME
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and self.swatch_rect(option, index).contains(event.position().toPoint())
        ):
            if event.type() == QEvent.Type.MouseButtonRelease:
                self._clicked(int(index.data(_VALUE)))
            return True
        return super().editorEvent(event, model, option, index)


class SegmentsPanel(QWidget):
    """Lists segments; emits ``(value, new setting)`` when the user changes one."""

    visibility_changed = Signal(int, bool)
    opacity_previewed = Signal(int, float)  # while dragging
    opacity_changed = Signal(int, float)  # on release (one undo step)
    lock_changed = Signal(int, bool)
    segment_selected = Signal(int)
    renamed = Signal(int, str)
    recolour_requested = Signal(int, str)  # value, '#rrggbb' (chosen in a colour dialog)
    swatch_clicked = Signal(int)
    add_requested = Signal()
    duplicate_requested = Signal(int)
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setObjectName("segmentsTree")
        self.tree.setHeaderLabels(["Segment", "Opacity", "Lock", "mL"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(OPACITY, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(OPACITY, 72)
        for column in (LOCK, VOLUME):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # names only:
        self.tree.itemDoubleClicked.connect(self._double_clicked)  # see _double_clicked
        self.delegate = _SwatchDelegate(self.swatch_clicked.emit, self.tree)
        self.tree.setItemDelegateForColumn(NAME, self.delegate)
        self.swatch_clicked.connect(self.choose_colour)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.setMinimumWidth(250)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(QLabel("Segments"))
        layout.addWidget(self.tree, 1)
        self._segments: tuple[Segment, ...] = ()
        self._sliders: dict[int, QSlider] = {}
        self.actions_by_id = self._make_actions()
        buttons = QGridLayout()  # two rows of three: fits the panel's width
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for n, (action_id, action) in enumerate(self.actions_by_id.items()):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setObjectName(f"segment_{action_id}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button, n // 3, n % 3)
            self.buttons[action_id] = button
        layout.addLayout(buttons)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self._follow_current()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> dict[str, QAction]:
        """The segment actions (buttons, context menu and keys while the panel has focus)."""
        made: dict[str, QAction] = {}
        for action_id, text, key, tip, slot in (
            ("add", "Add", "Insert", "Add a new empty segment", self.add_requested.emit),
            ("duplicate", "Duplicate", "Ctrl+D", "Add a copy of the segment's settings",
             self._current(self.duplicate_requested.emit)),
            ("remove", "Remove", "Delete", "Remove the segment and clear its voxels",
             self._current(self.remove_requested.emit)),
            ("rename", "Rename", "F2", "Rename the segment", self._current(self.rename)),
            ("colour", "Colour", "Ctrl+Shift+C", "Choose the segment's colour",
             self._current(self.choose_colour)),
            ("visibility", "Show/Hide", "Ctrl+H", "Show or hide the segment (slices and 3D)",
             self._current(self.toggle_visible)),
        ):  # fmt: skip
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({key})")
            action.triggered.connect(lambda _checked=False, run=slot: run())
            self.addAction(action)
            made[action_id] = action
        return made

    def _current(self, run: Callable[[int], object]) -> Callable[[], None]:
        """``run(value)`` for the current row's segment (nothing when no row is current)."""

        def on_current() -> None:
            value = self.selected_value()
            if value is not None:
                run(value)

        return on_current

    def _follow_current(self) -> None:
        """Only Add is possible without a current row."""
        has_row = self.tree.currentItem() is not None
        for action_id, action in self.actions_by_id.items():
            action.setEnabled(has_row or action_id == "add")

    def _context_menu(self, position: QPoint) -> None:
        row = self.tree.itemAt(position)
        if row is not None:
            self.tree.setCurrentItem(row)
        menu = self.context_menu()
        menu.exec(self.tree.viewport().mapToGlobal(position))
        menu.deleteLater()

    def context_menu(self) -> QMenu:
        """The context menu of the list (for the current row)."""
        menu = QMenu(self)
        for action in self.actions_by_id.values():
            menu.addAction(action)
        return menu

    def rename(self, value: int) -> None:
        """Open segment ``value``'s name for editing in place."""
        row = self.row_of(value)
        self.tree.setCurrentItem(row, NAME)
        self.tree.editItem(row, NAME)

    def toggle_visible(self, value: int) -> None:
        """Ask to show segment ``value`` if hidden, else to hide it."""
        segment = next((s for s in self._segments if s.value == value), None)
        if segment is not None:
            self.visibility_changed.emit(value, not segment.visible)

    # ------------------------------------------------------------------ model -> view
    def set_segments(self, segments: Sequence[Segment]) -> None:
        """Show ``segments`` (rows are updated in place when only their settings changed)."""
        segments = tuple(segments)
        same_rows = [s.value for s in segments] == [s.value for s in self._segments]
        self._segments = segments
        self.tree.blockSignals(True)
        try:
            if not same_rows:
                self.tree.clear()
                self._sliders.clear()
                for segment in segments:
                    self._add_row(segment)
            for n, segment in enumerate(segments):
                self._fill_row(self._row(n), segment)
        finally:
            self.tree.blockSignals(False)
        self._follow_current()

    def set_volumes(self, counts: Mapping[int, int], voxel_ml: float) -> None:
        """Voxel counts per label value, shown in millilitres."""
        self.tree.blockSignals(True)
        try:
            for n, segment in enumerate(self._segments):
                count = counts.get(segment.value, 0)
                row = self._row(n)
                row.setText(VOLUME, f"{count * voxel_ml:.1f}")
                row.setToolTip(VOLUME, f"{count:,} voxels")
        finally:
            self.tree.blockSignals(False)

    def row_of(self, value: int) -> QTreeWidgetItem:
        """The row of segment ``value`` (KeyError if absent)."""
        for n in range(self.tree.topLevelItemCount()):
            row = self._row(n)
            if row.data(NAME, _VALUE) == value:
                return row
        raise KeyError(value)

    def _row(self, n: int) -> QTreeWidgetItem:
        row = self.tree.topLevelItem(n)
        assert row is not None
        return row

    def swatch_rect(self, value: int) -> QRect:
        """Where segment ``value``'s colour swatch is, in the tree's viewport (tests)."""
        row = self.row_of(value)
        index = self.tree.model().index(self.tree.indexOfTopLevelItem(row), NAME)
        option = QStyleOptionViewItem()
        self.tree.initViewItemOption(option)  # as the view paints and hands it to the delegate
        option.rect = self.tree.visualRect(index)
        return self.delegate.swatch_rect(option, index)

    def selected_value(self) -> int | None:
        """The segment of the current row (None when no row is current)."""
        row = self.tree.currentItem()
        return None if row is None else int(row.data(NAME, _VALUE))

    def select(self, value: int | None) -> None:
        """Make segment ``value``'s row current (None: no row), without reporting it."""
        self.tree.blockSignals(True)
        try:
            if value is None:
                self.tree.setCurrentIndex(QModelIndex())
                self.tree.clearSelection()
            else:
                self.tree.setCurrentItem(self.row_of(value))
        except KeyError:
            pass
        finally:
            self.tree.blockSignals(False)
        self._follow_current()

    def slider_of(self, value: int) -> QSlider:
        """The opacity slider of segment ``value``."""
        return self._sliders[value]

    def _add_row(self, segment: Segment) -> None:
        row = QTreeWidgetItem(self.tree)
        row.setData(NAME, _VALUE, segment.value)
        row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        row.setTextAlignment(VOLUME, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(0, 100)
        slider.setToolTip("Fill opacity in the slice views")
        value = segment.value
        slider.valueChanged.connect(lambda position: self._slid(value, position))
        slider.sliderReleased.connect(lambda: self._released(value))
        self.tree.setItemWidget(row, OPACITY, slider)
        self._sliders[value] = slider

    def _fill_row(self, row: QTreeWidgetItem, segment: Segment) -> None:
        row.setText(NAME, segment.name)
        row.setIcon(NAME, swatch(segment.color, 14))
        row.setToolTip(
            NAME,
            f"{segment.name} (label {segment.value}, {segment.color}): double-click to rename, "
            "click the swatch to change the colour",
        )
        row.setCheckState(NAME, _state(segment.visible))
        row.setCheckState(LOCK, _state(segment.locked))
        slider = self._sliders[segment.value]
        if not slider.isSliderDown():
            slider.blockSignals(True)
            slider.setValue(round(segment.opacity * 100))
            slider.blockSignals(False)

    # ------------------------------------------------------------------ view -> requests
    def _item_changed(self, row: QTreeWidgetItem, column: int) -> None:
        value = int(row.data(NAME, _VALUE))
        checked = row.checkState(column) == Qt.CheckState.Checked
        segment = next((s for s in self._segments if s.value == value), None)
        if column == NAME:
            name = row.text(NAME).strip()
            if segment is not None and name != segment.name:
                if name:
                    self.renamed.emit(value, name)
                else:  # an empty name is not a name: show the old one again
                    self._refill(row, segment)
            if segment is None or checked != segment.visible:
                self.visibility_changed.emit(value, checked)
        elif column == LOCK:
            self.lock_changed.emit(value, checked)

    def _refill(self, row: QTreeWidgetItem, segment: Segment) -> None:
        self.tree.blockSignals(True)
        try:
            self._fill_row(row, segment)
        finally:
            self.tree.blockSignals(False)

    def revert(self) -> None:
        """Show the segments as they are again (a refused rename)."""
        self.set_segments(self._segments)

    def _double_clicked(self, row: QTreeWidgetItem, column: int) -> None:
        """Only the name is edited in place (the other columns have their own controls)."""
        if column == NAME:
            self.tree.editItem(row, NAME)

    def choose_colour(self, value: int) -> None:
        """Ask for segment ``value``'s new colour in a colour dialog; report it if changed."""
        segment = next((s for s in self._segments if s.value == value), None)
        if segment is None:
            return
        chosen = QColorDialog.getColor(QColor(segment.color), self, f"Colour of {segment.name}")
        if chosen.isValid() and chosen.name().lower() != segment.color.lower():
            self.recolour_requested.emit(value, chosen.name())

    def _slid(self, value: int, position: int) -> None:
        if self._sliders[value].isSliderDown():
            self.opacity_previewed.emit(value, position / 100.0)
        else:  # keyboard, wheel or a click on the groove: one step each
            self.opacity_changed.emit(value, position / 100.0)

    def _released(self, value: int) -> None:
        self.opacity_changed.emit(value, self._sliders[value].value() / 100.0)

    def _current_changed(self, row: QTreeWidgetItem | None, previous: object) -> None:
        del previous
        self._follow_current()
        if row is not None:
            self.segment_selected.emit(int(row.data(NAME, _VALUE)))


def _state(on: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
