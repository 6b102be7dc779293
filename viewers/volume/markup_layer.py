"""Draws the item's measurements over the slice views, as 3D Slicer's markups are drawn.

A landmark is a dot in its label's colour in every slice within half a voxel of it; a ruler a
line with its length in millimetres in the slices of its plane; a 3D box the rectangle where
the slice cuts it; a polygon its closed outline, with its area, in its own slice. The selected
measurement has a white halo, as has the polygon vertex under the mouse (or last clicked); the
one being drawn (or resized) is dashed and shown in place of its stored version, and a polygon
being outlined is an open dashed line through its vertices.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF

from viewers.volume.markup_geometry import (
    Index,
    box_on_slice,
    on_slice,
    polygon_on_slice,
    polygon_text,
    widget_xy,
)
from viewers.volume.slice_view import SliceView
from workspace.annotations import Annotation
from workspace.schema import LabelSchema
from workspace.segmentation.measurements import BOX3D, LANDMARK, POLYGON, RULER

#: The colour of measurements without a label.
UNLABELLED = "#00d5ff"
HALO = QColor(255, 255, 255, 230)
OUTLINE = QColor(0, 0, 0, 200)
CAPTION_BACKGROUND = QColor(0, 0, 0, 150)
DOT_RADIUS = 5.0
END_RADIUS = 2.5
VERTEX_RING = 6.0


class MarkupLayer:
    """The measurements shown in a set of slice views (an overlay painter of each)."""

    def __init__(self, schema: LabelSchema, views: Iterable[SliceView]) -> None:
        self.colors = {c.name: c.color for c in schema.classes}
        self.views = list(views)
        self.annotations: list[Annotation] = []
        self.selected: str | None = None
        self.draft: Annotation | None = None
        #: A polygon being outlined: its view and vertices so far (None: none).
        self.outline: tuple[SliceView, list[Index]] | None = None
        #: A polygon vertex ringed (hovered or clicked: Delete takes it out), None: none.
        self.vertex: tuple[str, int] | None = None
        for view in self.views:
            view.overlays.append(self.paint)

    def color(self, label: str | None) -> QColor:
        """The colour of ``label`` in the schema (unlabelled: cyan)."""
        return QColor(self.colors.get(label or "", UNLABELLED))

    def set_annotations(self, annotations: list[Annotation]) -> None:
        """The measurements to draw."""
        self.annotations = annotations
        self.update()

    def set_selected(self, annotation_id: str | None) -> None:
        """Highlight one measurement (None: none)."""
        self.selected = annotation_id
        self.update()

    def set_draft(self, draft: Annotation | None) -> None:
        """The measurement being drawn or resized (None: none)."""
        self.draft = draft
        self.update()

    def set_outline(self, view: SliceView | None, points: list[Index]) -> None:
        """The vertices of the polygon being outlined in ``view`` (and where the mouse is);
        None or no points: none."""
        self.outline = None if view is None or not points else (view, list(points))
        self.update()

    def set_vertex(self, vertex: tuple[str, int] | None) -> None:
        """Ring vertex ``vertex[1]`` of polygon ``vertex[0]`` (None: none)."""
        if vertex != self.vertex:
            self.vertex = vertex
            self.update()

    def update(self) -> None:
        """Repaint every view."""
        for view in self.views:
            view.update()

    def shown(self) -> list[Annotation]:
        """The stored measurements, the draft in place of the one it edits."""
        draft = self.draft
        if draft is None:
            return list(self.annotations)
        return [a for a in self.annotations if a.id != draft.id] + [draft]

    # ------------------------------------------------------------------ painting
    def paint(self, view: SliceView, painter: QPainter) -> None:
        """Draw what of each measurement lies in ``view``'s slice."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for annotation in self.shown():
            dashed = annotation is self.draft
            selected = annotation.id == self.selected
            if annotation.kind == LANDMARK:
                self._landmark(view, painter, annotation, selected)
            elif annotation.kind == RULER:
                self._ruler(view, painter, annotation, selected, dashed)
            elif annotation.kind == BOX3D:
                self._box(view, painter, annotation, selected, dashed)
            elif annotation.kind == POLYGON:
                self._polygon(view, painter, annotation, selected, dashed)
        outline = self.outline
        if (
            outline is not None
            and outline[0] is view
            and on_slice(view.frame, view.index, outline[1][0])
        ):
            self._outline(view, painter, outline[1])

    def _xy(self, view: SliceView, point: list[float]) -> QPointF:
        x, y = widget_xy(view.frame, view.image_rect(), point)
        return QPointF(x, y)

    def _landmark(
        self, view: SliceView, painter: QPainter, annotation: Annotation, selected: bool
    ) -> None:
        point = annotation.data["point_kji"]
        if not on_slice(view.frame, view.index, point):
            return
        centre = self._xy(view, point)
        if selected:
            painter.setPen(QPen(HALO, 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(centre, DOT_RADIUS + 3, DOT_RADIUS + 3)
        painter.setPen(QPen(OUTLINE, 1.5))
        painter.setBrush(self.color(annotation.label))
        painter.drawEllipse(centre, DOT_RADIUS, DOT_RADIUS)
        if annotation.label:
            corner = centre + QPointF(DOT_RADIUS + 4, -DOT_RADIUS - 2)
            _caption(painter, corner, annotation.label, QRectF(view.rect()))

    def _ruler(
        self,
        view: SliceView,
        painter: QPainter,
        annotation: Annotation,
        selected: bool,
        dashed: bool,
    ) -> None:
        data = annotation.data
        start, end = data["start_kji"], data["end_kji"]
        if not (on_slice(view.frame, view.index, start) and on_slice(view.frame, view.index, end)):
            return
        a, b = self._xy(view, start), self._xy(view, end)
        color = self.color(annotation.label)
        _line(painter, a, b, color, selected, dashed)
        painter.setPen(QPen(OUTLINE, 1.0))
        painter.setBrush(color)
        for point in (a, b):
            painter.drawEllipse(point, END_RADIUS, END_RADIUS)
        text = f"{float(data['length_mm']):.1f} mm"
        if annotation.label:
            text = f"{annotation.label}  {text}"
        right = b if b.x() >= a.x() else a  # the caption beside the right-hand end
        _caption(painter, right + QPointF(8, 4), text, QRectF(view.rect()))

    def _box(
        self,
        view: SliceView,
        painter: QPainter,
        annotation: Annotation,
        selected: bool,
        dashed: bool,
    ) -> None:
        cut = box_on_slice(
            view.frame, view.index, annotation.data["min_kji"], annotation.data["max_kji"]
        )
        if cut is None:
            return
        first, last = (self._xy(view, list(corner)) for corner in cut)
        rect = QRectF(first, last).normalized()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if selected:
            painter.setPen(QPen(HALO, 4.0))
            painter.drawRect(rect)
        pen = QPen(self.color(annotation.label), 2.0)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRect(rect)
        if annotation.label:
            corner = rect.topLeft() + QPointF(0, -4)
            _caption(painter, corner, annotation.label, QRectF(view.rect()))

    def _polygon(
        self,
        view: SliceView,
        painter: QPainter,
        annotation: Annotation,
        selected: bool,
        dashed: bool,
    ) -> None:
        if not polygon_on_slice(view.frame, view.index, annotation):
            return
        points = [self._xy(view, p) for p in annotation.data["points_kji"]]
        corners = QPolygonF(points)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if selected:
            painter.setPen(QPen(HALO, 4.0))
            painter.drawPolygon(corners)
        color = self.color(annotation.label)
        pen = QPen(color, 2.0)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPolygon(corners)
        painter.setPen(QPen(OUTLINE, 1.0))
        painter.setBrush(color)
        for corner in points:
            painter.drawEllipse(corner, END_RADIUS, END_RADIUS)
        vertex = self.vertex
        if vertex is not None and vertex[0] == annotation.id and vertex[1] < len(points):
            painter.setPen(QPen(HALO, 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(points[vertex[1]], VERTEX_RING, VERTEX_RING)
        text = polygon_text(annotation.data)
        if annotation.label:
            text = f"{annotation.label}  {text}"
        top = min(points, key=lambda p: p.y())
        _caption(painter, top + QPointF(0, -6), text, QRectF(view.rect()))

    def _outline(self, view: SliceView, painter: QPainter, points: list[Index]) -> None:
        corners = [self._xy(view, list(p)) for p in points]
        pen = QPen(QColor(UNLABELLED), 2.0)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(QPolygonF(corners))
        painter.setPen(QPen(OUTLINE, 1.0))
        painter.setBrush(QColor(UNLABELLED))
        for corner in corners:
            painter.drawEllipse(corner, END_RADIUS, END_RADIUS)


def _line(
    painter: QPainter, a: QPointF, b: QPointF, color: QColor, selected: bool, dashed: bool
) -> None:
    under = QPen(HALO if selected else OUTLINE, 4.0)
    under.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(under)
    painter.drawLine(a, b)
    pen = QPen(color, 2.0)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.drawLine(a, b)


def caption_box(metrics: QFontMetricsF, bottom_left: QPointF, text: str, bounds: QRectF) -> QRectF:
    """The plate of ``text`` with its baseline at ``bottom_left``, moved inside ``bounds``
    (the view) when it would stick out of it: a label near an edge stays readable."""
    box = QRectF(
        bottom_left.x() - 3,
        bottom_left.y() - metrics.ascent() - 2,
        metrics.horizontalAdvance(text) + 6,
        metrics.height() + 3,
    )
    dx = max(bounds.left() - box.left(), min(0.0, bounds.right() - box.right()))
    dy = max(bounds.top() - box.top(), min(0.0, bounds.bottom() - box.bottom()))
    return box.translated(dx, dy)


def _caption(painter: QPainter, bottom_left: QPointF, text: str, bounds: QRectF) -> None:
    """``text`` on a dark plate, its baseline at ``bottom_left`` (kept inside ``bounds``)."""
    metrics = QFontMetricsF(painter.font())
    box = caption_box(metrics, bottom_left, text, bounds)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(CAPTION_BACKGROUND)
    painter.drawRoundedRect(box, 3, 3)
    painter.setPen(QColor(245, 245, 245))
    painter.drawText(QPointF(box.left() + 3, box.top() + 2 + metrics.ascent()), text)
