"""Relations drawn over the note: typed arrows from the source span's tag to the target's.

An arrow rises from the top of the source tag, arches above the lines and comes down onto the
target tag, with the type's name at its middle. An end off screen is drawn at the top or
bottom edge, so a relation to a span pages away still shows where it goes. Only relations
with an end among the spans on screen are visited. The hovered span's relations are drawn
strong and the rest faded; the selected relation is thicker. Where each arrow went in the
last paint is kept, for clicks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF

from viewers.text.colors import readable_on
from viewers.text.relation_index import RelationEntry, RelationIndex

if TYPE_CHECKING:
    from viewers.text.span_editor import SpanEditor

#: Colours of the schema's relation types, in their order (the schema gives none).
TYPE_COLORS = ("#37474f", "#6a1b9a", "#00838f", "#ad1457", "#283593", "#5d4037", "#2e7d32")
NEUTRAL_COLOR = "#607d8b"
FADED_ALPHA = 110
RISE = 16
HIT_WIDTH = 7.0
ARROW_SIZE = 6.0
#: Where along its curve a relation's label goes: the middle, unless another label is there.
LABEL_SPOTS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.5)


@dataclass(slots=True)
class DrawnArrow:
    """Where one relation was drawn: its curve and its label."""

    id: str
    path: QPainterPath
    label_rect: QRectF
    _hit: QPainterPath | None = field(default=None, repr=False)

    @property
    def hit(self) -> QPainterPath:
        """The curve widened for clicks (made on the first hit test, not at every paint)."""
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(HIT_WIDTH)
            self._hit = stroker.createStroke(self.path)
        return self._hit


class RelationLayer:
    """Paints the relations of the spans on screen over a :class:`SpanEditor`."""

    def __init__(self, editor: SpanEditor, relations: RelationIndex, types: list[str]) -> None:
        self.editor = editor
        self.relations = relations
        self.colors = {
            name: QColor(TYPE_COLORS[n % len(TYPE_COLORS)]) for n, name in enumerate(types)
        }
        self.hovered: str | None = None  # a span whose relations stand out
        self.selected: str | None = None  # the selected relation
        #: A relation being dragged: (source span id, the pointer), drawn as a rubber band.
        self.dragging: tuple[str, QPointF] | None = None
        #: A relation being made with the keys: (source span id, the selected target's id).
        self.linking: tuple[str, str] | None = None
        self.drawn: list[DrawnArrow] = []

    def color_of(self, label: str) -> QColor:
        """The colour of relation type ``label`` (neutral if the schema lacks it)."""
        return QColor(self.colors.get(label) or QColor(NEUTRAL_COLOR))

    # ------------------------------------------------------------------ geometry
    def _anchors(self, first: int, last: int) -> dict[str, QPointF]:
        """The top middle of each tag drawn in this paint, by span id."""
        return {
            span_id: QPointF(rect.center().x(), rect.top())
            for rect, span_id in self.editor.tag_rects
        }

    def _off_screen(self, span_id: str, first: int, other: QPointF) -> QPointF | None:
        """Where an end not on screen is drawn: the top or bottom edge, beside ``other``."""
        entry = self.editor.index.entries.get(span_id)
        if entry is None:
            return None
        above = self.editor.index.line_of(entry.start) <= first
        height = self.editor.viewport().height()
        return QPointF(other.x() + 30, -2.0 if above else height + 2.0)

    @staticmethod
    def curve(start: QPointF, end: QPointF) -> QPainterPath:
        """An arch from ``start`` up above both ends and down onto ``end``."""
        rise = RISE + min(40.0, abs(end.x() - start.x()) * 0.08)
        top = max(2.0, min(start.y(), end.y()) - rise)
        path = QPainterPath(start)
        path.cubicTo(QPointF(start.x(), top), QPointF(end.x(), top), end)
        return path

    # ------------------------------------------------------------------ painting
    def paint(self, painter: QPainter, first: int, last: int) -> None:
        """Draw the arrows of the relations with an end among the spans on screen."""
        self.drawn = []
        anchors = self._anchors(first, last)
        on_screen = [e.id for e in self.editor.index.in_lines(first, last)]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(self.editor.tag_font)
        for entry in self.relations.of_spans(on_screen):
            self._paint_relation(painter, entry, anchors, first)
        band: tuple[QPointF, QPointF] | None = None
        if self.dragging is not None and self.dragging[0] in anchors:
            band = anchors[self.dragging[0]], self.dragging[1]
        elif self.linking is not None and all(end in anchors for end in self.linking):
            band = anchors[self.linking[0]], anchors[self.linking[1]]
        if band is not None:
            painter.setPen(QPen(QColor(NEUTRAL_COLOR), 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self.curve(*band))
        painter.restore()

    def _paint_relation(
        self, painter: QPainter, entry: RelationEntry, anchors: dict[str, QPointF], first: int
    ) -> None:
        start, end = anchors.get(entry.source), anchors.get(entry.target)
        if start is None and end is None:
            return
        if start is None:
            assert end is not None
            start = self._off_screen(entry.source, first, end)
        elif end is None:
            end = self._off_screen(entry.target, first, start)
        if start is None or end is None:
            return
        color = self.color_of(entry.label)
        strong = self.hovered is None or self.hovered in (entry.source, entry.target)
        if not strong and entry.id != self.selected:
            color.setAlpha(FADED_ALPHA)
        width = 3.0 if entry.id == self.selected else 1.5 if strong else 1.0
        path = self.curve(start, end)
        painter.setPen(QPen(color, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        self._paint_head(painter, path, color)
        label_rect = self._paint_label(painter, path, entry.label, color)
        self.drawn.append(DrawnArrow(entry.id, path, label_rect))

    @staticmethod
    def _paint_head(painter: QPainter, path: QPainterPath, color: QColor) -> None:
        tip = path.pointAtPercent(1.0)
        angle = math.radians(path.angleAtPercent(1.0))
        back = QPointF(-math.cos(angle), math.sin(angle)) * ARROW_SIZE
        side = QPointF(-back.y(), back.x()) * 0.5
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([tip, tip + back + side, tip + back - side]))

    def _paint_label(
        self, painter: QPainter, path: QPainterPath, text: str, color: QColor
    ) -> QRectF:
        """The type's name on the curve: at its middle, else nearby where no label is yet."""
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 6, metrics.height()
        placed = [arrow.label_rect for arrow in self.drawn]
        rect = QRectF()
        for percent in LABEL_SPOTS:
            spot = path.pointAtPercent(percent)
            rect = QRectF(spot.x() - width / 2, spot.y() - height / 2, width, height)
            if not any(rect.intersects(other) for other in placed):
                break
        painter.setPen(QPen(color, 1))
        painter.setBrush(color)
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(readable_on(QColor(color.red(), color.green(), color.blue())))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        return rect

    # ------------------------------------------------------------------ hit test
    def relation_at(self, point: QPointF) -> str | None:
        """The relation whose label or curve is under ``point`` (the last drawn wins)."""
        for arrow in reversed(self.drawn):
            if arrow.label_rect.contains(point):
                return arrow.id
        for arrow in reversed(self.drawn):
            if arrow.hit.contains(point):
                return arrow.id
        return None
