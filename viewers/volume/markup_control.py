"""The measurement tools' gestures in the slice views (as 3D Slicer's markups place them).

Landmark: a left-click places a point where clicked. Ruler: press, drag and release; the line
and its length follow the mouse and the ruler is placed on release. 3D box: drag a rectangle;
the box reaches the Tools panel's depth on each side of the slice. With the box tool, pressing
on an edge (or a corner) of a box drawn in a view drags that edge, so a box drawn in the axial
view gets its height in the coronal or sagittal one (with a depth of 0 mm, or on a 2D image, the
box is a rectangle on one slice). Polygon (as OHIF's and ITK-SNAP's): each click adds a
vertex; a double-click, a click on the first vertex or Enter closes the outline, Backspace takes
the last vertex back and Escape drops it; with the polygon tool, pressing on a vertex of a
polygon drawn in the slice drags that vertex, a double-click (or Ctrl+click) on an edge puts a
new vertex there, and Delete or Backspace takes out the vertex under the mouse (or the one last
clicked), as in 3D Slicer and ITK-SNAP; a right click on a vertex or an edge offers the same.
Each placement, resize, vertex move, insertion or deletion is one command
(:class:`~viewers.volume.markup_editing.MarkupEditing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QMenu

from viewers.volume.markup_editing import MarkupEditing
from viewers.volume.markup_geometry import (
    Index,
    box_on_slice,
    index_at,
    nearest_edge,
    nearest_vertex,
    nearest_voxel,
    polygon_on_slice,
    widget_xy,
)
from viewers.volume.markup_layer import MarkupLayer
from viewers.volume.markup_options import MarkupPage
from viewers.volume.reslice import View
from viewers.volume.slice_view import SliceView
from viewers.volume.tool_ui import markup_tool_ids
from viewers.volume.tools.box3d_ui import BoxPage
from viewers.volume.tools_panel import ToolsPanel
from workspace.annotations import Annotation
from workspace.segmentation.measurements import BOX3D, POLYGON

#: How near (widget pixels) a press must be to a box's edge to drag it.
EDGE_GRAB = 6.0
#: A drag shorter than this (widget pixels) is a click: no ruler or box.
MIN_DRAG = 3.0


@dataclass
class _Gesture:
    """A drag in progress: where it started, and for a box resize which edges move."""

    view: SliceView
    tool: str
    press: QPointF
    start: Index
    box: Annotation | None = None  # the box whose edges move
    edges: tuple[tuple[int, int], ...] = ()  # (array axis, 0 = low end / 1 = high end)
    polygon: Annotation | None = None  # the polygon whose vertex moves
    vertex: int = 0

    def polygon_id(self) -> str:
        """The id of the polygon whose vertex moves."""
        assert self.polygon is not None
        return self.polygon.id


@dataclass
class _Outline:
    """A polygon being outlined: the view and slice it is drawn in, its vertices so far."""

    view: SliceView
    index: int
    points: list[Index]


class MarkupControl(QObject):
    """Connects the measurement tools' pages and the slice views to the editing."""

    message = Signal(str)
    placed = Signal(str)  # annotation id of a new measurement

    def __init__(
        self,
        panel: ToolsPanel,
        editing: MarkupEditing,
        views: Mapping[View, SliceView],
        layer: MarkupLayer,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        self.editing = editing
        self.views = views
        self.layer = layer
        self._gesture: _Gesture | None = None
        self._outline: _Outline | None = None
        #: The polygon vertex Delete takes out: under the mouse, else the one last clicked.
        self._hovered: tuple[str, int] | None = None
        self._clicked: tuple[str, int] | None = None
        self.menu: QMenu | None = None  # the last right-click menu
        self.markup_tools = markup_tool_ids()
        for tool in self.markup_tools:
            self.page(tool).set_classes(editing.schema.classes)
        for view in views.values():
            view.markup_pressed.connect(lambda point, v=view: self.press(v, point))
            view.markup_dragged.connect(lambda point, v=view: self.drag(v, point))
            view.markup_released.connect(lambda point, v=view: self.release(v, point))
            view.markup_double_clicked.connect(lambda point, v=view: self.double_click(v, point))
            view.markup_hovered.connect(lambda point, v=view: self.hover(v, point))
            view.markup_context.connect(lambda point, v=view: self.context_menu(v, point))

    def page(self, tool: str) -> MarkupPage:
        """The options page of measurement tool ``tool``."""
        page = self.panel.page(tool)
        assert isinstance(page, MarkupPage)
        return page

    def set_label(self, name: str | None) -> None:
        """The palette's label: new measurements get it."""
        for tool in self.markup_tools:
            self.page(tool).set_label(name)

    def label(self, tool: str) -> str | None:
        """The label measurement tool ``tool`` gives."""
        return self.page(tool).chosen_label()

    # ------------------------------------------------------------------ gestures
    def _index(self, view: SliceView, point: QPointF, clamp: bool = False) -> Index | None:
        return index_at(view.frame, view.image_rect(), view.index, point.x(), point.y(), clamp)

    def press(self, view: SliceView, point: QPointF) -> None:
        """A left press in markup mode."""
        tool = self.panel.tool
        self._gesture = None
        if tool not in self.markup_tools:
            return
        if tool != "polygon":
            self.cancel()
        if tool == "box3d":
            grabbed = self._grab_edge(view, point)
            if grabbed is not None:
                self._gesture = grabbed
                return
        if tool == "polygon" and self._outline is None:
            self._gesture = self._grab_vertex(view, point)
            if self._gesture is not None:
                return
            if view.press_modifiers & Qt.KeyboardModifier.ControlModifier:
                self._insert_on_edge(view, point)  # Ctrl+click: a vertex on the edge
                return
        start = self._index(view, point)
        if start is None:
            return
        if tool == "polygon":
            self._add_vertex(view, start, point)
            return
        if tool == "landmark":
            self._report(*self.editing.landmark(start, self.label(tool)))
            return
        self._gesture = _Gesture(view, tool, point, start)

    def drag(self, view: SliceView, point: QPointF) -> None:
        """The mouse moved with the left button held."""
        gesture = self._gesture
        if gesture is None or gesture.view is not view:
            return
        try:
            self.layer.set_draft(self._made(gesture, point))
        except (ValueError, KeyError):  # a label the schema refuses: said on release
            self.layer.set_draft(None)

    def release(self, view: SliceView, point: QPointF) -> None:
        """The left button was released: place the ruler or box, or resize the box."""
        gesture, self._gesture = self._gesture, None
        self.layer.set_draft(None)
        if gesture is None or gesture.view is not view:
            return
        moved = point - gesture.press
        if gesture.polygon is not None:
            if max(abs(moved.x()), abs(moved.y())) < MIN_DRAG:
                self._clicked = (gesture.polygon.id, gesture.vertex)  # Delete takes it out
                self._show_vertex()
                return  # a click on a vertex: nothing moves
            end = self._index(view, point, clamp=True)
            assert end is not None
            moved_to = self._in_slice(gesture, end)
            if problem := self.editing.move_vertex(gesture.polygon.id, gesture.vertex, moved_to):
                self.message.emit(problem)
            return
        if gesture.box is None and max(abs(moved.x()), abs(moved.y())) < MIN_DRAG:
            self.message.emit("Drag to draw a ruler or a box.")
            return
        end = self._index(view, point, clamp=True)
        assert end is not None
        if gesture.box is not None:
            low, high = self._resized(gesture, end)
            problem = self.editing.resize_box(gesture.box.id, low, high)
            if problem:
                self.message.emit(problem)
        elif gesture.tool == "ruler":
            self._report(*self.editing.ruler(gesture.start, end, self.label("ruler")))
        else:
            corner, opposite = self._box_corners(gesture, end)
            self._report(*self.editing.box(corner, opposite, self.label("box3d")))

    def _report(self, annotation: Annotation | None, problem: str | None) -> None:
        if problem:
            self.message.emit(problem)
        elif annotation is not None:
            self.placed.emit(annotation.id)

    def _made(self, gesture: _Gesture, point: QPointF) -> Annotation:
        """The measurement as it would be placed were the mouse released at ``point``."""
        end = self._index(gesture.view, point, clamp=True)
        assert end is not None
        if gesture.polygon is not None:
            points = [list(p) for p in gesture.polygon.data["points_kji"]]
            points[gesture.vertex] = list(self._in_slice(gesture, end))
            moved = self.editing.rebuilt(gesture.polygon, points=points, values=False)
            return replace(moved, id=gesture.polygon.id)
        if gesture.box is not None:
            low, high = self._resized(gesture, end)
            resized = self.editing.rebuilt(gesture.box, low=low, high=high)
            return replace(resized, id=gesture.box.id)  # drawn in place of the stored box
        if gesture.tool == "ruler":
            return self.editing.make_ruler(gesture.start, end, self.label("ruler"))
        corner, opposite = self._box_corners(gesture, end)
        return self.editing.make_box(corner, opposite, self.label("box3d"))

    # ------------------------------------------------------------------ boxes
    def _box_corners(self, gesture: _Gesture, end: Index) -> tuple[list[int], list[int]]:
        """Voxel corners of a box dragged from ``gesture.start`` to ``end``: the slice ± the
        page's depth along the view's axis."""
        shape = self.editing.geometry.shape
        corner = list(nearest_voxel(gesture.start, shape))
        opposite = list(nearest_voxel(end, shape))
        axis = gesture.view.frame.fixed_axis
        spacing = self.editing.geometry.spacing[2 - axis]  # spacing is (i, j, k)
        page = self.panel.page("box3d")
        depth = page.depth_mm if isinstance(page, BoxPage) else 0.0
        reach = round(depth / spacing)
        index = gesture.view.index
        corner[axis] = max(index - reach, 0)
        opposite[axis] = min(index + reach, shape[axis] - 1)
        return corner, opposite

    def _grab_edge(self, view: SliceView, point: QPointF) -> _Gesture | None:
        """A resize of the box edge (or corner) under ``point``, if there is one."""
        frame, rect = view.frame, view.image_rect()
        for box in reversed(self.layer.annotations):
            if box.kind != BOX3D:
                continue
            cut = box_on_slice(frame, view.index, box.data["min_kji"], box.data["max_kji"])
            if cut is None:
                continue
            (x0, y0), (x1, y1) = (widget_xy(frame, rect, corner) for corner in cut)
            left, right = min(x0, x1) - EDGE_GRAB, max(x0, x1) + EDGE_GRAB
            top, bottom = min(y0, y1) - EDGE_GRAB, max(y0, y1) + EDGE_GRAB
            if not (left <= point.x() <= right and top <= point.y() <= bottom):
                continue
            edges = []
            # cut[0] holds the low ends (minus half a voxel), cut[1] the high ends
            for axis, position, along in (
                (frame.col_axis, point.x(), (x0, x1)),
                (frame.row_axis, point.y(), (y0, y1)),
            ):
                distances = [abs(position - along[end]) for end in (0, 1)]
                nearest = 0 if distances[0] <= distances[1] else 1
                if distances[nearest] <= EDGE_GRAB:
                    edges.append((axis, nearest))
            if edges:
                start = self._index(view, point, clamp=True)
                assert start is not None
                return _Gesture(view, "box3d", point, start, box, tuple(edges))
        return None

    def _resized(self, gesture: _Gesture, end: Index) -> tuple[list[int], list[int]]:
        """The box's corners with the grabbed edges moved to the voxel under ``end``."""
        assert gesture.box is not None
        low = [int(v) for v in gesture.box.data["min_kji"]]
        high = [int(v) for v in gesture.box.data["max_kji"]]
        voxel = nearest_voxel(end, self.editing.geometry.shape)
        for axis, which in gesture.edges:
            if which == 0:
                low[axis] = min(voxel[axis], high[axis])
            else:
                high[axis] = max(voxel[axis], low[axis])
        return low, high

    # ------------------------------------------------------------------ polygons
    def _add_vertex(self, view: SliceView, point: Index, clicked: QPointF) -> None:
        """Add a vertex to the outline in ``view`` (a click in another view or slice starts a
        new outline); a click on the first vertex of three or more closes it."""
        outline = self._outline
        if outline is None or outline.view is not view or outline.index != view.index:
            outline = self._outline = _Outline(view, view.index, [])
        if len(outline.points) >= 3:
            frame, rect = view.frame, view.image_rect()
            first = nearest_vertex(frame, rect, outline.points[:1], clicked.x(), clicked.y())
            if first[1] <= EDGE_GRAB:
                self.close_outline()
                return
        outline.points.append(point)
        self.layer.set_outline(view, outline.points)

    def hover(self, view: SliceView, point: QPointF) -> None:
        """The mouse moved with no button held: the outline follows it to the next vertex;
        with no outline, a polygon vertex under the mouse is ringed (Delete takes it out)."""
        outline = self._outline
        if outline is None and self.panel.tool == "polygon":
            grabbed = self._grab_vertex(view, point)
            hovered = None if grabbed is None else (grabbed.polygon_id(), grabbed.vertex)
            if hovered != self._hovered:
                self._hovered = hovered
                self._show_vertex()
            return
        if outline is None or outline.view is not view or outline.index != view.index:
            return
        at = self._index(view, point, clamp=True)
        assert at is not None
        self.layer.set_outline(view, [*outline.points, at])

    def double_click(self, view: SliceView, point: QPointF) -> None:
        """A double-click closes the polygon being outlined, or on a polygon's edge puts a
        vertex there; otherwise it maximises the view."""
        if self.panel.tool == "polygon":
            outline = self._outline
            # the double-click's first press began an outline of one point, or was on a vertex
            if (outline is None or len(outline.points) <= 1) and self._on_polygon(view, point):
                self.cancel()
                if self._grab_vertex(view, point) is None:
                    self._insert_on_edge(view, point)
                return
            if outline is not None:
                if outline.view is view:
                    self.close_outline()
                return
        view.maximise_requested.emit()

    def close_outline(self) -> None:
        """Place the polygon outlined so far (three vertices or more)."""
        outline, self._outline = self._outline, None
        self.layer.set_outline(None, [])
        if outline is None:
            return
        points = _distinct(outline.points)
        if len(points) < 3:
            self.message.emit("A polygon needs at least three points: click to add them.")
            return
        self._report(*self.editing.polygon(points, self.label("polygon")))

    def cancel(self) -> None:
        """Drop the outline in progress, if any (and forget the vertex Delete would take)."""
        if self._hovered or self._clicked:
            self._hovered = self._clicked = None
            self._show_vertex()
        if self._outline is not None:
            self._outline = None
            self.layer.set_outline(None, [])

    def key(self, key: int) -> bool:
        """Enter closes the outline, Backspace removes its last vertex, Escape drops it; with
        no outline, Delete or Backspace takes out the polygon vertex under the mouse (or the
        one last clicked); whether the key was used."""
        outline = self._outline
        if outline is None:
            return self._vertex_key(key)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close_outline()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        elif key == Qt.Key.Key_Backspace:
            outline.points.pop()
            if outline.points:
                self.layer.set_outline(outline.view, outline.points)
            else:
                self.cancel()
        else:
            return False
        return True

    def context_menu(self, view: SliceView, point: QPointF) -> QMenu | None:
        """A right click on a polygon's vertex or edge (polygon tool): a menu to delete that
        point or add one there (shown, and returned; None elsewhere)."""
        if self.panel.tool != "polygon" or self._outline is not None:
            return None
        menu = QMenu(view)
        grabbed = self._grab_vertex(view, point)
        if grabbed is not None:
            target = (grabbed.polygon_id(), grabbed.vertex)
            self._clicked, self._hovered = target, None
            self._show_vertex()
            delete = menu.addAction("Delete point")
            delete.triggered.connect(lambda: self._vertex_key(Qt.Key.Key_Delete))
        elif self._edge_at(view, point) is not None:
            add = menu.addAction("Add point here")
            add.triggered.connect(lambda: self._insert_on_edge(view, point))
        else:
            return None
        self.menu = menu
        menu.popup(view.mapToGlobal(point.toPoint()))
        return menu

    def _vertex_key(self, key: int) -> bool:
        """Delete or Backspace with a polygon vertex hovered or clicked: take it out."""
        target = self._hovered or self._clicked
        if key not in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) or self.panel.tool != "polygon":
            return False
        if target is None or target[0] not in self.editing.document:
            return False
        self._hovered = self._clicked = None
        self._show_vertex()
        if problem := self.editing.delete_vertex(*target):
            self.message.emit(problem)
        return True

    def _show_vertex(self) -> None:
        self.layer.set_vertex(self._hovered or self._clicked)

    def _on_polygon(self, view: SliceView, point: QPointF) -> bool:
        """Whether ``point`` is on a vertex or an edge of a polygon in ``view``'s slice."""
        return self._grab_vertex(view, point) is not None or self._edge_at(view, point) is not None

    def _edge_at(self, view: SliceView, point: QPointF) -> tuple[Annotation, int, float] | None:
        """The polygon, edge and place along it (0-1) under ``point``, if any."""
        frame, rect = view.frame, view.image_rect()
        for polygon in reversed(self.layer.annotations):
            if polygon.kind != POLYGON or not polygon_on_slice(frame, view.index, polygon):
                continue
            edge, distance, t = nearest_edge(
                frame, rect, polygon.data["points_kji"], point.x(), point.y()
            )
            if distance <= EDGE_GRAB:
                return polygon, edge, t
        return None

    def _insert_on_edge(self, view: SliceView, point: QPointF) -> bool:
        """Put a vertex on the polygon edge under ``point``; whether there was one."""
        found = self._edge_at(view, point)
        if found is None:
            return False
        polygon, edge, t = found
        points = polygon.data["points_kji"]
        a, b = points[edge], points[(edge + 1) % len(points)]
        at = [float(p) + t * (float(q) - float(p)) for p, q in zip(a, b, strict=True)]
        if problem := self.editing.insert_vertex(polygon.id, edge, at):
            self.message.emit(problem)
        else:
            self._clicked, self._hovered = (polygon.id, edge + 1), None
            self._show_vertex()
        return True

    def _grab_vertex(self, view: SliceView, point: QPointF) -> _Gesture | None:
        """A move of the polygon vertex under ``point``, if there is one."""
        frame, rect = view.frame, view.image_rect()
        for polygon in reversed(self.layer.annotations):
            if polygon.kind != POLYGON or not polygon_on_slice(frame, view.index, polygon):
                continue
            vertex, distance = nearest_vertex(
                frame, rect, polygon.data["points_kji"], point.x(), point.y()
            )
            if distance <= EDGE_GRAB:
                start = self._index(view, point, clamp=True)
                assert start is not None
                return _Gesture(view, "polygon", point, start, polygon=polygon, vertex=vertex)
        return None

    def _in_slice(self, gesture: _Gesture, point: Index) -> Index:
        """``point`` kept in the slice of the polygon being edited."""
        assert gesture.polygon is not None
        axis = int(gesture.polygon.data["axis"])
        moved = list(point)
        moved[axis] = float(gesture.polygon.data["slice"])
        return moved[0], moved[1], moved[2]


def _distinct(points: list[Index]) -> list[Index]:
    """``points`` without a vertex repeating the one before it (a double-click's second click)."""
    kept: list[Index] = []
    for point in points:
        if not kept or max(abs(a - b) for a, b in zip(point, kept[-1], strict=True)) > 1e-6:
            kept.append(point)
    return kept
