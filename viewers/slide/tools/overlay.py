"""Painting a slide's shapes over the tiles: level of detail, batched by class, cached.

:class:`ShapeOverlay` is a view overlay (``view.overlays.append(overlay)``). Shapes are drawn
with a cosmetic (1 screen pixel) pen, as QuPath draws annotations by default; region fill is
an option (:attr:`ShapeOverlay.fill`). Three things keep a frame of 10,000+ regions fast:

* **Level of detail** (:mod:`workspace.slides.shape_lod`): per zoom level, outlines simplified
  to half a screen pixel and shapes under two pixels drawn as a dot, computed once per level
  and spatial cell and kept until a shape in that cell changes.
* **Batching** (:mod:`viewers.slide.tools.shape_paths`): one ``drawPath`` and one
  ``drawPoints`` per class and cell, over the cells the view's shapes fall in (found through
  the session's :class:`~workspace.slides.shape_index.ShapeIndex`).
* **A cached layer**: the drawing goes into an image a quarter widget larger on every side.
  Panning moves it; while the zoom changes it is drawn scaled, and the exact drawing follows
  :data:`SETTLE_MS` after the last zoom step. An edit repaints only the part of the layer
  the shape covered before and after, at once.

The selection is drawn on top every frame, exactly (full detail, dashed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from viewers.slide.tools.base import OverlayTransform, ToolSession
from viewers.slide.tools.shape_paths import DOT_PIXELS, CellDrawing
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import GEOMETRY
from workspace.annotations import Annotation
from workspace.slides.shape_index import geometry_bounds
from workspace.slides.shape_lod import Box, Cell, LevelCells, level_of, outlines

#: The cached layer reaches this share of the widget's size past each edge.
LAYER_MARGIN = 0.25
#: While zooming, the layer is drawn scaled up to this factor either way.
ZOOM_REUSE = 2.0
#: The exact drawing replaces the scaled layer this long after the last zoom step.
SETTLE_MS = 150
_GREY = "#808080"
_PAD = DOT_PIXELS + 2  # layer pixels around a repaired shape (dots and pen)


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


@dataclass
class _Level:
    """One detail level: where each shape's cell is and the cells built so far."""

    cells: LevelCells
    drawn: dict[Cell, CellDrawing] = field(default_factory=dict)


@dataclass
class _Layer:
    """The cached drawing: ``image`` holds the shapes mapped by ``to_layer`` at ``level``."""

    image: QImage
    to_layer: QTransform
    level: int

    @property
    def scale(self) -> float:
        return _scale_of(self.to_layer)


def _scale_of(qt: QTransform) -> float:
    return math.sqrt(abs(qt.determinant()))


def _turn(qt: QTransform) -> tuple[float, ...]:
    """The rotation/flip part of a transform (its linear part over its scale)."""
    scale = _scale_of(qt) or 1.0
    return tuple(round(v / scale, 6) for v in (qt.m11(), qt.m12(), qt.m21(), qt.m22()))


def _box_rect(box: Box) -> QRectF:
    return QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])


