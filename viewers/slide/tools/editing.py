"""Editing tools: select (click, Shift-click adds), drag a vertex of the selected shape,
delete, and union / subtraction of the selected regions.

Hit tests go through the session's spatial index, with tolerances in screen pixels. Every
edit is one command (:mod:`workspace.annotation_kinds.slide_shapes`): a vertex drag is a
single undo step when the button comes up, a union or subtraction likewise.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen

from viewers.slide.tools.base import OverlayTransform, SlideTool, ToolEvent, ToolSession
from workspace.annotation_kinds import slide_shapes as shapes
from workspace.annotation_kinds.slide_shapes import Point
from workspace.annotations import DeleteAnnotation
from workspace.segmentation.compound import CompoundCommand

HIT_PIXELS = 6.0


def vertex_paths(geometry: dict[str, Any]) -> list[tuple[list[int], Point]]:
    """Every vertex of a geometry with its index path into ``coordinates`` (a ring's closing
    vertex, the same as its first, is left out)."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return []
    if kind in ("MultiPoint", "LineString"):
        return [([n], (p[0], p[1])) for n, p in enumerate(coordinates)]
    polygons = [coordinates] if kind == "Polygon" else coordinates
    found: list[tuple[list[int], Point]] = []
    for part, rings in enumerate(polygons):
        for r, ring in enumerate(rings):
            prefix = [r] if kind == "Polygon" else [part, r]
            found += [([*prefix, n], (p[0], p[1])) for n, p in enumerate(ring[:-1])]
    return found


def union_selected(session: ToolSession) -> bool:
    """Merge the selected regions into the first selected (one undo step)."""
    return session.push(lambda: shapes.union_regions(session.document, session.selection))


def subtract_selected(session: ToolSession) -> bool:
    """Cut the other selected regions out of the first selected (one undo step)."""
    done = session.push(lambda: shapes.subtract_regions(session.document, session.selection))
    if done:
        session.select(session.selection[:1])
    return done


def delete_selected(session: ToolSession) -> bool:
    """Delete the selected shapes (one undo step)."""
    ids = [i for i in session.selection if i in session.document]
    if not ids:
        return False
    parts = [DeleteAnnotation(session.document, i) for i in ids]
    done = session.push(lambda: CompoundCommand(f"delete {len(parts)} shape(s)", parts))
    session.select([])
    return done


class SelectTool(SlideTool):
    """Click a shape to select it (Shift adds to the selection); drag a vertex of a selected
    shape to move it; Delete removes the selection; Ctrl+U merges, Ctrl+D subtracts."""

    name = "select"

    def __init__(self, session: ToolSession) -> None:
        super().__init__(session)
        self.dragging: tuple[str, list[int]] | None = None
        self.to: Point | None = None

    def _vertex_at(self, x: float, y: float) -> tuple[str, list[int]] | None:
        near = self.session.slide_pixels(HIT_PIXELS)
        for annotation_id in reversed(self.session.selection):
            if annotation_id not in self.session.document:
                continue
            geometry = self.session.document.get(annotation_id).data[shapes.GEOMETRY]
            for path, (vx, vy) in vertex_paths(geometry):
                if abs(vx - x) <= near and abs(vy - y) <= near:
                    return annotation_id, path
        return None

    def mouse_press(self, event: ToolEvent) -> bool:
        if event.event.button() != Qt.MouseButton.LeftButton:
            return False
        vertex = self._vertex_at(event.x, event.y)
        if vertex is not None:
            self.dragging, self.to = vertex, (event.x, event.y)
            return True
        hits = self.session.index.hit(event.x, event.y, self.session.slide_pixels(HIT_PIXELS))
        adding = bool(event.event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if not hits:
            if not adding:
                self.session.select([])
            return False  # let the view pan from empty slide
        chosen = hits[0]
        selection = list(self.session.selection) if adding else []
        if chosen in selection:
            selection.remove(chosen)
        else:
            selection.append(chosen)
        self.session.select(selection)
        return True

    def mouse_move(self, event: ToolEvent) -> bool:
        if self.dragging is None:
            return False
        self.to = (event.x, event.y)
        self.session.repaint()
        return True

    def mouse_release(self, event: ToolEvent) -> bool:
        if self.dragging is None:
            return False
        (annotation_id, path), to = self.dragging, (event.x, event.y)
        self.dragging = self.to = None
        s = self.session
        s.push(lambda: shapes.move_vertex(s.document, annotation_id, path, to))
        return True

    def key_press(self, event: QKeyEvent) -> bool:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            return delete_selected(self.session)
        if ctrl and event.key() == Qt.Key.Key_U:
            return union_selected(self.session)
        if ctrl and event.key() == Qt.Key.Key_D:
            return subtract_selected(self.session)
        if event.key() == Qt.Key.Key_Escape and self.dragging is not None:
            self.cancel()
            return True
        return False

    def cancel(self) -> None:
        self.dragging = self.to = None
        self.session.repaint()

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        qt = transform.qtransform()
        pen = QPen(QColor("#ffffff"), 7)
        pen.setCapStyle(Qt.PenCapStyle.SquareCap)
        painter.setPen(pen)
        for annotation_id in self.session.selection:
            if annotation_id in self.session.document:
                geometry = self.session.document.get(annotation_id).data[shapes.GEOMETRY]
                painter.drawPoints([qt.map(QPointF(*p)) for _, p in vertex_paths(geometry)])
        if self.dragging is not None and self.to is not None:
            painter.setPen(QPen(QColor("#ffff00"), 9))
            painter.drawPoint(qt.map(QPointF(*self.to)))
