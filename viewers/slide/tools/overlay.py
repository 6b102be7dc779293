"""Painting a slide's shapes over the tiles: only the visible ones, batched by class.

:class:`ShapeOverlay` is a view overlay (``view.overlays.append(overlay)``): it asks the
session's :class:`~workspace.slides.shape_index.ShapeIndex` which shapes meet the visible
rectangle and draws them in widget pixels. Each shape's outline is mapped once per frame by
the view transform (no per-shape painter state changes); shapes smaller than a couple of
screen pixels are drawn as a dot, so a zoomed-out slide of 10,000+ regions stays fast.
Regions are filled translucent in their class colour, the selection is outlined thicker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from viewers.slide.tools.base import OverlayTransform, ToolSession
from workspace.annotation_kinds.slide_shapes import GEOMETRY

#: Shapes smaller than this on screen (pixels) are drawn as a dot.
DOT_BELOW = 3.0
_GREY = "#808080"


def _polygons(geometry: dict[str, Any]) -> list[list[QPolygonF]]:
    """Rings of each polygon part as QPolygonF, in slide pixels."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    parts = [coordinates] if kind == "Polygon" else coordinates
    return [[QPolygonF([QPointF(x, y) for x, y, *_ in ring]) for ring in rings] for rings in parts]


class ShapeOverlay:
    """Draws the session's shapes; cache of slide-pixel outlines per annotation."""

    def __init__(self, session: ToolSession) -> None:
        self.session = session
        self._outlines: dict[str, tuple[str, str, Any]] = {}
        for emitter in (session.document.updated, session.document.removed):
            emitter.connect(self._forget)

    def _forget(self, annotation: Any) -> None:
        self._outlines.pop(annotation.id, None)

    def _colour(self, label: str) -> str:
        schema = self.session.schema
        if schema is not None and label in schema.class_names:
            return schema.class_named(label).color
        return _GREY

    def _outline(self, annotation_id: str) -> tuple[str, str, Any]:
        found = self._outlines.get(annotation_id)
        if found is None:
            annotation = self.session.document.get(annotation_id)
            geometry = annotation.data[GEOMETRY]
            kind = geometry["type"]
            shape: Any
            if kind in ("Polygon", "MultiPolygon"):
                shape = _polygons(geometry)
            elif kind == "LineString":
                shape = QPolygonF([QPointF(x, y) for x, y, *_ in geometry["coordinates"]])
            else:
                points = geometry["coordinates"]
                points = [points] if kind == "Point" else points
                shape = [QPointF(x, y) for x, y, *_ in points]
            found = (self._colour(annotation.label or ""), kind, shape)
            self._outlines[annotation_id] = found
        return found

    def __call__(self, painter: QPainter, transform: OverlayTransform) -> None:
        """Paint the visible shapes (the painter in widget pixels)."""
        rect = transform.visible_rect()
        ids = self.session.index.visible((rect.left(), rect.top(), rect.right(), rect.bottom()))
        if not ids:
            return
        qt = transform.qtransform()
        scale = max(abs(qt.m11()) + abs(qt.m21()), 1e-12)
        dot_size = DOT_BELOW / scale
        index = self.session.index
        selected = set(self.session.selection)
        by_colour: dict[str, tuple[QPainterPath, list[QPolygonF], list[QPointF]]] = {}
        for annotation_id in ids:
            colour, kind, shape = self._outline(annotation_id)
            path, lines, dots = by_colour.setdefault(colour, (QPainterPath(), [], []))
            x0, y0, x1, y1 = index.bounds(annotation_id)
            if kind in ("Polygon", "MultiPolygon"):
                if x1 - x0 < dot_size and y1 - y0 < dot_size:
                    dots.append(qt.map(QPointF((x0 + x1) / 2, (y0 + y1) / 2)))
                    continue
                for rings in shape:
                    for ring in rings:
                        path.addPolygon(qt.map(ring))
                        path.closeSubpath()
            elif kind == "LineString":
                lines.append(qt.map(shape))
            else:
                dots.extend(qt.map(p) for p in shape)
        painter.save()
        painter.resetTransform()
        for colour, (path, lines, dots) in by_colour.items():
            colour_of = QColor(colour)
            fill = QColor(colour_of)
            fill.setAlpha(60)
            painter.setPen(QPen(colour_of, 1.5))
            painter.setBrush(fill)
            if not path.isEmpty():
                path.setFillRule(Qt.FillRule.OddEvenFill)
                painter.drawPath(path)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for line in lines:
                painter.drawPolyline(line)
            if dots:
                dot = QPen(colour_of, 6)
                dot.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(dot)
                painter.drawPoints(dots)
        self._paint_selection(painter, qt, selected.intersection(ids))
        painter.restore()

    def _paint_selection(self, painter: QPainter, qt: Any, selected: set[str]) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#ffffff"), 3, Qt.PenStyle.DashLine))
        for annotation_id in selected:
            _, kind, shape = self._outline(annotation_id)
            if kind in ("Polygon", "MultiPolygon"):
                for rings in shape:
                    for ring in rings:
                        painter.drawPolygon(qt.map(ring))
            elif kind == "LineString":
                painter.drawPolyline(qt.map(shape))
            else:
                painter.drawPoints([qt.map(p) for p in shape])
