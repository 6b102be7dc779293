"""The viewer for volume items: axial, sagittal, coronal and 3D views, segments, W/L presets.

Layout as in ITK-SNAP: axial top left, sagittal top right, coronal bottom left, 3D bottom
right; double-click a view (or press M in it) to maximise it, again (or Esc) to go back. The
Segments panel on the right edits the segments through undoable commands; the Tools panel
below it chooses the segmentation tool (brush, threshold, region grow...), applied to the
selected segment (the current row, or the label chosen in the palette), and the measurement
tools (landmark, ruler, 3D box: :mod:`viewers.volume.measuring`) whose Measurements list and
Classification form are tabs under it. What the views show and the tools edit with (window/level,
crosshair, segment, tool, brush) is one Qt-free :class:`~viewers.volume.state.VolumeViewState`
that the views and panels observe. The voxels load off the GUI thread; 3D surfaces are built on
a worker and refreshed block by block after edits.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from viewers.base import Viewer, register_viewer
from viewers.job_strip import JobStrip
from viewers.jobs import Job
from viewers.volume.corner_text import SHOW_PATIENT_DETAILS, series_lines, value_with_unit
from viewers.volume.editing import SegmentEditing
from viewers.volume.gestures import GESTURES, PRESET_KEYS
from viewers.volume.loader import Loaded, label_counts, load_job
from viewers.volume.markup_editing import MarkupEditing
from viewers.volume.measuring import Measuring
from viewers.volume.overlay import Overlay
from viewers.volume.reslice import View, Voxel, slice_frame
from viewers.volume.segment_actions import add_segment, duplicate_segment, remove_segment
from viewers.volume.segments_panel import SegmentsPanel
from viewers.volume.slice_view import Mode, SliceView
from viewers.volume.state import VolumeViewState
from viewers.volume.surface_maker import UNAVAILABLE, SurfaceMaker, make_surface_view
from viewers.volume.tool_control import ToolControl
from viewers.volume.tool_ui import Interaction
from viewers.volume.toolbar import VolumeToolbar
from viewers.volume.tools_panel import ToolsPanel
from viewers.volume.turns import next_turn
from viewers.volume.view_grid import ViewGrid
from viewers.volume.window_level import WindowLevel, initial_preset, presets_for
from workspace.items import ItemSummary
from workspace.schema import LabelClass
from workspace.segmentation.delta import BBox
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.snapshots import KIND
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment
from workspace.workspace import Workspace

logger = logging.getLogger(__name__)


@register_viewer("volume")
class VolumeViewer(Viewer):
    """Linked slice views, a 3D view of the segment surfaces and the Segments panel."""

    grid: ViewGrid
    panel: SegmentsPanel
    tools: ToolsPanel
    tool_control: ToolControl
    measuring: Measuring
    toolbar: VolumeToolbar
    readout: QLabel
    surface_status: QLabel
    editable = True
    uses_label_palette = False  # the Segments panel lists the labels with their keys
    gestures = GESTURES

    def __init__(
        self,
        workspace: Workspace,
        item: ItemSummary,
        parent: QWidget | None = None,
        preloaded: Loaded | None = None,
    ) -> None:
        super().__init__(workspace, item, parent)
        self.loaded: Loaded | None = None
        self.document: SegmentationDocument | None = None
        self.editing: SegmentEditing | None = None
        self.views: dict[View, SliceView] = {}
        self.surface_view: Any = None  # SurfaceView, or None when 3D is unavailable
        self.loading: Job | None = None  # the job reading the volume (None when preloaded)
        self._counting: Job | None = None
        self._closed = False
        self._surfaces_started = False
        self._three_d_pending = False  # the views or the 3D view are still being made
        self._building: dict[View, SliceView] = {}  # the slice views, before they are shown
        self._maker: SurfaceMaker | None = None  # making the 3D view, after the slice views
        self._side = QSplitter(Qt.Orientation.Vertical)  # Segments, Tools, Measurements
        self.state = VolumeViewState()
        self._opacity_preview: dict[int, float] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self.strip = JobStrip(self)  # centred while the volume loads, then under the views
        self._layout.addStretch(1)
        self._layout.addWidget(self.strip, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(1)
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(400)
        self._recount.timeout.connect(self._count_segments)
        if preloaded is not None:
            self._show(preloaded)
        else:
            self.loading = self.jobs.start(
                "Opening the volume",
                load_job(workspace, item.id),
                failure="The volume could not be opened: ",
            )
            self.loading.succeeded.connect(self._show)
            self.loading.cancelled.connect(self._load_cancelled)
            self.strip.watch(self.loading)

    @property
    def volume(self) -> Any:
        """The volume shown (None while loading)."""
        return None if self.loaded is None else self.loaded.volume

    def wait_loaded(self, timeout_ms: int = 30_000) -> bool:
        """Process events until the volume is shown (tests, screenshots); False on time-out."""
        deadline = QDeadlineTimer(timeout_ms)
        while (self.loaded is None or self._three_d_pending) and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return self.loaded is not None and not self._three_d_pending

    def _load_cancelled(self) -> None:
        self.strip.show_error("Not opened: cancelled. Close this tab and open the item again.")

    # ------------------------------------------------------------------ building the views
    def _show(self, loaded: Loaded) -> None:
        """Build the views once the voxels are in memory, on the GUI thread.

        Opened by a job, the building is spread over event-loop turns (:func:`next_turn`): the
        slice views first (painted at once), then the side panels, then the wiring, then the
        3D view; no step holds the window long. ``loaded`` and ``views`` are set only by the
        last step, so nothing reaches a half-built viewer. Preloaded, it is all done now.
        """
        if self._closed:
            return
        steps = [
            self._build_views,
            self._build_segments_panel,
            self._build_tools_panel,
            self._build_measuring,
            self._connect,
        ]
        if self.loading is None:
            for step in steps:
                step(loaded)
            return
        self._three_d_pending = True  # wait_loaded waits for every step and the 3D view

        def run(index: int) -> None:
            if self._closed:
                self._three_d_pending = False
                return
            steps[index](loaded)
            if index + 1 < len(steps):
                next_turn(self, lambda: run(index + 1))

        run(0)

    def _build_views(self, loaded: Loaded) -> None:
        """The slice views, the grid (the 3D cell waits), the toolbar and the read-out."""
        volume = loaded.volume
        while self._layout.count():
            taken = self._layout.takeAt(0)
            widget = None if taken is None else taken.widget()
            if widget is not None and widget is not self.strip:
                widget.hide()
        self.document = self._open_document(loaded)
        self._show_intensities(loaded)
        show_patient = bool(self.workspace.setting(SHOW_PATIENT_DETAILS, False))
        corner = series_lines(self.item.meta, show_patient=show_patient)
        self.editing = SegmentEditing(
            self.workspace, self.document, volume, self.push, lambda: self.read_only_reason
        )
        for view in View:
            frame = slice_frame(volume.geometry, view)
            slice_view = SliceView(frame, volume.voxels, volume.geometry, self)
            slice_view.observe(self.state)
            slice_view.series_lines = corner
            slice_view.cursor_moved.connect(self.set_crosshair)
            slice_view.hovered.connect(self._show_voxel)
            slice_view.window_changed.connect(self.state.set_window)
            slice_view.stroke_finished.connect(self._stroke)
            slice_view.maximise_requested.connect(lambda v=slice_view: self.grid.toggle(v))
            self._building[view] = slice_view
        views = self._building
        deferred = self.loading is not None  # opened by a job: the 3D view comes after
        third = (
            self._three_d_placeholder() if deferred else self._make_surface_view(volume.geometry)
        )
        order: list[QWidget] = [views[View.AXIAL], views[View.SAGITTAL]]
        self.grid = ViewGrid([*order, views[View.CORONAL], third], self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.grid)
        splitter.addWidget(self._side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([1000, 320])
        self.readout = QLabel(" ")
        self.readout.setObjectName("volumeReadout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.surface_status = QLabel("")
        bottom = QHBoxLayout()
        bottom.addWidget(self.readout, 1)
        bottom.addWidget(self.strip)
        policy = self.strip.sizePolicy()  # a job showing the strip must not resize the views
        policy.setRetainSizeWhenHidden(True)
        self.strip.setSizePolicy(policy)
        bottom.addWidget(self.surface_status)
        if self.surface_view is not None:
            self.surface_view.status.connect(self.surface_status.setText)
        self.toolbar = VolumeToolbar(self.state, self)
        self.toolbar.layout_chosen.connect(self.maximise)
        self._layout.addWidget(self.toolbar)
        self._layout.addWidget(splitter, 1)
        self._layout.addLayout(bottom)

    def _build_segments_panel(self, _loaded: Loaded) -> None:
        """The Segments panel, at the top of the side column."""
        self.panel = SegmentsPanel(self)
        self.panel.visibility_changed.connect(self._edit_visible)
        self.panel.opacity_previewed.connect(self._preview_opacity)
        self.panel.opacity_changed.connect(self._edit_opacity)
        self.panel.lock_changed.connect(self._edit_locked)
        self.panel.segment_selected.connect(self.select_segment)
        self.panel.renamed.connect(self._rename)
        self.panel.recolour_requested.connect(self._recolour)
        self.panel.add_requested.connect(self.add_segment)
        self.panel.duplicate_requested.connect(self.duplicate_segment)
        self.panel.remove_requested.connect(self.remove_segment)
        self._side.addWidget(self.panel)

    def _build_tools_panel(self, _loaded: Loaded) -> None:
        """The Tools panel (segmentation and measurement tools) under it."""
        self.tools = ToolsPanel(self.state, self)
        scroll = QScrollArea()
        scroll.setWidget(self.tools)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._side.addWidget(scroll)

    def _build_measuring(self, loaded: Loaded) -> None:
        """The tools' control and the measurements (landmarks, rulers, boxes) with their tabs."""
        assert self.editing is not None
        volume = loaded.volume
        self.tool_control = ToolControl(
            self.state,
            self.tools,
            self.editing,
            self._building,
            self.target_value,
            jobs=self.jobs,
            strip=self.strip,
        )
        self.tool_control.modes_changed.connect(self._update_modes)
        self.tool_control.message.connect(self.message.emit)
        markups = MarkupEditing(
            self.workspace.document(self.item.id),
            volume.geometry,
            self.schema,
            self.push,
            self.workspace.user,
            lambda: self.read_only_reason,
            voxels=volume.voxels,
            record=self.push_result,
        )
        self.measuring = Measuring(
            markups, self._building, self.tools, self.relays, self.set_crosshair, self.surface_view
        )
        self.measuring.follow(self.jobs, self.document)
        self.measuring.message.connect(self.message.emit)
        self.state.events.tool.connect(lambda _tool: self.measuring.control.cancel())
        self.measuring.message.connect(self.tools.show_message)
        self._side.addWidget(self.measuring.tabs)
        self._side.setStretchFactor(1, 1)
        self._side.setSizes([200, 330, 250])

    def _connect(self, loaded: Loaded) -> None:
        """Wire the model to the views; from here on the viewer is shown (``loaded`` set)."""
        assert self.document is not None
        volume = loaded.volume
        self.loaded = loaded
        self.views = self._building
        self.relays.connect(self.document.events.labels_changed, self._labels_changed)
        self.relays.connect(self.document.events.segments_changed, self._segments_changed)
        events = self.state.events
        events.crosshair.connect(self._crosshair_moved)
        events.segment.connect(self._segment_changed)
        events.brush.connect(self._update_modes)
        events.window_drag.connect(self._update_modes)
        self.set_active_label(self.active_label)
        self.tools.set_tool("paint")
        self._segments_changed()
        self.panel.set_volumes(loaded.counts, volume.geometry.voxel_volume_mm3 / 1000.0)
        if loaded.problem:
            self.message.emit(loaded.problem)
        shape = volume.voxels.shape
        self.set_crosshair((shape[0] // 2, shape[1] // 2, shape[2] // 2))
        flat = [view for view in View if shape[slice_frame(volume.geometry, view).fixed_axis] == 1]
        if flat:  # a single image: its one real view, large (the others are 1-voxel strips)
            self.maximise(flat[0])
        if self.loading is not None:  # the 3D view, in steps of its own
            self._maker = SurfaceMaker(volume.geometry, self.document.labels, self)
            self._maker.made.connect(self._attach_3d)
            self._maker.unavailable.connect(self._no_3d)
            self._maker.start()

    def _show_intensities(self, loaded: Loaded) -> None:
        """The volume's own presets and opening window; the tools' intensity range."""
        presets = presets_for(loaded.display, loaded.stats)
        self.state.set_presets(presets)
        self.state.apply_preset(initial_preset(loaded.display, presets))
        self.state.intensity_range = (loaded.stats.minimum, loaded.stats.maximum)

    def _open_document(self, loaded: Loaded) -> SegmentationDocument:
        geometry = loaded.volume.geometry
        if loaded.label_map is None:
            return SegmentationDocument.new(self.item.id, geometry, self.schema)
        annotations = self.workspace.document(self.item.id)
        records = [a for a in annotations.all() if a.kind == KIND]
        record_id = records[-1].id if records else None
        return SegmentationDocument(self.item.id, loaded.label_map, annotations, record_id)

    def _make_surface_view(self, geometry: VolumeGeometry) -> QWidget:
        """The 3D view made at once (a preloaded volume), or a placeholder saying why not."""
        assert self.document is not None
        surface_view = make_surface_view(geometry, self.document.labels, self)
        if surface_view is None:
            return self._three_d_placeholder(UNAVAILABLE)
        self._wire_3d(surface_view)
        self.surface_view = surface_view
        return surface_view

    def _wire_3d(self, surface_view: Any) -> None:
        surface_view.maximise_requested.connect(lambda: self.grid.toggle(surface_view))
        surface_view.key_pressed.connect(self.handle_key)

    def _three_d_placeholder(self, text: str = "Preparing the 3D view…") -> QLabel:
        placeholder = QLabel(text)
        placeholder.setObjectName("threeDPlaceholder")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return placeholder

    def _attach_3d(self, surface_view: Any) -> None:
        """The 3D view made by the maker takes the placeholder's cell."""
        if self._closed:
            self._three_d_pending = False
            surface_view.shutdown()
            return
        self._wire_3d(surface_view)
        self.surface_view = surface_view
        self.grid.replace(self.grid.views[3], surface_view)
        surface_view.status.connect(self.surface_status.setText)
        self.measuring.attach_surface_view(surface_view)
        if self.crosshair is not None:
            self._crosshair_moved(self.crosshair)
        next_turn(self, self._show_surfaces)

    def _no_3d(self, reason: str) -> None:
        self.grid.replace(self.grid.views[3], self._three_d_placeholder(reason))
        self._three_d_pending = False

    def _show_surfaces(self) -> None:
        """The segments' surfaces in the new 3D view (after its first frame)."""
        self._three_d_pending = False
        if not self._closed:
            self._segments_changed()

    # ------------------------------------------------------------------ display
    @property
    def crosshair(self) -> Voxel | None:
        """The voxel the linked crosshair marks (the state's)."""
        return self.state.crosshair

    def set_crosshair(self, voxel: Voxel) -> None:
        """Move the linked crosshair: every view shows the slices through ``voxel``."""
        if self.loaded is not None:
            self.state.crosshair = voxel

    def _crosshair_moved(self, voxel: Voxel) -> None:
        if self.loaded is None:
            return
        if self.surface_view is not None:
            k, j, i = voxel
            self.surface_view.set_crosshair(self.loaded.volume.geometry.index_to_lps([i, j, k]))
        self._show_voxel(voxel)

    @property
    def window_level(self) -> WindowLevel:
        """The window/level every slice view shows (the state's)."""
        return self.state.window_level

    def set_window(self, window: float, level: float) -> None:
        """Window/level in every slice view."""
        self.state.set_window(window, level)

    def apply_preset(self, name: str) -> None:
        """A named window/level preset (brain, lung, bone, soft tissue, abdomen)."""
        self.state.apply_preset(name)

    def maximise(self, which: View | str | None) -> None:
        """Maximise a slice view, the 3D view (``"3d"``), or go back to 2×2 (None)."""
        if which is None:
            self.grid.maximise(None)
        elif isinstance(which, View):
            self.grid.maximise(self.views[which])
        else:
            self.grid.maximise(self.grid.views[3])

    def _show_voxel(self, voxel: Voxel) -> None:
        if self.loaded is None or self.document is None:
            return
        k, j, i = voxel
        voxels = self.loaded.volume.voxels
        value = value_with_unit(
            float(voxels[k, j, i]), self.loaded.display.units, voxels.dtype.kind in "iub"
        )
        x, y, z = self.loaded.volume.geometry.index_to_lps([i, j, k])
        label = int(self.document.labels[k, j, i])
        names = [s.name for s in self.document.segments if s.value == label]
        segment = f"  {names[0] if names else label}" if label else ""
        self.readout.setText(
            f"[{i}, {j}, {k}]  {value}  LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm{segment}"
        )

    def _overlay(self) -> Overlay:
        assert self.document is not None
        shown = [
            Segment(s.value, s.name, s.color, s.visible, self._opacity_preview[s.value], s.locked)
            if s.value in self._opacity_preview
            else s
            for s in self.document.segments
        ]
        return Overlay.for_labels(shown, self.document.labels.dtype)

    def _update_overlay(self) -> None:
        assert self.document is not None
        overlay = self._overlay()
        for view in self.views.values():
            view.set_overlay(self.document.labels, overlay)

    # ------------------------------------------------------------------ segment and brush
    @property
    def brush_radius_mm(self) -> float:
        """The brush radius (paint and erase), the state's."""
        return self.state.brush_radius_mm

    @brush_radius_mm.setter
    def brush_radius_mm(self, radius_mm: float) -> None:
        self.state.brush_radius_mm = radius_mm

    @property
    def selected_value(self) -> int | None:
        """The segment chosen for the tools (the state's; see :meth:`target_value`)."""
        return self.state.segment

    def select_segment(self, value: int | None) -> None:
        """Make segment ``value`` the one the tools edit (None: only the palette's label)."""
        self.state.segment = value

    def _segment_changed(self, value: int | None) -> None:
        self.panel.select(value)
        self._show_target()
        self.tool_control.refresh()
        self._update_modes()

    def target_value(self, create: bool = False) -> int | None:
        """The segment the tools edit: the selected row, else the palette label's segment
        (added to the segmentation when ``create`` and it is missing)."""
        if self.document is None:
            return None
        values = {s.value for s in self.document.segments}
        if self.selected_value in values:
            return self.selected_value
        label = self.active_label
        if label is None:
            return None
        found = [s.value for s in self.document.segments if s.name == label.name]
        if found or not create or self.editing is None or self.read_only_reason is not None:
            return found[0] if found else None
        return self.editing.value_for(label, self.schema)

    def _show_target(self) -> None:
        assert self.document is not None
        value = self.target_value()
        if value is not None:
            self.tools.set_target(self.document.segment(value).name)
        elif self.active_label is not None:
            self.tools.set_target(f"{self.active_label.name} (new segment)")
        else:
            self.tools.set_target(None)

    # ------------------------------------------------------------------ keys and modes
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Viewer-wide keys (the views pass on what they do not handle)."""
        if not self.handle_key(event):
            super().keyPressEvent(event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """Presets (Alt+1…5), W/L drag mode (W), tools (their letters), brush size ([ and ]),
        and Esc: put the threshold down, else back to 2×2, else put the tool down."""
        if self.loaded is None:
            return False
        key, modifiers = event.key(), event.modifiers()
        plain = not modifiers & ~Qt.KeyboardModifier.KeypadModifier
        if self.measuring.control.key(key):  # a polygon being outlined: Enter, Backspace, Esc
            return True
        if modifiers == Qt.KeyboardModifier.AltModifier and key in PRESET_KEYS:
            self.state.apply_preset_number(PRESET_KEYS[key])
        elif key == Qt.Key.Key_W and plain:
            self.state.window_drag = not self.state.window_drag
        elif plain and (tool := self.tools.tool_for_key(key)) is not None:
            self.state.tool = None if self.state.tool == tool else tool
        elif key in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight) and plain:
            self.state.step_brush(1 if key == Qt.Key.Key_BracketRight else -1)
        elif key == Qt.Key.Key_Escape and self.tool_control.previewing:
            self.tool_control.put_down()
        elif key == Qt.Key.Key_Escape and self.grid.maximised is not None:
            self.grid.maximise(None)
        elif key == Qt.Key.Key_Escape and self.state.tool is not None:
            self.tool_control.put_down()
        else:
            return False
        return True

    def set_active_label(self, label: LabelClass | None) -> None:
        """With a label chosen, the tools edit its segment (selected in the Segments list);
        with the brush, left-drag paints it (Shift erases). Without a segment to edit,
        left-drag moves the crosshair."""
        super().set_active_label(label)
        if self.views:
            self.measuring.set_label(label.name if label is not None else None)
        if self.document is not None:
            found = [s.value for s in self.document.segments if label and s.name == label.name]
            self.select_segment(found[0] if found else None)
        if self.views:  # the same segment (or none) may now mean another label's
            self._show_target()
            self.tool_control.refresh()
        self._update_modes()

    def _update_modes(self, *_changed: object) -> None:
        """What a left-drag does in the slice views, from the tool, target and W/L mode."""
        if not self.views:
            return
        tool = self.state.tool
        interaction = self.tool_control.interaction
        has_target = self.target_value() is not None or self.active_label is not None
        if self.state.window_drag:
            mode = Mode.WINDOW_LEVEL
        elif interaction is Interaction.MARKUP:
            mode = Mode.MARKUP
        elif has_target and interaction is Interaction.STROKE:
            mode = Mode.PAINT
        elif has_target and interaction is Interaction.CLICK:
            mode = Mode.CLICK
        else:
            mode = Mode.NAVIGATE
        value = self.target_value()
        color = (
            self.document.segment(value).color
            if value is not None and self.document is not None
            else self.active_label.color
            if self.active_label is not None
            else None
        )
        for view in self.views.values():
            view.mode = mode
            view.brush_erases = tool is not None and self.tools.uis[tool].erases
            if color is not None:
                view.brush_color = QColor(color)

    # ------------------------------------------------------------------ edits
    def _stroke(self, voxels: list[Voxel], erase: bool) -> None:
        view = self.sender()
        if isinstance(view, SliceView):
            self.tool_control.stroke(view, voxels, erase)

    def _rename(self, value: int, name: str) -> None:
        problem = None if self.editing is None else self.editing.rename(value, name)
        if problem:
            self.panel.revert()
            self.message.emit(problem)

    def _recolour(self, value: int, color: str) -> None:
        problem = None if self.editing is None else self.editing.recolour(value, color)
        if problem:
            self.message.emit(problem)

    def add_segment(self) -> None:
        """Add a new empty segment and select it (the Segments panel's Add)."""
        if self.editing is not None:
            self._added(*add_segment(self.editing))

    def duplicate_segment(self, value: int) -> None:
        """Add a copy of segment ``value``'s settings and select it."""
        if self.editing is not None:
            self._added(*duplicate_segment(self.editing, value))

    def _added(self, value: int | None, problem: str | None) -> None:
        if problem:
            self.message.emit(problem)
        elif value is not None:
            self.select_segment(value)

    def remove_segment(self, value: int) -> None:
        """Remove segment ``value`` and clear its voxels (one undo step)."""
        if self.editing is None:
            return
        problem = remove_segment(self.editing, value)
        if problem:
            self.message.emit(problem)
        elif self.selected_value == value:
            self.select_segment(None)

    def _edit_visible(self, value: int, visible: bool) -> None:
        if self.editing is not None:
            self.editing.set_visible(value, visible)

    def _preview_opacity(self, value: int, opacity: float) -> None:
        self._opacity_preview[value] = opacity
        self._update_overlay()

    def _edit_opacity(self, value: int, opacity: float) -> None:
        self._opacity_preview.pop(value, None)
        if self.editing is not None and self.editing.document.segment(value).opacity != opacity:
            self.editing.set_opacity(value, opacity)
        else:
            self._update_overlay()

    def _edit_locked(self, value: int, locked: bool) -> None:
        if self.editing is not None:
            self.editing.set_locked(value, locked)

    # ------------------------------------------------------------------ model events
    def _labels_changed(self, bbox: BBox) -> None:
        for view in self.views.values():
            view.labels_changed(bbox)
        if self.tool_control.preview is not None:  # the editable area may have changed
            self.tool_control.refresh()
        if self.surface_view is not None:
            self.surface_view.labels_changed(bbox)
        self._recount.start()  # volumes: once the edits pause, not on every one

    def _segments_changed(self) -> None:
        assert self.document is not None and self.loaded is not None
        segments = self.document.segments
        self.panel.set_segments(segments)
        self.panel.set_volumes(
            self.loaded.counts, self.loaded.volume.geometry.voxel_volume_mm3 / 1e3
        )
        self._update_overlay()
        self._show_target()
        self.tool_control.refresh()
        self._update_modes()
        if self.surface_view is not None:  # counts are fresh only when the volume is shown
            counts = None if self._surfaces_started else self.loaded.counts
            self.surface_view.set_segments(segments, counts)
            self._surfaces_started = True

    def _count_segments(self) -> None:
        """Recount the segments' voxels on a worker (a full pass over the labels)."""
        if self.document is None:
            return
        if self._counting is not None and not self._counting.is_finished:
            self._recount.start()  # one at a time: count again once this one is done
            return
        labels = self.document.labels
        self._counting = self.jobs.start("Measuring the segments", lambda _c: label_counts(labels))
        self._counting.succeeded.connect(self._counted)

    def _counted(self, counts: dict[int, int]) -> None:
        if self.loaded is not None:
            self.loaded.counts = counts
            self.panel.set_volumes(counts, self.loaded.volume.geometry.voxel_volume_mm3 / 1e3)

    def shutdown(self) -> None:
        """Stop the surface worker and release the 3D view, then let go of the model."""
        self._closed = True
        self._recount.stop()
        tool_control = getattr(self, "tool_control", None)  # None if closed while building
        if tool_control is not None:
            tool_control.close()
        if self._maker is not None:
            self._maker.close()
        if self.surface_view is not None:
            self.surface_view.shutdown()
        super().shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed as a window of its own (tests, a detached view): shut down first."""
        self.shutdown()
        super().closeEvent(event)
