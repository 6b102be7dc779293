"""The volume viewer's measurements: tools, drawing, list and classification, wired together.

:class:`Measuring` builds the Measurements list and the Classification form (shown as tabs in
the viewer's side column), draws the item's landmarks, rulers and boxes in the slice views and
shows the landmarks and polygons in the 3D view (when there is one), and keeps all of them in
step with the item's annotation document, whose events follow every command, undo and redo
included. A measurement unticked in the list is hidden in the slices and in 3D; a polygon or
landmark whose label's segment is hidden is hidden in 3D with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QTabWidget

from viewers.jobs import JobGroup
from viewers.qt_events import RelayGroup
from viewers.volume.classification_form import ClassificationForm
from viewers.volume.landmarks_3d import Landmarks3D
from viewers.volume.markup_control import MarkupControl
from viewers.volume.markup_editing import MARKUP_KINDS, MarkupEditing
from viewers.volume.markup_geometry import centre_voxel
from viewers.volume.markup_layer import MarkupLayer
from viewers.volume.measurements_panel import MeasurementsPanel
from viewers.volume.polygon_values import PolygonValues
from viewers.volume.reslice import View, Voxel
from viewers.volume.slice_view import SliceView
from viewers.volume.tools_panel import ToolsPanel
from workspace.annotations import Annotation
from workspace.schema import AttributeValue
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.measurements import CLASSIFICATION, LANDMARK, POLYGON


class Measuring(QObject):
    """Everything measurement-related of one volume viewer."""

    message = Signal(str)

    def __init__(
        self,
        editing: MarkupEditing,
        views: Mapping[View, SliceView],
        tools: ToolsPanel,
        relays: RelayGroup,
        jump: Callable[[Voxel], None],
        surface_view: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.editing = editing
        self.jump = jump
        self.relays = relays
        self.hidden: set[str] = set()  # measurements unticked in the list
        self.segmentation: SegmentationDocument | None = None  # whose hidden segments hide
        self.values: PolygonValues | None = None  # reads polygons' statistics (once told to)
        self.surface_view: Any = None  # a SurfaceView, or None without 3D (or not yet)
        self.landmarks_3d: Landmarks3D | None = None
        if surface_view is not None:
            self._set_surface_view(surface_view)
        schema = editing.schema
        self.layer = MarkupLayer(schema, views.values())
        self.control = MarkupControl(tools, editing, views, self.layer, self)
        self.panel = MeasurementsPanel(schema.classes)
        self.form = ClassificationForm(schema.attributes_for(None))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("measurementTabs")
        self.tabs.addTab(self.panel, "Measurements")
        self.tabs.addTab(self.form, "Classification")
        self.control.message.connect(self.message.emit)
        self.control.placed.connect(self._placed)
        self.panel.selected.connect(self._selected)
        self.panel.delete_requested.connect(self._delete)
        self.panel.relabel_requested.connect(self._relabel)
        self.panel.visibility_changed.connect(self.set_visible)
        self.form.save_requested.connect(self._save_classification)
        document = editing.document
        for emitter in (document.added, document.updated, document.removed):
            relays.connect(emitter, self._changed)
        self._show_markups()
        self._show_classification()

    def follow(self, jobs: JobGroup, segmentation: SegmentationDocument | None) -> None:
        """Read the polygons' statistics on ``jobs``' workers from now on (those missing now
        too: a polygon saved just before a crash), and hide in 3D the markups whose label's
        segment in ``segmentation`` is hidden."""
        self.values = PolygonValues(self.editing, jobs, self)
        self.values.message.connect(self.message.emit)
        self.values.refresh()
        self.segmentation = segmentation
        if segmentation is not None:
            self.relays.connect(segmentation.events.segments_changed, self._show_drawn)
            self._show_drawn()

    def set_visible(self, annotation_id: str, visible: bool) -> None:
        """Show or hide one measurement in the slices and in 3D (the list's tick)."""
        if visible:
            self.hidden.discard(annotation_id)
        else:
            self.hidden.add(annotation_id)
        self._show_drawn()  # the list shows the tick already (and is in its signal now)

    def _set_surface_view(self, surface_view: Any) -> None:
        self.surface_view = surface_view
        self.landmarks_3d = Landmarks3D(surface_view.render_window, surface_view.renderer)

    def attach_surface_view(self, surface_view: Any) -> None:
        """The 3D view, made after the slice views: landmarks are drawn in it from now on."""
        self._set_surface_view(surface_view)
        self._show_markups()

    def _changed(self, annotation: Annotation) -> None:
        if annotation.kind in MARKUP_KINDS:
            self._show_markups()
            if annotation.kind == POLYGON and self.values is not None:
                self.values.refresh()
        elif annotation.kind == CLASSIFICATION:
            self._show_classification()

    def _show_markups(self) -> None:
        markups = self._markups()
        self.hidden &= {a.id for a in markups}
        self.panel.set_markups(markups, self.hidden)
        self._show_drawn(markups)
        count = len(markups)
        self.tabs.setTabText(0, f"Measurements ({count})" if count else "Measurements")

    def _markups(self) -> list[Annotation]:
        """The item's measurements, polygons with their statistics when already known."""
        return [self.editing.with_known_values(a) for a in self.editing.markups()]

    def _show_drawn(self, markups: list[Annotation] | None = None) -> None:
        """Draw the measurements not hidden in the slices, and in 3D those whose label's
        segment is not hidden either (the list is left as it is)."""
        every = self._markups() if markups is None else markups
        shown = [a for a in every if a.id not in self.hidden]
        self.layer.set_annotations(shown)
        if self.landmarks_3d is not None:
            segments = self.segmentation.segments if self.segmentation is not None else ()
            hidden_segments = {s.name for s in segments if not s.visible}
            in_3d = [a for a in shown if a.label not in hidden_segments]
            points = [a for a in in_3d if a.kind == LANDMARK]
            self.landmarks_3d.set_landmarks([(a.data["point"], self._rgb(a)) for a in points])
            outlines = [a for a in in_3d if a.kind == POLYGON]
            self.landmarks_3d.set_polygons([(a.data["points"], self._rgb(a)) for a in outlines])
            self.surface_view.request_render()

    def _rgb(self, annotation: Annotation) -> tuple[int, int, int]:
        color = self.layer.color(annotation.label)
        return color.red(), color.green(), color.blue()

    def _show_classification(self) -> None:
        stored = self.editing.classification()
        self.form.show_stored(None if stored is None else stored.data)

    def _placed(self, annotation_id: str) -> None:
        """A new measurement is the selected one, as in Slicer (the crosshair stays)."""
        self.panel.select(annotation_id)
        self.layer.set_selected(annotation_id)

    def _selected(self, annotation_id: str | None) -> None:
        """The user selected a row: highlight it and move the crosshair to it."""
        self.layer.set_selected(annotation_id)
        if annotation_id is not None and annotation_id in self.editing.document:
            annotation = self.editing.document.get(annotation_id)
            self.jump(centre_voxel(annotation, self.editing.geometry.shape))

    def _save_classification(self, values: dict[str, AttributeValue]) -> None:
        problem = self.editing.save_classification(values)
        if problem:
            self.form.say(problem)
            self.message.emit(problem)

    def _delete(self, annotation_id: str) -> None:
        self._say(self.editing.delete(annotation_id))

    def _relabel(self, annotation_id: str, label: str) -> None:
        self._say(self.editing.relabel(annotation_id, label))

    def _say(self, problem: str | None) -> None:
        if problem:
            self.message.emit(problem)

    def set_label(self, name: str | None) -> None:
        """The palette's label is the one new measurements get."""
        self.control.set_label(name)
