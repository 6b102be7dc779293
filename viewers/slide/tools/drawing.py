"""Drawing tools: rectangle, ellipse, polygon, freehand, brush, point and line.

Each takes mouse events in level-0 slide pixels (:mod:`viewers.slide.tools.base`) and, when a
gesture ends, pushes one command adding a checked slide shape of the session's current class
(:mod:`workspace.annotation_kinds.slide_shapes`). The left button draws; other buttons are
left to the view (panning). A gesture too small to be a shape (a click with the rectangle
tool) adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPen, QPolygonF

from viewers.slide.tools.base import OverlayTransform, SlideTool, ToolEvent, ToolSession
from workspace.annotation_kinds import slide_shapes as shapes
from workspace.annotation_kinds.slide_shapes import Point
from workspace.annotations import Annotation

#: A stroke's vertices closer than this (screen pixels) are dropped.
MIN_STEP_PIXELS = 2.0
_PREVIEW = "#ffff00"


def _left(event: ToolEvent) -> bool:
    return bool(event.event.button() == Qt.MouseButton.LeftButton)


def _preview_pen() -> QPen:
    pen = QPen(QColor(_PREVIEW), 1.5)
    pen.setCosmetic(True)
    return pen


class _DragTool(SlideTool):
    """Press, drag, release: a box from corner to corner."""

    def __init__(self, session: ToolSession) -> None:
        super().__init__(session)
        self.start: Point | None = None
        self.end: Point | None = None

    def mouse_press(self, event: ToolEvent) -> bool:
        if not _left(event):
            return False
        self.start = self.end = (event.x, event.y)
        return True

    def mouse_move(self, event: ToolEvent) -> bool:
        if self.start is None:
            return False
        self.end = (event.x, event.y)
        self.session.repaint()
        return True

    def mouse_release(self, event: ToolEvent) -> bool:
        if self.start is None:
            return False
        self.end = (event.x, event.y)
        box = self.box()
        self.cancel()
        if box.width() > 0 and box.height() > 0:
            self.finish(box)
        return True

    def box(self) -> QRectF:
        """The dragged box, normalised (level-0)."""
        if self.start is None or self.end is None:
            return QRectF()
        return QRectF(QPointF(*self.start), QPointF(*self.end)).normalized()

    def cancel(self) -> None:
        self.start = self.end = None
        self.session.repaint()

    def finish(self, box: QRectF) -> None:
        """Add the shape of ``box``."""


class _BoxTool(_DragTool):
    """A shape made from the dragged box: ``make(item, x, y, width, height, label, ...)``."""

    make: Callable[..., Annotation]

    def finish(self, box: QRectF) -> None:
        s = self.session
        make = type(self).make
        s.push(
            lambda: shapes.add_shape(
                s.document,
                make(
                    s.item_id,
                    box.x(),
                    box.y(),
                    box.width(),
                    box.height(),
                    s.current_class,
                    schema=s.schema,
                    author=s.author,
                ),
            )
        )


class RectangleTool(_BoxTool):
    """Drag a rectangle."""

    name = "rectangle"
    make = staticmethod(shapes.rectangle)

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        if self.start is not None:
            painter.setPen(_preview_pen())
            painter.drawPolygon(transform.qtransform().map(QPolygonF(self.box())))


class EllipseTool(_BoxTool):
    """Drag the box of an ellipse."""

    name = "ellipse"
    make = staticmethod(shapes.ellipse)

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        if self.start is not None:
            path = QPainterPath()
            path.addEllipse(self.box())
            painter.setPen(_preview_pen())
            painter.drawPath(transform.qtransform().map(path))


class _StrokeTool(SlideTool):
    """Vertices gathered while the button is down (freehand, brush)."""

    def __init__(self, session: ToolSession) -> None:
        super().__init__(session)
        self.stroke: list[Point] = []

    def mouse_press(self, event: ToolEvent) -> bool:
        if not _left(event):
            return False
        self.stroke = [(event.x, event.y)]
        return True

    def mouse_move(self, event: ToolEvent) -> bool:
        if not self.stroke:
            return False
        last = self.stroke[-1]
        step = self.session.slide_pixels(MIN_STEP_PIXELS)
        if abs(event.x - last[0]) + abs(event.y - last[1]) >= step:
            self.stroke.append((event.x, event.y))
            self.session.repaint()
        return True

    def mouse_release(self, event: ToolEvent) -> bool:
        if not self.stroke:
            return False
        self.mouse_move(event)
        stroke, self.stroke = self.stroke, []
        self.finish(stroke)
        self.session.repaint()
        return True

    def cancel(self) -> None:
        self.stroke = []
        self.session.repaint()

    def finish(self, stroke: list[Point]) -> None:
        """Add the shape of ``stroke``."""

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        if len(self.stroke) > 1:
            painter.setPen(_preview_pen())
            line = QPolygonF([QPointF(x, y) for x, y in self.stroke])
            painter.drawPolyline(transform.qtransform().map(line))


class FreehandTool(_StrokeTool):
    """Drag an outline; releasing closes it (a self-crossing outline is made valid)."""

    name = "freehand"

    def finish(self, stroke: list[Point]) -> None:
        if len(stroke) < 3:
            return
        from shapely import Polygon, make_valid

        outline = make_valid(Polygon(stroke))
        s = self.session
        s.push(
            lambda: shapes.add_shape(
                s.document,
                shapes.region(
                    s.item_id,
                    _polygonal(outline),
                    s.current_class,
                    schema=s.schema,
                    author=s.author,
                ),
            )
        )


class BrushTool(_StrokeTool):
    """Paint with a round brush of :attr:`radius_pixels` screen pixels: the stroke is the
    polyline buffered by the radius. Painting over a selected region of the same class
    grows it (union) in the same single undo step as any edit."""

    name = "brush"
    radius_pixels = 12.0

    def finish(self, stroke: list[Point]) -> None:
        from shapely import LineString
        from shapely import Point as ShapelyPoint

        radius = self.session.slide_pixels(self.radius_pixels)
        line = LineString(stroke) if len(stroke) > 1 else ShapelyPoint(stroke[0])
        painted = line.buffer(radius, quad_segs=8)
        s = self.session
        grown = [
            a
            for a in (s.document.get(i) for i in s.selection if i in s.document)
            if a.label == s.current_class and a.data.get(shapes.SHAPE) in shapes.REGION_SHAPES
        ]
        if grown:
            s.push(lambda: shapes.grow_region(s.document, grown[0].id, painted))
            return
        s.push(
            lambda: shapes.add_shape(
                s.document,
                shapes.region(
                    s.item_id, painted, s.current_class, schema=s.schema, author=s.author
                ),
            )
        )

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        if self.stroke:
            pen = QPen(QColor(_PREVIEW), 2 * self.radius_pixels)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            line = QPolygonF([QPointF(x, y) for x, y in self.stroke])
            painter.drawPolyline(transform.qtransform().map(line))


class PolygonTool(SlideTool):
    """Click vertices; Enter, a click on the first vertex or a double click closes it;
    Escape drops it; Backspace removes the last vertex."""

    name = "polygon"
    close_pixels = 8.0

    def __init__(self, session: ToolSession) -> None:
        super().__init__(session)
        self.vertices: list[Point] = []

    def mouse_press(self, event: ToolEvent) -> bool:
        if not _left(event):
            return False
        here = (event.x, event.y)
        near = self.session.slide_pixels(self.close_pixels)
        if len(self.vertices) >= 3 and (
            abs(here[0] - self.vertices[0][0]) + abs(here[1] - self.vertices[0][1]) <= near
            or event.event.type() == event.event.Type.MouseButtonDblClick
        ):
            self.close()
            return True
        self.vertices.append(here)
        self.session.repaint()
        return True

    def key_press(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and len(self.vertices) >= 3:
            self.close()
        elif event.key() == Qt.Key.Key_Escape and self.vertices:
            self.cancel()
        elif event.key() == Qt.Key.Key_Backspace and self.vertices:
            self.vertices.pop()
            self.session.repaint()
        else:
            return False
        return True

    def close(self) -> None:
        """Add the polygon of the clicked vertices."""
        vertices, self.vertices = self.vertices, []
        s = self.session
        s.push(
            lambda: shapes.add_shape(
                s.document,
                shapes.polygon(
                    s.item_id, vertices, s.current_class, schema=s.schema, author=s.author
                ),
            )
        )

    def cancel(self) -> None:
        self.vertices = []
        self.session.repaint()

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        if self.vertices:
            painter.setPen(_preview_pen())
            line = QPolygonF([QPointF(x, y) for x, y in self.vertices])
            painter.drawPolyline(transform.qtransform().map(line))


class PointTool(SlideTool):
    """Click to count a cell of the current class (one point annotation per click)."""

    name = "point"

    def mouse_press(self, event: ToolEvent) -> bool:
        if not _left(event):
            return False
        s = self.session
        here = (event.x, event.y)
        s.push(
            lambda: shapes.add_shape(
                s.document,
                shapes.points(s.item_id, [here], s.current_class, schema=s.schema, author=s.author),
            )
        )
        return True


class LineTool(_DragTool):
    """Drag a straight line (a measured distance)."""

    name = "line"

    def mouse_release(self, event: ToolEvent) -> bool:
        if self.start is None:
            return False
        start, end = self.start, (event.x, event.y)
        self.cancel()
        if start != end:
            s = self.session
            s.push(
                lambda: shapes.add_shape(
                    s.document,
                    shapes.line(
                        s.item_id, [start, end], s.current_class, schema=s.schema, author=s.author
                    ),
                )
            )
        return True

    def paint(self, painter: QPainter, transform: OverlayTransform) -> None:
        if self.start is not None and self.end is not None:
            painter.setPen(_preview_pen())
            qt = transform.qtransform()
            painter.drawLine(qt.map(QPointF(*self.start)), qt.map(QPointF(*self.end)))


def _polygonal(geometry: object) -> object:
    """The polygon parts of a made-valid outline (dropping stray lines and points)."""
    from shapely import MultiPolygon, Polygon

    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(parts) if len(parts) > 1 else parts[0] if parts else Polygon()