class ShapeOverlay:
    """Draws the session's shapes (a callable view overlay)."""

    def __init__(self, session: ToolSession, *, fill: bool = False) -> None:
        self.session = session
        self.fill = fill
        self._levels: dict[int, _Level] = {}
        self._placed: dict[str, Box] = {}
        self._layer: _Layer | None = None
        self._dirty: list[Box] = []
        self._selected: dict[str, tuple[QPainterPath, list[QPointF]]] = {}
        self._exact_due = False
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.settle)
        document = session.document
        for emitter in (document.added, document.updated, document.removed):
            emitter.connect(self._changed)

    # ------------------------------------------------------------------ following edits
    def _changed(self, annotation: Annotation) -> None:
        """One shape changed: drop its cells and mark where it was and is for repair."""
        self._selected.pop(annotation.id, None)
        if annotation.kind != SLIDE_SHAPE or not self._levels:
            return
        present = annotation.id in self.session.document and GEOMETRY in annotation.data
        box = geometry_bounds(annotation.data[GEOMETRY]) if present else None
        old = self._placed.pop(annotation.id, None)
        if box is not None:
            self._placed[annotation.id] = box
        self._dirty += [b for b in (old, box) if b is not None]
        for level in self._levels.values():
            for cell in level.cells.place(annotation.id, box):
                level.drawn.pop(cell, None)

    def settle(self) -> None:
        """Replace a scaled layer by the exact drawing at the next frame (after a zoom)."""
        self._exact_due = True
        self.session.repaint()

    # ------------------------------------------------------------------ levels and cells
    def _colour(self, label: str) -> str:
        schema = self.session.schema
        if schema is not None and label in schema.class_names:
            return schema.class_named(label).color
        return _GREY

    def _level(self, level: int) -> _Level:
        found = self._levels.get(level)
        if found is None:
            boxes = self.session.index.boxes()
            if not self._levels:
                self._placed = dict(boxes)
            found = _Level(LevelCells(level))
            found.cells.fill(self._placed.items())
            self._levels[level] = found
        return found

    def _cell(self, level: _Level, cell: Cell) -> CellDrawing:
        drawing = level.drawn.get(cell)
        if drawing is None:
            ids = level.cells.members.get(cell, [])
            index, document = self.session.index, self.session.document
            found = outlines(
                [index.geometry(i) for i in ids],
                [self._placed[i] for i in ids],
                level.cells.level,
            )
            labels = [document.get(i).label or "" for i in ids]
            colour = {label: self._colour(label) for label in set(labels)}
            colours = [colour[label] for label in labels]
            drawing = CellDrawing.build(found, colours)
            level.drawn[cell] = drawing
        return drawing

    def draw(self, painter: QPainter, qt: QTransform, rect: QRectF, level: int) -> None:
        """Draw the shapes meeting ``rect`` (level-0) through ``qt`` at detail ``level``."""
        detail = self._level(level)
        cells = detail.cells.meeting((rect.left(), rect.top(), rect.right(), rect.bottom()))
        if not cells:
            return
        painter.save()
        painter.setTransform(qt, combine=True)
        for cell in cells:
            self._cell(detail, cell).draw(painter, fill=self.fill)
        painter.restore()

    # ------------------------------------------------------------------ the cached layer
    def __call__(self, painter: QPainter, transform: OverlayTransform) -> None:
        """Paint the shapes: the cached layer (repaired after edits) moved or scaled when it
        still serves, else drawn afresh; then the selection on top."""
        qt = transform.qtransform()
        device = painter.device()
        width, height = device.width(), device.height()
        layer = self._layer
        if layer is not None and _turn(layer.to_layer) == _turn(qt):
            ratio = _scale_of(qt) / layer.scale
            same = math.isclose(ratio, 1.0, rel_tol=1e-9)
            usable = same or (not self._exact_due and 1 / ZOOM_REUSE <= ratio <= ZOOM_REUSE)
            if usable and self._show(painter, layer, qt, QRectF(0, 0, width, height), same):
                if same:
                    self._exact_due = False  # already exact
                else:
                    self._settle.start()
                self._draw_selection(painter, qt)
                return
        self._layer = self._redraw(qt, width, height)
        self._exact_due = False
        painter.drawImage(QPointF(-width * LAYER_MARGIN, -height * LAYER_MARGIN), self._layer.image)
        self._draw_selection(painter, qt)

    def _show(
        self, painter: QPainter, layer: _Layer, qt: QTransform, widget: QRectF, same: bool
    ) -> bool:
        """Draw ``layer`` where ``qt`` puts it, if it covers the widget (repaired first)."""
        from_layer, _ = layer.to_layer.inverted()
        on_widget = from_layer * qt
        if not on_widget.mapRect(QRectF(layer.image.rect())).contains(widget):
            return False
        self._repair(layer)
        if same:
            painter.drawImage(on_widget.map(QPointF(0, 0)), layer.image)
            return True
        painter.save()
        painter.setRenderHint(
            QPainter.RenderHint.SmoothPixmapTransform,
            on_widget.m11() ** 2 + on_widget.m12() ** 2 < 1,
        )
        painter.setTransform(on_widget, combine=True)
        painter.drawImage(QPointF(0, 0), layer.image)
        painter.restore()
        return True

    def _redraw(self, qt: QTransform, width: int, height: int) -> _Layer:
        margin_x, margin_y = width * LAYER_MARGIN, height * LAYER_MARGIN
        size = (int(width + 2 * margin_x), int(height + 2 * margin_y))
        old = self._layer
        image = (
            old.image
            if old is not None and (old.image.width(), old.image.height()) == size
            else QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        )
        image.fill(0)
        to_layer = qt * QTransform.fromTranslate(margin_x, margin_y)
        layer = _Layer(image, to_layer, level_of(_scale_of(qt)))
        self._dirty.clear()
        from_layer, _ = to_layer.inverted()
        into = QPainter(image)
        try:
            self.draw(into, to_layer, from_layer.mapRect(QRectF(image.rect())), layer.level)
        finally:
            into.end()
        return layer

    def _repair(self, layer: _Layer) -> None:
        """Redraw the parts of the layer the shapes changed since it was drawn cover."""
        if not self._dirty:
            return
        from_layer, _ = layer.to_layer.inverted()
        bounds = layer.image.rect()
        into = QPainter(layer.image)
        try:
            for box in self._dirty:
                area: QRect = layer.to_layer.mapRect(_box_rect(box)).toAlignedRect()
                area = area.adjusted(-_PAD, -_PAD, _PAD, _PAD).intersected(bounds)
                if area.isEmpty():
                    continue
                into.setClipRect(area)
                into.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                into.fillRect(area, Qt.GlobalColor.transparent)
                into.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
                self.draw(into, layer.to_layer, from_layer.mapRect(QRectF(area)), layer.level)
        finally:
            into.end()
        self._dirty.clear()

    def _draw_selection(self, painter: QPainter, qt: QTransform) -> None:
        """The selected shapes, exactly: a dashed white outline (and their points)."""
        selected = [i for i in self.session.selection if i in self.session.document]
        if not selected:
            return
        self._selected = {i: v for i, v in self._selected.items() if i in selected}
        painter.save()
        painter.setTransform(qt, combine=True)
        outline = QPen(QColor("#ffffff"), 2, Qt.PenStyle.DashLine)
        outline.setCosmetic(True)
        painter.setPen(outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for annotation_id in selected:
            found = self._selected.get(annotation_id)
            if found is None:
                geometry = self.session.document.get(annotation_id).data[GEOMETRY]
                found = self._selected[annotation_id] = shape_path(geometry)
            path, points = found
            painter.drawPath(path)
            if points:
                painter.drawPoints(points)
        painter.restore()
