"""The overview: the whole slide small, with the view's outline; a click or drag there moves
the view to the point under the mouse."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewers.slide.slide_view import SlideView
from workspace.slides.reader import SlideReader

LONGEST = 1024  # the overview's level is the finest no larger than this
OUTLINE = QColor(230, 40, 40)


def overview_level(reader: SlideReader) -> int:
    """The finest level whose longer side is at most ``LONGEST`` (else the coarsest, which
    :func:`overview_image` thins out)."""
    for number, level in enumerate(reader.levels):
        if max(level.width, level.height) <= LONGEST:
            return number
    return len(reader.levels) - 1


def overview_image(reader: SlideReader) -> QImage:
    """The whole slide, its longer side at most about ``LONGEST`` pixels, from its overview
    level (tile by tile, each thinned out when that level is still large: memory stays small
    whatever the slide's size). Reads tiles: run it off the GUI thread."""
    number = overview_level(reader)
    level = reader.levels[number]
    step = max(1, math.ceil(max(level.width, level.height) / LONGEST))
    out = np.full((-(-level.height // step), -(-level.width // step), 3), 255, np.uint8)
    for row in range(level.rows):
        for column in range(level.columns):
            x, y, _, _ = level.tile_box(column, row)
            tile = reader.read_tile(number, column, row)
            # the tile's pixels on the thinned grid: those whose level coordinate is a multiple
            part = tile[(-y) % step :: step, (-x) % step :: step]
            top, left = -(-y // step), -(-x // step)
            out[top : top + part.shape[0], left : left + part.shape[1]] = part
    height, width = out.shape[:2]
    image = QImage(out.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()


class Overview(QWidget):
    """The slide in miniature with the outline of what ``view`` shows."""

    def __init__(self, view: SlideView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.image: QImage | None = None
        self._scaled: QImage | None = None  # ``image`` at the size drawn, made once per size
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(120)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        view.view_changed.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(260, 200)

    def set_image(self, image: QImage) -> None:
        """Show ``image`` (the whole slide, any size)."""
        self.image = image
        self._scaled = None
        self.update()

    def slide_rect(self) -> QRectF:
        """Where the whole slide is drawn in this widget (aspect kept, centred)."""
        width, height = self.view.reader.dimensions
        scale = min(self.width() / width, self.height() / height)
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def to_slide(self, point: QPointF) -> QPointF:
        """The level-0 slide point under widget point ``point``."""
        rect = self.slide_rect()
        width, _ = self.view.reader.dimensions
        scale = width / rect.width()
        return QPointF((point.x() - rect.left()) * scale, (point.y() - rect.top()) * scale)

    def to_widget(self, point: QPointF) -> QPointF:
        """Where level-0 slide point ``point`` is drawn here."""
        rect = self.slide_rect()
        width, _ = self.view.reader.dimensions
        scale = rect.width() / width
        return QPointF(rect.left() + point.x() * scale, rect.top() + point.y() * scale)

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        rect = self.slide_rect()
        if self.image is None:
            painter.fillRect(rect, QColor(235, 235, 235))
        else:
            size = rect.size().toSize()
            if self._scaled is None or self._scaled.size() != size:
                self._scaled = self.image.scaled(
                    size,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            painter.drawImage(rect.topLeft(), self._scaled)
        outline = QPolygonF([self.to_widget(p) for p in self.view.transform.viewport_polygon()])
        painter.setClipRect(rect.adjusted(-1, -1, 1, 1))
        painter.setPen(QPen(OUTLINE, 2))
        painter.drawPolygon(outline)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._move_view(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._move_view(event.position())

    def _move_view(self, point: QPointF) -> None:
        target = self.to_slide(point)
        self.view.centre_on(target.x(), target.y())
