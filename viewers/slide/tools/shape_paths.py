"""Batched Qt drawing of slide shapes: one ``QPainterPath`` and one point list per class.

Outlines arrive as numpy arrays (:mod:`workspace.slides.shape_lod`) and become Qt objects
through Qt's own binary stream format (``QDataStream``) in one call, not a Python loop over
vertices: a path of 100,000 vertices is built in milliseconds. :class:`CellDrawing` holds one
spatial cell's shapes at one level, grouped by colour, and draws them with one ``drawPath``
and up to two ``drawPoints`` calls per colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from workspace.slides.shape_lod import Outlines

#: Screen size of a point annotation's round dot.
DOT_PIXELS = 6
#: Screen size of the dot standing in for a shape too small to outline.
SMALL_PIXELS = 2
#: Alpha of a region's fill when the overlay fills regions.
FILL_ALPHA = 60

_MOVE_TO, _LINE_TO = 0, 1
_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])


def _read(payload: bytes, into: QPainterPath | QPolygonF) -> None:
    data = QByteArray(payload)
    stream = QDataStream(data, QIODevice.OpenModeFlag.ReadOnly)
    stream >> into


def painter_path(xy: npt.NDArray[np.float64], starts: npt.NDArray[np.bool_]) -> QPainterPath:
    """A path through ``xy`` (n × 2), starting a new subpath where ``starts`` is set."""
    path = QPainterPath()
    if len(xy):
        elements = np.empty(len(xy), dtype=_ELEMENT)
        elements["type"] = np.where(starts, _MOVE_TO, _LINE_TO)
        elements["x"], elements["y"] = xy[:, 0], xy[:, 1]
        # element count, elements, the current subpath's start, the fill rule (odd-even)
        head = np.array([len(xy)], ">i4").tobytes()
        tail = np.array([int(np.flatnonzero(starts)[-1]), 0], ">i4").tobytes()
        _read(head + elements.tobytes() + tail, path)
    return path


def polygon(xy: npt.NDArray[np.float64]) -> QPolygonF:
    """The points ``xy`` (n × 2) as a ``QPolygonF``."""
    points = QPolygonF()
    if len(xy):
        _read(np.array([len(xy)], ">u4").tobytes() + xy.astype(">f8").tobytes(), points)
    return points


@dataclass
class Batch:
    """One colour's share of a cell: outlines, dots for tiny shapes, point annotations."""

    path: QPainterPath
    small: QPolygonF
    points: QPolygonF


@dataclass
class CellDrawing:
    """The shapes of one cell at one level, batched by colour."""

    batches: dict[str, Batch] = field(default_factory=dict)

    @classmethod
    def build(cls, outlines: Outlines, colours: list[str]) -> CellDrawing:
        """Group ``outlines`` by the colour of their shape (``colours[i]`` for shape i)."""
        codes = {c: n for n, c in enumerate(dict.fromkeys(colours))}
        shape_code = np.array([codes[c] for c in colours], dtype=np.intp)
        drawing = cls()
        for colour, code in codes.items():
            vertices = shape_code[outlines.owner] == code
            drawing.batches[colour] = Batch(
                painter_path(outlines.xy[vertices], outlines.starts[vertices]),
                polygon(outlines.dots[shape_code[outlines.dot_owner] == code]),
                polygon(outlines.points[shape_code[outlines.point_owner] == code]),
            )
        return drawing

    def draw(self, painter: QPainter, *, fill: bool) -> None:
        """Draw through the painter's transform (pens are cosmetic: screen pixels)."""
        for colour, batch in self.batches.items():
            if not batch.path.isEmpty():
                painter.setPen(QPen(QColor(colour), 0))
                if fill:
                    shade = QColor(colour)
                    shade.setAlpha(FILL_ALPHA)
                    painter.setBrush(shade)
                else:
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(batch.path)
            for points, size, cap in (
                (batch.small, SMALL_PIXELS, Qt.PenCapStyle.SquareCap),
                (batch.points, DOT_PIXELS, Qt.PenCapStyle.RoundCap),
            ):
                if not points.isEmpty():
                    pen = QPen(QColor(colour), size)
                    pen.setCosmetic(True)
                    pen.setCapStyle(cap)
                    painter.setPen(pen)
                    painter.drawPoints(points)
