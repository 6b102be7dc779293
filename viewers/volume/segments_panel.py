"""The Segments panel: one row per segment with visibility, colour, name, opacity, lock, volume.

The panel shows the segment list it is given and reports what the user asks for; the viewer
turns each request into an undoable command. An opacity drag is previewed live and reported
once, when the slider is released.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewers.swatch import swatch
from workspace.volume.model import Segment

NAME, OPACITY, LOCK, VOLUME = range(4)
_VALUE = Qt.ItemDataRole.UserRole


class SegmentsPanel(QWidget):
    """Lists segments; emits ``(value, new setting)`` when the user changes one."""

    visibility_changed = Signal(int, bool)
    opacity_previewed = Signal(int, float)  # while dragging
    opacity_changed = Signal(int, float)  # on release (one undo step)
    lock_changed = Signal(int, bool)
    segment_selected = Signal(int)

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
        self.tree.currentItemChanged.connect(self._current_changed)
        self.setMinimumWidth(250)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(QLabel("Segments"))
        layout.addWidget(self.tree, 1)
        self._segments: tuple[Segment, ...] = ()
        self._sliders: dict[int, QSlider] = {}

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

    def slider_of(self, value: int) -> QSlider:
        """The opacity slider of segment ``value``."""
        return self._sliders[value]

    def _add_row(self, segment: Segment) -> None:
        row = QTreeWidgetItem(self.tree)
        row.setData(NAME, _VALUE, segment.value)
        row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
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
        row.setToolTip(NAME, f"{segment.name} (label {segment.value}, {segment.color})")
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
        if column == NAME:
            self.visibility_changed.emit(value, checked)
        elif column == LOCK:
            self.lock_changed.emit(value, checked)

    def _slid(self, value: int, position: int) -> None:
        if self._sliders[value].isSliderDown():
            self.opacity_previewed.emit(value, position / 100.0)
        else:  # keyboard, wheel or a click on the groove: one step each
            self.opacity_changed.emit(value, position / 100.0)

    def _released(self, value: int) -> None:
        self.opacity_changed.emit(value, self._sliders[value].value() / 100.0)

    def _current_changed(self, row: QTreeWidgetItem | None, previous: object) -> None:
        del previous
        if row is not None:
            self.segment_selected.emit(int(row.data(NAME, _VALUE)))


def _state(on: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
