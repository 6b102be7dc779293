"""Painting a slide's shapes over the tiles: level of detail, batched by class, cached.

:class:`ShapeOverlay` is a view overlay (``view.overlays.append(overlay)``). Shapes are drawn
with a cosmetic (1 screen pixel) pen, as QuPath draws annotations by default; region fill is
an option (:attr:`ShapeOverlay.fill`). Four things keep a frame of 10,000+ regions fast:

* **Level of detail** (:mod:`workspace.slides.shape_lod`): per zoom level, outlines simplified
  to half a screen pixel and shapes under two pixels drawn as a dot, computed once per level
  and spatial cell and kept until a shape in that cell changes.
* **Batching** (:mod:`viewers.slide.tools.shape_paths`): one ``drawPath`` and one
  ``drawPoints`` per class and cell, over the cells whose shapes reach into view.
* **A cached layer**: the drawing goes into an image a quarter widget larger on every side
  (in device pixels, so outlines stay one pixel thin on a high-DPI screen).
  Panning moves it and zooming draws it scaled, so such a frame costs one image blit. A new
  layer is drawn a few cells at a time between frames (slices of about :data:`SLICE_MS`, on
  the GUI thread: Qt's painter holds Python's GIL, so a worker thread would not free it)
  when the view runs past the old one or :data:`SETTLE_MS` after the last zoom step, and
  replaces it when done. A rotation or a jump of more than :data:`ZOOM_REUSE` times needs a
  new layer at once: it is drawn in that frame when its cells are built already or cheap
  (:data:`SYNC_SHAPES`), else the old layer stands in, drawn through the new view, until the
  new one is ready. An edit repaints only the part of the layer the shape covered before and
  after, in the next frame (a crowded cell, over :data:`SYNC_SHAPES`, once it is rebuilt).
* **Outlines built off the GUI thread**: a new level's shapes are placed in cells (over
  :data:`SYNC_PLACE` shapes; the edits made meanwhile are replayed) and its cells built
  (simplification, dots, the ``QPainterPath`` of each class) on a worker thread
  (:mod:`viewers.slide.tools.outline_worker`) from a snapshot of the shapes; results arrive
  by a queued signal, and one for a cell edited meanwhile (its generation changed) is
  dropped. So no frame at a new zoom level waits for 10,000 outlines: the GUI thread only
  draws the finished cells into the layer, in slices.

The selection is drawn on top every frame, exactly (full detail, dashed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QImage,
    QPaintDevice,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

from viewers.slide.tools.base import OverlayTransform, ToolSession
from viewers.slide.tools.outline_worker import Done, OutlineWorker, Task, build
from viewers.slide.tools.shape_paths import DOT_PIXELS, CellDrawing
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import GEOMETRY
from workspace.annotations import Annotation
from workspace.slides.outline_jobs import CellJob, GeometryCache
from workspace.slides.shape_index import geometry_bounds
from workspace.slides.shape_lod import Box, Cell, LevelCells, level_of

#: The cached layer reaches this share of the widget's size past each edge.
LAYER_MARGIN = 0.25
#: While zooming, the layer is drawn scaled up to this factor either way.
ZOOM_REUSE = 2.0
#: The exact drawing replaces the scaled layer this long after the last zoom step.
SETTLE_MS = 150
#: A layer drawn between frames is drawn in slices of about this long.
SLICE_MS = 6.0
#: Below this share of the widget covered by the old layer, a new layer is needed at once.
MIN_COVER = 0.5
#: A frame builds missing cells itself only when they hold at most this many shapes in all
#: (a few milliseconds); more are built on the worker thread.
SYNC_SHAPES = 200
#: A new level's shapes are placed in cells in the frame up to this many shapes; more, on
#: the worker thread.
SYNC_PLACE = 2000
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
    #: Bumped when an edit touches a cell: results built from an older snapshot are dropped.
    generation: dict[Cell, int] = field(default_factory=dict)


@dataclass
class _Layer:
    """The cached drawing: ``image`` holds the shapes mapped by ``to_layer`` at ``level``."""

    image: QImage
    to_layer: QTransform
    level: int
    #: Level-0 boxes of shapes changed since the layer was drawn (to repair).
    dirty: list[Box] = field(default_factory=list)

    @property
    def scale(self) -> float:
        return _scale_of(self.to_layer)

    @property
    def rect(self) -> QRectF:
        """The layer's extent in its own (device-independent) pixels."""
        return QRectF(QPointF(0, 0), self.image.deviceIndependentSize())


