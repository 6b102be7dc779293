"""The whole-slide view: tiles of the pyramid level the zoom needs, painted with QPainter.

Gestures: the wheel zooms around the cursor, a left drag pans, the arrows pan, ``+``/``-``
zoom, Home fits the slide, R / Shift+R turn it 90° clockwise / anticlockwise. Tiles missing
from the cache are asked of the :class:`~viewers.slide.tile_loader.TileLoader` and, until
they arrive, the best coarser tile already decoded is drawn scaled up in their place.

Hooks for what is drawn over the slide and edited on it (the annotation tools):

* ``SlideView.overlays`` — a list of ``Callable[[QPainter, SlideTransform], None]``, called
  in order after the tiles on every paint. The painter is in widget pixels (its transform
  is the identity); ``transform.qtransform()`` maps level-0 slide pixels to widget pixels
  (``painter.setTransform(transform.qtransform())`` draws in slide pixels), and
  ``transform.visible_rect()`` bounds what is on screen in level-0 pixels. Call
  :meth:`SlideView.update` when an overlay's content changes.
* ``SlideView.tool`` — an object with ``mouse_press``, ``mouse_move``, ``mouse_release``
  (each given a :class:`SlideMouseEvent` and returning True when it used the event) and
  optionally ``key_press(QKeyEvent) -> bool``. Mouse positions are in level-0 slide pixels.
  Events the tool does not use pan the view as usual; the wheel always zooms.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from viewers.slide.tile_loader import TileKey, TileLoader
from viewers.slide.transform import SlideTransform
from workspace.slides.reader import SlideReader

Overlay = Callable[[QPainter, SlideTransform], None]
WHEEL_STEP = 1.25  # zoom per wheel notch
KEY_PAN = 0.2  # share of the view an arrow key moves
GLASS = QColor(246, 246, 246)
OUTSIDE = QColor(90, 90, 90)


@dataclass(frozen=True)
class SlideMouseEvent:
    """A mouse event for a tool: position in level-0 slide pixels, and the Qt event."""

    x: float
    y: float
    event: QMouseEvent

    @property
    def buttons(self) -> Qt.MouseButton:
        return self.event.buttons()

    @property
    def modifiers(self) -> Qt.KeyboardModifier:
        return self.event.modifiers()


class SlideTool(Protocol):
    """What an annotation tool implements to get the view's mouse events."""

    def mouse_press(self, event: SlideMouseEvent) -> bool: ...
    def mouse_move(self, event: SlideMouseEvent) -> bool: ...
    def mouse_release(self, event: SlideMouseEvent) -> bool: ...


