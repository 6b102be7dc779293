"""The viewer for volume items: axial, coronal and sagittal views, segments and W/L presets."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QEventLoop,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewers.base import Viewer, register_viewer
from viewers.volume.reslice import PRESETS, View, color_table, slice_frame
from viewers.volume.slice_view import SliceView, Voxel
from workspace.items import ItemSummary
from workspace.schema import LabelClass
from workspace.volume.brush import dab
from workspace.volume.labelmap_edit import LabelMapDocument, LabelMapEdit
from workspace.volume.model import LabelMap, Segment, Volume
from workspace.volume.segmentation import load_segmentation, save_segmentation
from workspace.workspace import Workspace

DEFAULT_PRESET = "Soft tissue"
BRUSH_RADIUS_MM = 5.0


class VolumeLoader(QObject, QRunnable):
    """Reads the voxels and the segmentation off the GUI thread."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, workspace: Workspace, item_id: str) -> None:
        QObject.__init__(self)
        QRunnable.__init__(self)
        self.setAutoDelete(False)
        self._workspace = workspace
        self._item_id = item_id

    def run(self) -> None:
        """Load; the result (or one sentence) is delivered to the GUI thread by signal."""
        try:
            volume = self._workspace.load_volume(self._item_id)
            try:
                segmentation: LabelMap | None = load_segmentation(self._workspace, self._item_id)
            except KeyError:
                segmentation = None
        except Exception as error:  # noqa: BLE001 - shown to the user as one sentence
            self.failed.emit(f"The volume could not be opened: {error}")
            return
        self.loaded.emit((volume, segmentation))


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


