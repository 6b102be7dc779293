"""Painting a slide's shapes over the tiles: only the visible ones, batched by class.

:class:`ShapeOverlay` is a view overlay (``view.overlays.append(overlay)``). Each shape's
outline is built once as a ``QPainterPath`` in level-0 pixels (cached until the shape
changes) and drawn through the view transform with a cosmetic (1 screen pixel) pen, as
QuPath draws annotations by default; region fill is an option (:attr:`ShapeOverlay.fill`).
When few shapes are in view the session's :class:`~workspace.slides.shape_index.ShapeIndex`
picks them and their paths are joined per class for the frame; when most are in view, one
joined path per class, cached until the document changes, is drawn as is — either way one
``drawPath`` per class, so a frame of 10,000+ regions costs a few stroker passes, not
10,000 painter calls. Points are drawn as round dots, the selection dashed on top.

The drawing goes into a layer image a quarter widget larger on every side; while the view only
pans (same zoom and rotation, no edit, same selection) later frames just move that layer, so
panning over 10,000 regions costs one image blit a frame.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from viewers.slide.tools.base import OverlayTransform, ToolSession
from workspace.annotation_kinds.slide_shapes import GEOMETRY

#: Above this share of the shapes in view, the cached whole-class paths are drawn.
WHOLE_CLASS_SHARE = 0.3
DOT_PIXELS = 6
#: The cached layer reaches this share of the widget's size past each edge.
LAYER_MARGIN = 0.25
_GREY = "#808080"


def shape_path(geometry: dict[str, Any]) -> tuple[QPainterPath, list[QPointF]]:
    """A GeoJSON geometry as a path in slide pixels (rings closed) and its points."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    path = QPainterPath()
    if kind in ("Polygon", "MultiPolygon"):
        for rings in [coordinates] if kind == "Polygon" else coordinates:
            for ring in rings:
                path.addPolygon(QPolygonF([QPointF(x, y) for x, y, *_ in ring]))
                path.closeSubpath()
        return path, []
    if kind == "LineString":
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y, *_ in coordinates]))
        return path, []
    points = [coordinates] if kind == "Point" else coordinates
    return path, [QPointF(x, y) for x, y, *_ in points]


class ShapeOverlay:
    """Draws the session's shapes (a callable view overlay)."""

    def __init__(self, session: ToolSession, *, fill: bool = False) -> None:
        self.session = session
        self.fill = fill
        self._shapes: dict[str, tuple[str, QPainterPath, list[QPointF]]] = {}
        self._whole: dict[str, tuple[QPainterPath, list[QPointF]]] | None = None
        self._version = 0
        self._layer: QImage | None = None
        self._layer_key: tuple[Any, ...] = ()
        self._layer_origin = QPointF()
        document = session.document
        for emitter in (document.added, document.updated, document.removed):
            emitter.connect(self._forget)

    def _forget(self, annotation: Any) -> None:
        self._shapes.pop(annotation.id, None)
        self._whole = None
        self._version += 1

    def _colour(self, label: str) -> str:
        schema = self.session.schema
        if schema is not None and label in schema.class_names:
            return schema.class_named(label).color
        return _GREY

    def _shape(self, annotation_id: str) -> tuple[str, QPainterPath, list[QPointF]]:
        found = self._shapes.get(annotation_id)
        if found is None:
            annotation = self.session.document.get(annotation_id)
            path, points = shape_path(annotation.data[GEOMETRY])
            found = (self._colour(annotation.label or ""), path, points)
            self._shapes[annotation_id] = found
        return found

    def _joined(self, ids: list[str]) -> dict[str, tuple[QPainterPath, list[QPointF]]]:
        joined: dict[str, tuple[QPainterPath, list[QPointF]]] = {}
        for annotation_id in ids:
            colour, path, points = self._shape(annotation_id)
            into, dots = joined.setdefault(colour, (QPainterPath(), []))
            if points:
                dots.extend(points)
            else:
                into.addPath(path)
        return joined

    def __call__(self, painter: QPainter, transform: OverlayTransform) -> None:
        """Paint the shapes: the cached layer moved when only the view panned, else drawn
        afresh into a layer a margin larger than the widget (so that panning reuses it)."""
        qt = transform.qtransform()
        device = painter.device()
        width, height = device.width(), device.height()
        key: tuple[Any, ...] = (qt.m11(), qt.m12(), qt.m21(), qt.m22(), self._version, self.fill)
        key += tuple(self.session.selection)
        if self._layer is not None and self._layer_key == key:
            corner = qt.map(self._layer_origin)
            if (
                corner.x() <= 0
                and corner.y() <= 0
                and (
                    corner.x() + self._layer.width() >= width
                    and corner.y() + self._layer.height() >= height
                )
            ):
                painter.drawImage(corner, self._layer)
                return
        margin_x, margin_y = int(width * LAYER_MARGIN), int(height * LAYER_MARGIN)
        size = (width + 2 * margin_x, height + 2 * margin_y)
        layer = self._layer
        if layer is None or (layer.width(), layer.height()) != size:
            layer = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        layer.fill(0)
        shifted = qt * QTransform.fromTranslate(margin_x, margin_y)
        inverse, _ = qt.inverted()
        into = QPainter(layer)
        try:
            area = QRectF(-margin_x, -margin_y, layer.width(), layer.height())
            self.draw(into, shifted, inverse.mapRect(area))
        finally:
            into.end()
        self._layer, self._layer_key = layer, key
        self._layer_origin = inverse.map(QPointF(-margin_x, -margin_y))
        painter.drawImage(QPointF(-margin_x, -margin_y), layer)

    def draw(self, painter: QPainter, qt: QTransform, rect: QRectF) -> None:
        """Draw the shapes meeting ``rect`` (level-0) through ``qt`` (no layer)."""
        index = self.session.index
        ids = index.visible((rect.left(), rect.top(), rect.right(), rect.bottom()))
        if not ids:
            return
        if len(ids) > WHOLE_CLASS_SHARE * len(index):
            if self._whole is None:
                self._whole = self._joined(self.session.index.visible(_EVERYWHERE))
            joined = self._whole
        else:
            joined = self._joined(ids)
        painter.save()
        painter.setTransform(qt, combine=True)
        for colour, (path, dots) in joined.items():
            pen = QPen(QColor(colour), 0)
            painter.setPen(pen)
            if self.fill:
                fill = QColor(colour)
                fill.setAlpha(60)
                painter.setBrush(fill)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
            if not path.isEmpty():
                painter.drawPath(path)
            if dots:
                dot = QPen(QColor(colour), DOT_PIXELS)
                dot.setCosmetic(True)
                dot.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(dot)
                painter.drawPoints(dots)
        selected = [i for i in self.session.selection if i in self.session.document]
        if selected:
            outline = QPen(QColor("#ffffff"), 2, Qt.PenStyle.DashLine)
            outline.setCosmetic(True)
            painter.setPen(outline)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for annotation_id in selected:
                _, path, points = self._shape(annotation_id)
                painter.drawPath(path)
                if points:
                    painter.drawPoints(points)
        painter.restore()


_EVERYWHERE = (-float(1 << 30), -float(1 << 30), float(1 << 30), float(1 << 30))