class SlideView(QWidget):
    """A slide open in ``reader``, tiled, zoomable, pannable and rotatable."""

    #: The view moved, zoomed or turned (the overview and readouts follow).
    view_changed = Signal()

    def __init__(
        self, reader: SlideReader, cache_mb: float = 256, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.reader = reader
        self.loader = TileLoader(reader, cache_mb, self)
        self.loader.tile_ready.connect(self._on_tile)
        self.overlays: list[Overlay] = []
        self.tool: SlideTool | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 150)
        width, height = reader.dimensions
        self._transform = SlideTransform(width / 2, height / 2, 1.0, 0, 640, 480).fitted(
            width, height
        )
        self._placed = False  # until placed, a resize fits the slide again
        self._drag_from: QPointF | None = None
        self._tool_drag = False
        self.last_paint_s = 0.0

    # ------------------------------------------------------------------ state
    @property
    def transform(self) -> SlideTransform:
        """Where the slide lies on the widget now."""
        return self._transform

    def set_transform(self, transform: SlideTransform) -> None:
        """Show the slide as ``transform`` says (kept inside the slide's reach)."""
        width, height = self.reader.dimensions
        cx = min(max(transform.cx, 0.0), float(width))
        cy = min(max(transform.cy, 0.0), float(height))
        self._transform = transform.centred_on(cx, cy).resized(self.width(), self.height())
        self._placed = True
        self.update()
        self.view_changed.emit()

    @property
    def level(self) -> int:
        """The pyramid level the zoom draws from."""
        return self.reader.best_level(self._transform.downsample)

    def fit(self) -> None:
        """Show the whole slide."""
        self.set_transform(
            self._transform.resized(self.width(), self.height()).fitted(*self.reader.dimensions)
        )

    def zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` around widget point ``anchor`` (the centre when None)."""
        self.set_transform(self._transform.zoomed(factor, anchor))

    def pan(self, dx: float, dy: float) -> None:
        """Move the picture by ``(dx, dy)`` widget pixels."""
        self.set_transform(self._transform.panned(dx, dy))

    def centre_on(self, x: float, y: float) -> None:
        """Centre the view on level-0 point ``(x, y)``."""
        self.set_transform(self._transform.centred_on(x, y))

    def rotate(self, turns: int) -> None:
        """Turn the view ``turns`` quarter turns clockwise, about its centre."""
        self.set_transform(self._transform.rotated(turns))

    def shutdown(self) -> None:
        """Stop decoding tiles (the reader is closed by its owner)."""
        self.loader.close()

    # ------------------------------------------------------------------ tiles
    def visible_tiles(self, level: int) -> Iterator[TileKey]:
        """The tiles of ``level`` on screen, nearest the centre first."""
        info = self.reader.levels[level]
        rect = self._transform.visible_rect()
        ds = info.downsample
        x0 = max(int(rect.left() / ds) // info.tile_width, 0)
        y0 = max(int(rect.top() / ds) // info.tile_height, 0)
        x1 = min(int(rect.right() / ds) // info.tile_width, info.columns - 1)
        y1 = min(int(rect.bottom() / ds) // info.tile_height, info.rows - 1)
        mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
        keys = [(c, r) for r in range(y0, y1 + 1) for c in range(x0, x1 + 1)]
        keys.sort(key=lambda cr: (cr[0] - mid_x) ** 2 + (cr[1] - mid_y) ** 2)
        return ((level, c, r) for c, r in keys)

    def _tile_rect(self, key: TileKey) -> QRectF:
        """Tile ``key``'s place in level-0 pixels."""
        level, column, row = key
        info = self.reader.levels[level]
        x, y, w, h = info.tile_box(column, row)
        ds = info.downsample
        return QRectF(x * ds, y * ds, w * ds, h * ds)

    def _draw_fallback(self, painter: QPainter, key: TileKey) -> bool:
        """Draw the part of a coarser cached tile covering tile ``key``; False if none is."""
        level, _, _ = key
        target = self._tile_rect(key)
        for coarser in range(level + 1, len(self.reader.levels)):
            info = self.reader.levels[coarser]
            ds = info.downsample
            column = int(target.center().x() / ds) // info.tile_width
            row = int(target.center().y() / ds) // info.tile_height
            image = self.loader.cache.peek((coarser, column, row))
            if image is None:
                continue
            source_rect = self._tile_rect((coarser, column, row))
            part = target.intersected(source_rect)
            source = QRectF(
                (part.left() - source_rect.left()) / ds,
                (part.top() - source_rect.top()) / ds,
                part.width() / ds,
                part.height() / ds,
            )
            painter.drawImage(self._transform.snapped(part), image, source)
            return True
        return False

    def _on_tile(self, key: TileKey) -> None:
        del key
        self.update()  # repaints coalesce: one per event-loop turn however many tiles came

    # ------------------------------------------------------------------ paint
    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        start = time.perf_counter()
        painter = QPainter(self)
        painter.fillRect(self.rect(), OUTSIDE)
        transform = self._transform
        painter.setTransform(transform.turn_transform())
        width, height = self.reader.dimensions
        painter.fillRect(transform.snapped(QRectF(0, 0, width, height)), GLASS)
        level = self.level
        coarsest = len(self.reader.levels) - 1
        wanted: list[TileKey] = []
        for key in self.visible_tiles(level):
            image = self.loader.cache.get(key)
            if image is not None:
                painter.drawImage(transform.snapped(self._tile_rect(key)), image)
                continue
            wanted.append(key)
            self._draw_fallback(painter, key)
        if wanted and level != coarsest:
            # Lower resolutions first: the coarsest level shows something at once, the level
            # two steps up (4× coarser, a few tiles) a fair picture soon after.
            stand_ins: list[TileKey] = []
            for coarser in dict.fromkeys((coarsest, min(level + 2, coarsest))):
                stand_ins += [k for k in self.visible_tiles(coarser) if k not in self.loader.cache]
            wanted = stand_ins + wanted
        self.loader.request(wanted)
        painter.resetTransform()
        for overlay in self.overlays:
            painter.save()
            overlay(painter, transform)
            painter.restore()
        painter.end()
        self.last_paint_s = time.perf_counter() - start

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        resized = self._transform.resized(self.width(), self.height())
        self._transform = resized if self._placed else resized.fitted(*self.reader.dimensions)
        self.view_changed.emit()

    # ------------------------------------------------------------------ input
    def _slide_event(self, event: QMouseEvent) -> SlideMouseEvent:
        point = self._transform.to_slide(event.position())
        return SlideMouseEvent(point.x(), point.y(), event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        if self.tool is not None and self.tool.mouse_press(self._slide_event(event)):
            self._tool_drag = True
            return
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan(delta.x(), delta.y())
        elif self.tool is not None:
            self.tool.mouse_move(self._slide_event(event))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.unsetCursor()
        elif self.tool is not None and self._tool_drag:
            self.tool.mouse_release(self._slide_event(event))
        self._tool_drag = False

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if notches:
            self.zoom(WHEEL_STEP**notches, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key_press = getattr(self.tool, "key_press", None)
        if key_press is not None and key_press(event):
            return
        key = Qt.Key(event.key())
        step_x, step_y = self.width() * KEY_PAN, self.height() * KEY_PAN
        moves = {
            Qt.Key.Key_Left: (step_x, 0.0),
            Qt.Key.Key_Right: (-step_x, 0.0),
            Qt.Key.Key_Up: (0.0, step_y),
            Qt.Key.Key_Down: (0.0, -step_y),
        }
        if key in moves:
            self.pan(*moves[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(2.0)
        elif key == Qt.Key.Key_Minus:
            self.zoom(0.5)
        elif key == Qt.Key.Key_Home:
            self.fit()
        elif key == Qt.Key.Key_R:
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            self.rotate(-1 if shift else 1)
        else:
            super().keyPressEvent(event)