@register_viewer("volume")
class VolumeViewer(Viewer):
    """Three linked slice views (2×2 with the segments panel); a click moves the crosshair."""

    editable = True
    gestures = (
        ("Next / previous slice", "Wheel, Up, Down"),
        ("Five slices on / back", "Page Up, Page Down"),
        ("Zoom", "Ctrl+Wheel"),
        ("Window/level", "Right-drag"),
        ("Place the linked crosshair", "Left-click (no label chosen)"),
        ("Paint the chosen label", "Left-drag (label chosen)"),
        ("Erase the chosen label", "Shift+Left-drag"),
    )

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        self.volume: Volume | None = None
        self.segmentation: LabelMap | None = None
        self.views: dict[View, SliceView] = {}
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.setSpacing(2)
        self.status = QLabel("Loading the volume…")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self.status, 0, 0)
        self.brush_radius_mm = BRUSH_RADIUS_MM
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(400)
        self._recount.timeout.connect(self._fill_segments)
        self._loader = VolumeLoader(workspace, item.id)
        self._loader.loaded.connect(self._show)
        self._loader.failed.connect(self.status.setText)
        QThreadPool.globalInstance().start(self._loader)

    def wait_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Block until the volume is shown (tests, screenshots); False on time-out."""
        deadline = QDeadlineTimer(timeout_ms)
        while self.volume is None and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return self.volume is not None

    def _show(self, loaded: tuple[Volume, LabelMap | None]) -> None:
        """Build the views once the voxels are in memory (on the GUI thread)."""
        self.volume, self.segmentation = loaded
        self.status.hide()
        voxels = self.volume.voxels
        geometry = self.volume.geometry
        self.views = {
            view: SliceView(view, slice_frame(geometry, view), voxels, self) for view in View
        }
        self.readout = QLabel(" ")
        self.readout.setObjectName("volumeReadout")
        self.presets = QComboBox()
        self.presets.addItems(list(PRESETS))
        self.presets.setCurrentText(DEFAULT_PRESET)
        self.presets.currentTextChanged.connect(self.apply_preset)
        self.segments = QTreeWidget()
        self.segments.setHeaderLabels(["Segment", "Voxels", "mL"])
        self.segments.setRootIsDecorated(False)
        self.segments.itemChanged.connect(self._segment_toggled)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("Window/level"))
        side_layout.addWidget(self.presets)
        side_layout.addWidget(QLabel("Segments"))
        side_layout.addWidget(self.segments, 1)
        side_layout.addWidget(self.readout)
        grid = self._layout
        grid.addWidget(self.views[View.AXIAL], 0, 0)
        grid.addWidget(self.views[View.SAGITTAL], 0, 1)
        grid.addWidget(self.views[View.CORONAL], 1, 0)
        grid.addWidget(side, 1, 1)
        self.label_document: LabelMapDocument | None = None
        if self.segmentation is not None:
            self._bind_labels(self.segmentation)
        for view in self.views.values():
            view.painted.connect(self.paint)
            view.paint_mode = self.active_label is not None
            view.cursor_moved.connect(self.set_crosshair)
            view.hovered.connect(self._show_voxel)
            view.window_changed.connect(self.set_window)
        self.apply_preset(DEFAULT_PRESET)
        self._fill_segments()
        self._update_overlay()
        centre = (voxels.shape[0] // 2, voxels.shape[1] // 2, voxels.shape[2] // 2)
        self.set_crosshair(centre)

    # ------------------------------------------------------------------ display
    def set_crosshair(self, voxel: Voxel) -> None:
        """Move the linked crosshair: every view shows the slices through ``voxel``."""
        if self.volume is None:
            return
        for view in self.views.values():
            view.set_crosshair(voxel)
        self._show_voxel(voxel)

    def set_window(self, window: float, level: float) -> None:
        """Window/level in every view."""
        for view in self.views.values():
            view.set_window(window, level)

    def apply_preset(self, name: str) -> None:
        """A named window/level preset (brain, lung, bone, soft tissue, abdomen)."""
        window, level = PRESETS[name]
        self.set_window(window, level)

    def _show_voxel(self, voxel: Voxel) -> None:
        assert self.volume is not None
        k, j, i = voxel
        value = self.volume.voxels[k, j, i]
        x, y, z = self.volume.geometry.index_to_lps([i, j, k])
        label = ""
        if self.segmentation is not None and self.segmentation.labels[k, j, i]:
            value_of = int(self.segmentation.labels[k, j, i])
            names = [s.name for s in self.segmentation.segments if s.value == value_of]
            label = f"  {names[0] if names else value_of}"
        self.readout.setText(
            f"[{i}, {j}, {k}]  {float(value):.0f}  LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm{label}"
        )

    # ------------------------------------------------------------------ painting
    def set_active_label(self, label: LabelClass | None) -> None:
        """With a label chosen, left-drag paints it (Shift erases); without, it moves the
        crosshair."""
        super().set_active_label(label)
        for view in self.views.values():
            view.paint_mode = label is not None

    def _segment_value(self, label: LabelClass) -> int:
        """The label value of ``label`` (its place in the schema), adding the segment if new."""
        assert self.volume is not None
        value = next(n for n, c in enumerate(self.schema.classes, start=1) if c.name == label.name)
        if self.segmentation is None:
            empty = np.zeros(self.volume.geometry.shape, dtype=np.uint8)
            self.segmentation = LabelMap(empty, self.volume.geometry, [])
        if all(s.value != value for s in self.segmentation.segments):
            self.segmentation.segments.append(Segment(value, label.name, label.color))
            save_segmentation(self.workspace, self.item.id, self.segmentation, source="painted")
            self._bind_labels(self.segmentation)
            self._fill_segments()
            self._update_overlay()
        return value

    def _bind_labels(self, segmentation: LabelMap) -> None:
        if self.label_document is not None and self.label_document.labels is segmentation.labels:
            return
        if not segmentation.labels.flags.writeable:
            segmentation.labels = segmentation.labels.copy()
        self.label_document = LabelMapDocument(self.item.id, segmentation.labels)
        self.relays.connect(self.label_document.changed, self._labels_changed)

    def paint(self, voxel: Voxel, erase: bool) -> None:
        """One brush dab of the active label at ``voxel`` in the view's slice (persisted)."""
        label = self.active_label
        sender = self.sender()
        if label is None or self.volume is None or not isinstance(sender, SliceView):
            return
        value = self._segment_value(label)
        assert self.label_document is not None
        delta = dab(
            self.label_document.labels,
            self.volume.geometry,
            voxel,
            self.brush_radius_mm,
            value,
            slice_axis=sender.frame.fixed_axis,
            erase=erase,
        )
        if delta is not None:
            self.push(LabelMapEdit(self.label_document, delta, "erase" if erase else "paint"))

    def _labels_changed(self, bbox: object) -> None:
        del bbox
        for view in self.views.values():
            view.refresh()
        self._recount.start()  # voxel counts: once the stroke pauses, not on every dab

    # ------------------------------------------------------------------ segments
    def _fill_segments(self) -> None:
        self.segments.blockSignals(True)
        self.segments.clear()
        if self.segmentation is not None and self.volume is not None:
            counts = np.bincount(self.segmentation.labels.ravel())
            voxel_ml = self.volume.geometry.voxel_volume_mm3 / 1000.0
            for segment in self.segmentation.segments:
                count = int(counts[segment.value]) if segment.value < counts.size else 0
                row = QTreeWidgetItem([segment.name, str(count), f"{count * voxel_ml:.1f}"])
                row.setIcon(0, _swatch(segment.color))
                row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                row.setCheckState(
                    0, Qt.CheckState.Checked if segment.visible else Qt.CheckState.Unchecked
                )
                row.setData(0, Qt.ItemDataRole.UserRole, segment.value)
                self.segments.addTopLevelItem(row)
        self.segments.blockSignals(False)

    def _segment_toggled(self, row: QTreeWidgetItem, column: int) -> None:
        if self.segmentation is None or column != 0:
            return
        value = row.data(0, Qt.ItemDataRole.UserRole)
        visible = row.checkState(0) == Qt.CheckState.Checked
        self.segmentation.segments = [
            Segment(s.value, s.name, s.color, visible, s.opacity, s.locked)
            if s.value == value
            else s
            for s in self.segmentation.segments
        ]
        self._update_overlay()

    def _update_overlay(self) -> None:
        labels: Any = None if self.segmentation is None else self.segmentation.labels
        table = None if self.segmentation is None else color_table(self.segmentation.segments)
        for view in self.views.values():
            view.set_overlay(labels, table)
