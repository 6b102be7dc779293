"""One slice view: image with overlay, crosshair, orientation labels, scroll, zoom, W/L drag."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewers.volume.reslice import LABELS, SliceFrame, View, WindowLevel, compose

Voxel = tuple[int, int, int]
CROSSHAIR = QColor(255, 210, 0, 170)
TEXT = QColor(230, 230, 230)


class SliceView(QWidget):
    """Shows one slice of a volume; emits the voxel clicked and what lies under the mouse."""

    cursor_moved = Signal(object)  # Voxel
    painted = Signal(object, bool)  # Voxel, erase
    hovered = Signal(object)  # Voxel
    window_changed = Signal(float, float)

    def __init__(
        self, view: View, frame: SliceFrame, voxels: npt.NDArray[Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.frame = frame
        self.voxels = voxels
        self.labels: npt.NDArray[Any] | None = None
        self.table: npt.NDArray[np.uint32] | None = None
        self.window_level = WindowLevel(400, 40)
        self.index = voxels.shape[frame.fixed_axis] // 2
        self.crosshair: Voxel | None = None
        self.zoom = 1.0
        self._image: QImage | None = None
        self._pixels: npt.NDArray[np.uint32] | None = None  # keeps the QImage's buffer alive
        self._drag: tuple[QPointF, float, float] | None = None
        self.paint_mode = False
        self._painting = False
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.refresh()

    # ------------------------------------------------------------------ model
    @property
    def slice_count(self) -> int:
        """Number of slices along this view's axis."""
        return int(self.voxels.shape[self.frame.fixed_axis])

    def set_overlay(
        self, labels: npt.NDArray[Any] | None, table: npt.NDArray[np.uint32] | None
    ) -> None:
        """Segment labels (same grid as the voxels) and their colour table."""
        self.labels, self.table = labels, table
        self.refresh()

    def set_window(self, window: float, level: float) -> None:
        """New window/level (grey mapping)."""
        self.window_level = WindowLevel(window, level)
        self.refresh()

    def set_index(self, index: int) -> None:
        """Show slice ``index`` (clamped)."""
        self.index = int(np.clip(index, 0, self.slice_count - 1))
        self.refresh()

    def set_crosshair(self, voxel: Voxel) -> None:
        """Move the crosshair to ``voxel`` and show the slice through it."""
        self.crosshair = voxel
        self.set_index(voxel[self.frame.fixed_axis])

    def rendered(self) -> npt.NDArray[np.uint32]:
        """The packed 0xFFRRGGBB pixels of the current slice (painted, before scaling)."""
        plane = self.frame.extract(self.voxels, self.index)
        grey = self.window_level.apply(plane)
        labels = None if self.labels is None else self.frame.extract(self.labels, self.index)
        return np.ascontiguousarray(compose(grey, labels, self.table))

    def refresh(self) -> None:
        """Rebuild the image and repaint."""
        self._pixels = self.rendered()
        height, width = self._pixels.shape
        self._image = QImage(
            self._pixels.data, width, height, 4 * width, QImage.Format.Format_RGB32
        )
        self.update()

    # ------------------------------------------------------------------ geometry
    def image_rect(self) -> QRectF:
        """Where the slice is drawn: aspect-correct (mm), centred, zoomed."""
        assert self._pixels is not None
        rows, cols = self._pixels.shape
        width_mm, height_mm = cols * self.frame.col_spacing, rows * self.frame.row_spacing
        scale = min(self.width() / width_mm, self.height() / height_mm) * self.zoom
        width, height = width_mm * scale, height_mm * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def voxel_at(self, point: QPointF) -> Voxel | None:
        """The voxel under widget position ``point`` (None outside the image)."""
        assert self._pixels is not None
        rect = self.image_rect()
        rows, cols = self._pixels.shape
        col = int((point.x() - rect.left()) / rect.width() * cols)
        row = int((point.y() - rect.top()) / rect.height() * rows)
        if not (0 <= row < rows and 0 <= col < cols):
            return None
        return self.frame.voxel(self.voxels.shape, self.index, row, col)

    def point_of(self, voxel: Voxel) -> QPointF:
        """Widget position of the centre of ``voxel``'s pixel in this view."""
        assert self._pixels is not None
        rows, cols = self._pixels.shape
        shape = self.voxels.shape
        row = voxel[self.frame.row_axis]
        col = voxel[self.frame.col_axis]
        if self.frame.flip_rows:
            row = shape[self.frame.row_axis] - 1 - row
        if self.frame.flip_cols:
            col = shape[self.frame.col_axis] - 1 - col
        rect = self.image_rect()
        return QPointF(
            rect.left() + (col + 0.5) * rect.width() / cols,
            rect.top() + (row + 0.5) * rect.height() / rows,
        )

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: Any) -> None:
        """Image, crosshair, orientation labels and the slice number."""
        del event
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None:
            painter.drawImage(self.image_rect(), self._image)
        if self.crosshair is not None:
            point = self.point_of(self.crosshair)
            painter.setPen(QPen(CROSSHAIR, 1))
            painter.drawLine(QPointF(0, point.y()), QPointF(self.width(), point.y()))
            painter.drawLine(QPointF(point.x(), 0), QPointF(point.x(), self.height()))
        painter.setPen(TEXT)
        top, bottom, left, right = LABELS[self.view]
        middle_x, middle_y = self.width() / 2, self.height() / 2
        painter.drawText(QPointF(middle_x - 4, 14), top)
        painter.drawText(QPointF(middle_x - 4, self.height() - 6), bottom)
        painter.drawText(QPointF(6, middle_y), left)
        painter.drawText(QPointF(self.width() - 14, middle_y), right)
        painter.drawText(QPointF(6, 14), f"{self.view.value} {self.index + 1}/{self.slice_count}")
        painter.end()

    # ------------------------------------------------------------------ interaction
    def wheelEvent(self, event: QWheelEvent) -> None:
        """Wheel scrolls slices; Ctrl+wheel zooms."""
        steps = event.angleDelta().y() // 120 or (1 if event.angleDelta().y() > 0 else -1)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom = float(np.clip(self.zoom * (1.15**steps), 0.5, 16.0))
            self.update()
        else:
            self.set_index(self.index + steps)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Up/Down and Page Up/Down move through slices (ITK-SNAP style)."""
        moves = {
            Qt.Key.Key_Up: 1,
            Qt.Key.Key_Down: -1,
            Qt.Key.Key_PageUp: 5,
            Qt.Key.Key_PageDown: -5,
        }
        step = moves.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        self.set_index(self.index + step)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Left click places the crosshair (or paints, Shift erases, in paint mode);
        right drag changes window/level."""
        if event.button() == Qt.MouseButton.LeftButton:
            voxel = self.voxel_at(event.position())
            if voxel is None:
                return
            if self.paint_mode:
                self._painting = True
                erase = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.painted.emit(voxel, erase)
            else:
                self.cursor_moved.emit(voxel)
        elif event.button() == Qt.MouseButton.RightButton:
            self._drag = (event.position(), self.window_level.window, self.window_level.level)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Report the voxel under the mouse; adjust window/level while right-dragging."""
        if self._drag is not None:
            start, window, level = self._drag
            delta = event.position() - start
            self.window_changed.emit(max(1.0, window + 4 * delta.x()), level - 2 * delta.y())
            return
        voxel = self.voxel_at(event.position())
        if voxel is not None:
            if self._painting:
                erase = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.painted.emit(voxel, erase)
            self.hovered.emit(voxel)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End a window/level drag."""
        del event
        self._drag = None
        self._painting = False