def _logical_rect(device: QPaintDevice) -> QRectF:
    """A paint device's extent in device-independent pixels (a widget's size already is one;
    an image's is its pixels over its device pixel ratio)."""
    if isinstance(device, QImage):
        return QRectF(QPointF(0, 0), device.deviceIndependentSize())
    return QRectF(0, 0, device.width(), device.height())


def _scale_of(qt: QTransform) -> float:
    return math.sqrt(abs(qt.determinant()))


def _turn(qt: QTransform) -> tuple[float, ...]:
    """The rotation/flip part of a transform (its linear part over its scale)."""
    scale = _scale_of(qt) or 1.0
    return tuple(round(v / scale, 6) for v in (qt.m11(), qt.m12(), qt.m21(), qt.m22()))


@dataclass
class _Pending:
    """A layer being drawn between frames: the cells still to draw into it (``None`` while
    its level's cells are being placed on the worker thread) and the level-0 area it spans."""

    layer: _Layer
    cells: list[Cell] | None
    area: QRectF


def _box_rect(box: Box) -> QRectF:
    return QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])


class ShapeOverlay:
    """Draws the session's shapes (a callable view overlay)."""

    def __init__(self, session: ToolSession, *, fill: bool = False) -> None:
        self.session = session
        self._fill = fill
        self._levels: dict[int, _Level] = {}
        self._placed: dict[str, Box] = {}
        self._loaded = False  # whether _placed follows the document
        self._geometries = GeometryCache()
        self._worker = OutlineWorker()
        self._worker.built.connect(self._built)
        #: Bumped when every level is dropped (colours changed): older results are dropped.
        self._epoch = 0
        #: Levels being placed on the worker: where their replay of the edits starts.
        self._placing: dict[int, int] = {}
        #: Shapes changed (id, new box) while levels are placed on the worker, to replay.
        self._edits: list[tuple[str, Box | None]] = []
        self._layer: _Layer | None = None
        self._pending: _Pending | None = None
        self._selected: dict[str, tuple[QPainterPath, list[QPointF]]] = {}
        self._exact_due = False
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.settle)
        self._slices = QTimer()
        self._slices.setSingleShot(True)
        self._slices.timeout.connect(self.step)
        document = session.document
        for emitter in (document.added, document.updated, document.removed):
            emitter.connect(self._changed)

    @property
    def fill(self) -> bool:
        """Whether regions are filled (translucent) as well as outlined."""
        return self._fill

    @fill.setter
    def fill(self, fill: bool) -> None:
        if fill != self._fill:
            self._fill = fill
            self._layer = self._pending = None
            self.session.repaint()

    def refresh(self) -> None:
        """Draw everything afresh at the next frame (class colours changed)."""
        self._levels.clear()
        self._epoch += 1
        self._worker.cancel()
        self._placing.clear()
        self._edits.clear()
        self._layer = self._pending = None
        self.session.repaint()

    # ------------------------------------------------------------------ following edits
    def _changed(self, annotation: Annotation) -> None:
        """One shape changed: drop its cells and mark where it was and is for repair."""
        self._selected.pop(annotation.id, None)
        if annotation.kind != SLIDE_SHAPE or not self._loaded:
            return
        present = annotation.id in self.session.document and GEOMETRY in annotation.data
        if not present:
            self._geometries.forget(annotation.id)
        box = geometry_bounds(annotation.data[GEOMETRY]) if present else None
        old = self._placed.pop(annotation.id, None)
        if box is not None:
            self._placed[annotation.id] = box
        changed = [b for b in (old, box) if b is not None]
        for layer in self._layers():
            layer.dirty += changed
        if self._placing:
            self._edits.append((annotation.id, box))
        for level in self._levels.values():
            for cell in level.cells.place(annotation.id, box):
                level.drawn.pop(cell, None)
                level.generation[cell] = level.generation.get(cell, 0) + 1

    def _layers(self) -> list[_Layer]:
        pending = [self._pending.layer] if self._pending is not None else []
        return [self._layer, *pending] if self._layer is not None else pending

    def _repaint(self) -> None:
        """Ask the view for a frame (from a timer or a worker's result: the view may have
        been closed meanwhile, and then the overlay stops)."""
        try:
            self.session.repaint()
        except RuntimeError:  # the view's Qt object was deleted
            self.close()

    def close(self) -> None:
        """Stop: cancel the worker's tasks not started, the timers and the pending layer."""
        self._worker.cancel()
        self._settle.stop()
        self._slices.stop()
        self._pending = None

    def settle(self) -> None:
        """Have the exact drawing replace a scaled layer (the zoom has stopped)."""
        self._exact_due = True
        self._repaint()

    @property
    def drawing(self) -> bool:
        """Whether a new layer is being drawn between frames."""
        return self._pending is not None

    def step(self, *, wait: bool = False) -> None:
        """Draw the next slice of the pending layer (cells in order; one not built yet is
        asked of the worker and the slice ends, unless ``wait``: then it is built here).
        When the layer is done it replaces the old one and the view is asked to repaint."""
        pending = self._pending
        if pending is None:
            return
        layer = pending.layer
        if pending.cells is None:
            if layer.level not in self._levels and not wait:
                return  # its cells are being placed: _built goes on
            pending.cells = self._meeting(self._level(layer.level), pending.area)
        detail = self._level(layer.level)
        start = time.perf_counter()
        waiting = False
        into = QPainter(layer.image)
        try:
            into.setTransform(layer.to_layer, combine=True)
            while pending.cells and (time.perf_counter() - start) * 1000 < SLICE_MS:
                drawing = detail.drawn.get(pending.cells[0])
                if drawing is None and not wait:
                    self._ask(detail, pending.cells)
                    waiting = True
                    break
                drawing = drawing or self._cell(detail, pending.cells[0])
                drawing.draw(into, fill=self.fill)
                pending.cells.pop(0)
        finally:
            into.end()
        if pending.cells:
            if not waiting:
                self._slices.start(0)
            return
        self._pending = None
        self._layer = layer
        self._repaint()

    def finish(self) -> None:
        """Draw the pending layer to its end now (building its missing cells here)."""
        while self._pending is not None:
            self.step(wait=True)

    @property
    def building(self) -> bool:
        """Whether cells are being built on the worker thread."""
        return self._worker.busy

    # ------------------------------------------------------------------ levels and cells
    def _colour(self, label: str) -> str:
        schema = self.session.schema
        if schema is not None and label in schema.class_names:
            return schema.class_named(label).color
        return _GREY

    def _load(self) -> None:
        if not self._loaded:  # from now on kept up to date by _changed
            self._placed = dict(self.session.index.boxes())
            self._loaded = True

    def _level(self, level: int) -> _Level:
        """A level, its shapes placed in cells here if they are not yet."""
        found = self._levels.get(level)
        if found is None:
            self._load()
            cells = LevelCells(level)
            cells.fill(self._placed.items())
            found = self._levels[level] = _Level(cells)
        return found

    def _level_soon(self, level: int) -> _Level | None:
        """A level if it is ready or cheap to make here; else ``None``, its shapes being
        placed in cells on the worker thread (from a copy of their boxes; the edits made
        meanwhile are replayed when it arrives)."""
        found = self._levels.get(level)
        if found is not None:
            return found
        self._load()
        if len(self._placed) <= SYNC_PLACE:
            return self._level(level)
        if level not in self._placing:
            boxes = list(self._placed.items())

            def place() -> LevelCells:
                cells = LevelCells(level)
                cells.fill(boxes)
                return cells

            self._placing[level] = len(self._edits)
            self._worker.ask([Task(("level", level), (self._epoch, 0), place)])
        return None

    def _meeting(self, level: _Level, area: QRectF) -> list[Cell]:
        return level.cells.meeting((area.left(), area.top(), area.right(), area.bottom()))

    def _job(self, level: _Level, cell: Cell, generation: tuple[int, int]) -> CellJob:
        """A snapshot of one cell's shapes for building its drawing. Taken here or on the
        worker thread: the document's annotations are immutable and a member or box read
        while the GUI thread edits the cell belongs to an older generation (dropped)."""
        ids = tuple(level.cells.members.get(cell, ()))
        shapes = tuple(self.session.document.get(i) for i in ids)
        labels = [a.label or "" for a in shapes]
        colour = {label: self._colour(label) for label in set(labels)}
        return CellJob(
            level=level.cells.level,
            cell=cell,
            generation=generation,
            shapes=shapes,
            boxes=tuple(self._placed[i] for i in ids),
            colours=tuple(colour[label] for label in labels),
        )

    def _generation(self, level: _Level, cell: Cell) -> tuple[int, int]:
        return self._epoch, level.generation.get(cell, 0)

    def _cell(self, level: _Level, cell: Cell) -> CellDrawing:
        """One cell's drawing, built here if it is not yet."""
        drawing = level.drawn.get(cell)
        if drawing is None:
            job = self._job(level, cell, self._generation(level, cell))
            drawing = level.drawn[cell] = build(job, self._geometries)
        return drawing

    def _missing(self, level: _Level, cells: list[Cell]) -> list[Cell]:
        return [c for c in cells if c not in level.drawn]

    def _cheap(self, level: _Level, cells: list[Cell]) -> bool:
        """Whether the missing ones of ``cells`` are few enough shapes to build in a frame."""
        members = level.cells.members
        return sum(len(members.get(c, ())) for c in self._missing(level, cells)) <= SYNC_SHAPES

    def _ask(self, level: _Level, cells: list[Cell], *, only: bool = True) -> None:
        """Have the worker build the missing ones of ``cells``, in order (when ``only``,
        cancelling other cells not started yet; levels being placed go on)."""
        number = level.cells.level
        missing = self._missing(level, cells)
        wanted = {(number, c) for c in missing}
        if only:
            self._worker.keep(lambda key: key in wanted or key[0] == "level")
        tasks = []
        for cell in missing:
            generation = self._generation(level, cell)
            if not self._worker.queued((number, cell), generation):
                tasks.append(Task((number, cell), generation, self._building(level, cell)))
        self._worker.ask(tasks)

    def _building(self, level: _Level, cell: Cell) -> Callable[[], CellDrawing]:
        generation, cache = self._generation(level, cell), self._geometries
        return lambda: build(self._job(level, cell, generation), cache)

    def _built(self, done: Done) -> None:
        """A result arrived from the worker: a level's cells (the edits made meanwhile are
        replayed) or a cell's drawing, kept unless the cell changed since (or every level
        was dropped); then the pending layer goes on."""
        self._worker.done(done.key, done.generation)
        kind, number = done.key
        if kind == "level":
            start = self._placing.pop(number, None)
            if start is None or done.generation != (self._epoch, 0):
                return
            cells: LevelCells = done.result
            for annotation_id, box in self._edits[start:]:
                cells.place(annotation_id, box)
            if not self._placing:
                self._edits.clear()
            self._levels.setdefault(number, _Level(cells))
        else:
            level = self._levels.get(kind)
            if level is None or self._generation(level, number) != done.generation:
                return
            if not isinstance(done.result, CellDrawing):
                raise done.result  # a bug in building, not bad input: shapes are checked
            level.drawn.setdefault(number, done.result)
        pending = self._pending
        if pending is not None and (pending.cells is None or pending.cells):
            self._slices.start(0)
        if self._layer is not None and self._layer.dirty:
            self._repaint()  # a repair was waiting for cells

    def draw(self, painter: QPainter, qt: QTransform, rect: QRectF, level: int) -> None:
        """Draw the shapes meeting ``rect`` (level-0) through ``qt`` at detail ``level``."""
        detail = self._level(level)
        cells = self._meeting(detail, rect)
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
        covers enough of the widget, a new one started between frames when it no longer
        serves exactly; else a new layer, drawn at once when that is cheap, or else started
        between frames with the old layer standing in. Then the selection on top."""
        qt = transform.qtransform()
        device = painter.device()
        widget, dpr = _logical_rect(device), device.devicePixelRatioF()
        layer = self._layer
        if layer is not None and layer.image.devicePixelRatioF() != dpr:
            layer = self._layer = None
        cover = self._cover(layer, qt, widget) if layer is not None else 0.0
        if cover < MIN_COVER:
            drawn = self._replace_layer(qt, widget, dpr)
            if drawn is not None:
                layer = self._layer = drawn
                self._exact_due = False
                cover = 1.0
        if layer is None:  # nothing to show until the new layer is ready
            self._draw_selection(painter, qt)
            return
        exact = math.isclose(_scale_of(qt), layer.scale, rel_tol=1e-9)
        if not exact:
            self._settle.start()
        if exact and cover == 1.0:
            self._exact_due = False
            self._pending = None  # a layer started for another view is not needed
        elif self._pending is None and (cover < 1.0 or self._exact_due):
            self._exact_due = False
            self._start_layer(qt, widget, dpr)
        self._repair(layer)
        self._show(painter, layer, qt)
        self._draw_selection(painter, qt)

    @staticmethod
    def _cover(layer: _Layer, qt: QTransform, widget: QRectF) -> float:
        """The share of the widget the layer covers drawn through ``qt`` (0 if it cannot be
        reused: another rotation, or a zoom of more than :data:`ZOOM_REUSE` times)."""
        ratio = _scale_of(qt) / layer.scale
        if _turn(layer.to_layer) != _turn(qt) or not 1 / ZOOM_REUSE <= ratio <= ZOOM_REUSE:
            return 0.0
        from_layer, _ = layer.to_layer.inverted()
        placed = (from_layer * qt).mapRect(layer.rect)
        met = placed.intersected(widget)
        return met.width() * met.height() / (widget.width() * widget.height())

    @staticmethod
    def _show(painter: QPainter, layer: _Layer, qt: QTransform) -> None:
        """Draw the layer where ``qt`` puts it (moved, or scaled smoothly when shrunk)."""
        from_layer, _ = layer.to_layer.inverted()
        on_widget = from_layer * qt
        moved = on_widget.type() in (
            QTransform.TransformationType.TxNone,
            QTransform.TransformationType.TxTranslate,
        )
        if moved or (
            math.isclose(_scale_of(on_widget), 1.0, rel_tol=1e-9)
            and _turn(on_widget) == (1.0, 0.0, 0.0, 1.0)
        ):
            painter.drawImage(on_widget.map(QPointF(0, 0)), layer.image)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, _scale_of(on_widget) < 1)
        painter.setTransform(on_widget, combine=True)
        painter.drawImage(QPointF(0, 0), layer.image)
        painter.restore()

    def _new_layer(self, qt: QTransform, widget: QRectF, dpr: float) -> tuple[_Layer, QRectF]:
        """An empty layer for the view ``qt`` (in device pixels: sharp on a high-DPI screen)
        and the level-0 rectangle it spans."""
        margin_x, margin_y = widget.width() * LAYER_MARGIN, widget.height() * LAYER_MARGIN
        width, height = widget.width() + 2 * margin_x, widget.height() + 2 * margin_y
        image = QImage(
            round(width * dpr), round(height * dpr), QImage.Format.Format_ARGB32_Premultiplied
        )
        image.setDevicePixelRatio(dpr)
        image.fill(0)
        layer = _Layer(
            image, qt * QTransform.fromTranslate(margin_x, margin_y), level_of(_scale_of(qt))
        )
        from_layer, _ = layer.to_layer.inverted()
        return layer, from_layer.mapRect(layer.rect)

    def _replace_layer(self, qt: QTransform, widget: QRectF, dpr: float) -> _Layer | None:
        """A layer for ``qt`` drawn at once when its cells are built or cheap to build; else
        ``None``, and the layer is started between frames (its cells asked of the worker),
        unless the one pending already serves the view."""
        pending = self._pending
        if (
            pending is not None
            and pending.layer.image.devicePixelRatioF() == dpr
            and self._cover(pending.layer, qt, widget) >= MIN_COVER
        ):
            return None
        layer, area = self._new_layer(qt, widget, dpr)
        detail = self._level_soon(layer.level)
        if detail is None:  # its cells are being placed
            self._pending = _Pending(layer, None, area)
            return None
        cells = self._meeting(detail, area)
        if not self._cheap(detail, cells):
            self._pending = _Pending(layer, cells, area)
            self._ask(detail, cells)
            self._slices.start(0)
            return None
        self._pending = None
        into = QPainter(layer.image)
        try:
            into.setTransform(layer.to_layer, combine=True)
            for cell in cells:
                self._cell(detail, cell).draw(into, fill=self.fill)
        finally:
            into.end()
        return layer

    def _start_layer(self, qt: QTransform, widget: QRectF, dpr: float) -> None:
        """Start drawing a layer for ``qt`` between frames."""
        layer, area = self._new_layer(qt, widget, dpr)
        detail = self._level_soon(layer.level)
        self._pending = _Pending(
            layer, None if detail is None else self._meeting(detail, area), area
        )
        self._slices.start(0)

    def _repair(self, layer: _Layer) -> None:
        """Redraw the parts of the layer the shapes changed since it was drawn cover. When
        the cells to build there hold many shapes (a crowded cell at low zoom), they are
        asked of the worker and the repair waits for them (the layer is shown as it was)."""
        if not layer.dirty:
            return
        from_layer, _ = layer.to_layer.inverted()
        areas = []
        for box in layer.dirty:
            found = layer.to_layer.mapRect(_box_rect(box)).adjusted(-_PAD, -_PAD, _PAD, _PAD)
            area = QRectF(found.toAlignedRect()).intersected(layer.rect)
            if not area.isEmpty():
                areas.append(area)
        detail = self._level(layer.level)
        cells = list(
            dict.fromkeys(c for a in areas for c in self._meeting(detail, from_layer.mapRect(a)))
        )
        if not self._cheap(detail, cells):
            self._ask(detail, cells, only=False)
            return
        into = QPainter(layer.image)
        try:
            for area in areas:
                into.setClipRect(area)
                into.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                into.fillRect(area, Qt.GlobalColor.transparent)
                into.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
                self.draw(into, layer.to_layer, from_layer.mapRect(QRectF(area)), layer.level)
        finally:
            into.end()
        layer.dirty.clear()

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
