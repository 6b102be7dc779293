"""One slice view: the image with its overlay, crosshair, orientation letters and gestures.

Gestures follow ITK-SNAP and 3D Slicer: the wheel (or Up/Down, Left/Right, B/F, Page Up/Down,
Home/End) moves through slices, Ctrl+wheel or right-drag zooms, middle-drag pans, R resets the
view, left-click places the linked crosshair. In window/level mode a left-drag changes the
window (left/right) and level (up/down); in paint mode a left-drag paints, Shift+drag erases;
in click mode a left-click picks a voxel for a tool (a region-grow seed, an island); in markup
mode a left press, drag and release go to the measurement tools (landmark, ruler, box). A tool's
preview (e.g. the threshold's voxels) is drawn over the slice until it is cleared; the painters
in :attr:`SliceView.overlays` (the measurements) draw over the slice and the crosshair.
Keys the view does not handle go up to the viewer (presets, layout, modes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewers.volume.corner_text import slice_position
from viewers.volume.overlay import Overlay
from viewers.volume.pipeline import SlicePipeline
from viewers.volume.reslice import (
    SliceFrame,
    View,
    Voxel,
    orientation_labels,
    patient_position,
)
from viewers.volume.state import VolumeViewState
from viewers.volume.viewport import Rect, Viewport, to_image, to_widget
from viewers.volume.window_level import WindowLevel
from workspace.segmentation.tools.paint import DEFAULT_BRUSH_RADIUS_MM
from workspace.volume.geometry import VolumeGeometry

CROSSHAIR = QColor(255, 210, 0, 190)
TEXT = QColor(235, 235, 235)
SHADOW = QColor(0, 0, 0, 200)
#: Slicer's colour code of the slice views (red axial, green coronal, yellow sagittal).
VIEW_COLORS = {View.AXIAL: "#f34a33", View.CORONAL: "#6eb04b", View.SAGITTAL: "#edd54c"}
_STEP_KEYS = {
    Qt.Key.Key_Up: 1,
    Qt.Key.Key_Right: 1,
    Qt.Key.Key_F: 1,
    Qt.Key.Key_Down: -1,
    Qt.Key.Key_Left: -1,
    Qt.Key.Key_B: -1,
    Qt.Key.Key_PageUp: 5,
    Qt.Key.Key_PageDown: -5,
}
_ZOOM_KEYS = {Qt.Key.Key_Plus: 1.25, Qt.Key.Key_Equal: 1.25, Qt.Key.Key_Minus: 0.8}
WHEEL_ZOOM = 1.15


class Mode(Enum):
    """What a left-drag does."""

    NAVIGATE = "navigate"  # move the linked crosshair
    WINDOW_LEVEL = "window_level"
    PAINT = "paint"  # paint the active segment (Shift: erase)
    CLICK = "click"  # pick a voxel for the active tool
    MARKUP = "markup"  # press, drag and release for a measurement tool


#: A tool preview: ``(array axis, slice index) -> mask`` of that slice, its two other axes in
#: array order (as :meth:`ThresholdTool.preview_slice` returns it).
PreviewSource = Callable[[int, int], npt.NDArray[np.bool_]]
PREVIEW_ALPHA = 190
#: Draws over a slice view (after the image, preview and crosshair).
OverlayPainter = Callable[["SliceView", QPainter], None]


class SliceView(QWidget):
    """Shows one slice of a volume; reports clicks, hovering, W/L drags and paint strokes."""

    cursor_moved = Signal(object)  # Voxel clicked (navigate mode)
    hovered = Signal(object)  # Voxel under the mouse
    window_changed = Signal(float, float)  # window, level
    stroke_finished = Signal(object, bool)  # list[Voxel], erase
    voxel_clicked = Signal(object)  # Voxel clicked (click mode)
    markup_pressed = Signal(object)  # QPointF of a left press (markup mode)
    markup_dragged = Signal(object)  # QPointF of the mouse during the left drag
    markup_released = Signal(object)  # QPointF of the left release
    markup_double_clicked = Signal(object)  # QPointF of a left double-click (markup mode)
    markup_hovered = Signal(object)  # QPointF of the mouse, no button held (markup mode)
    markup_context = Signal(object)  # QPointF of a right click (no drag) in markup mode
    maximise_requested = Signal()

    def __init__(
        self,
        frame: SliceFrame,
        voxels: npt.NDArray[Any],
        geometry: VolumeGeometry,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = frame.view
        self.frame = frame
        self.volume_geometry = geometry
        self.pipeline = SlicePipeline(frame, voxels)
        self.labels_text = orientation_labels(geometry, frame)
        self.index = frame.slice_count // 2
        self.crosshair: Voxel | None = None
        self.viewport = Viewport()
        self.mode = Mode.NAVIGATE
        self.brush_radius_mm = DEFAULT_BRUSH_RADIUS_MM
        self.brush_color = QColor("#ffffff")
        self.brush_erases = False  # the erase tool: strokes erase without Shift
        self._image: QImage | None = None
        self._preview_source: PreviewSource | None = None
        self._preview_color = QColor("#ffffff")
        self._preview_pixels: npt.NDArray[np.uint32] | None = None
        self._preview_image: QImage | None = None
        self.preview_caption = ""
        self.series_lines: list[str] = []  # top right: series, number, date (corner_text)
        self.overlays: list[OverlayPainter] = []
        # button, press position, last position, window and level at the press
        self._drag: tuple[Qt.MouseButton, QPointF, QPointF, float, float] | None = None
        self._stroke: list[Voxel] = []
        self._erasing = False
        #: The modifier keys of the last left press or double-click (Ctrl+click on an edge).
        self.press_modifiers = Qt.KeyboardModifier.NoModifier
        self.setObjectName(f"sliceView_{frame.view.value}")
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.refresh()

    # ------------------------------------------------------------------ model
    def observe(self, state: VolumeViewState) -> None:
        """Follow a viewer's state: its window/level, linked crosshair and brush radius."""
        state.events.window.connect(self.set_window)
        state.events.crosshair.connect(self.set_crosshair)
        state.events.brush.connect(self._brush_changed)
        self.set_window(state.window_level)
        self.brush_radius_mm = state.brush_radius_mm
        if state.crosshair is not None:
            self.set_crosshair(state.crosshair)

    def _brush_changed(self, radius_mm: float, sphere: bool) -> None:
        del sphere
        self.brush_radius_mm = radius_mm
        self.update()

    @property
    def slice_count(self) -> int:
        """Slices along this view's axis."""
        return self.frame.slice_count

    @property
    def window_level(self) -> WindowLevel:
        """The grey mapping in use."""
        return self.pipeline.window_level

    def set_overlay(self, labels: npt.NDArray[Any] | None, overlay: Overlay | None) -> None:
        """Segment labels (the voxels' grid) and their colours."""
        self.pipeline.set_labels(labels, overlay)
        self.refresh()

    def labels_changed(self, bbox: tuple[int, int, int, int, int, int]) -> None:
        """An edit changed the labels in ``bbox``: repaint if the slice shows any of it."""
        self.pipeline.labels_changed(bbox)
        if self.shows(bbox):
            self.refresh()

    def set_window(self, window_level: WindowLevel) -> None:
        """New window/level (shared between views, so its tables are built once)."""
        self.pipeline.window_level = window_level
        self.refresh()

    def set_index(self, index: int) -> None:
        """Show slice ``index`` (clamped)."""
        index = int(np.clip(index, 0, self.slice_count - 1))
        if index != self.index or self._image is None:
            self.index = index
            self.refresh()

    def position_text(self) -> str:
        """Where the shown slice lies, e.g. ``S 12.5 mm``."""
        shape = self.volume_geometry.shape
        through = list(self.crosshair or (shape[0] // 2, shape[1] // 2, shape[2] // 2))
        through[self.frame.fixed_axis] = self.index
        voxel = (through[0], through[1], through[2])
        return slice_position(self.volume_geometry, self.frame.fixed_axis, voxel)

    def scroll_to(self, index: int) -> None:
        """The user's slice change (wheel, keys): the linked crosshair moves with it, so the
        other views and the 3D view mark the slice shown here."""
        index = int(np.clip(index, 0, self.slice_count - 1))
        if self.crosshair is None:
            self.set_index(index)
        elif index != self.crosshair[self.frame.fixed_axis]:
            moved = list(self.crosshair)
            moved[self.frame.fixed_axis] = index
            voxel = (moved[0], moved[1], moved[2])
            self.set_crosshair(voxel)
            self.cursor_moved.emit(voxel)

    def set_crosshair(self, voxel: Voxel) -> None:
        """Move the crosshair to ``voxel`` and show the slice through it."""
        self.crosshair = voxel
        self.set_index(voxel[self.frame.fixed_axis])
        self.update()

    def shows(self, bbox: tuple[int, int, int, int, int, int]) -> bool:
        """Whether the current slice crosses ``bbox`` (k0, k1, j0, j1, i0, i1; ends exclusive)."""
        low, high = bbox[2 * self.frame.fixed_axis], bbox[2 * self.frame.fixed_axis + 1]
        return low <= self.index < high

    def set_preview(
        self, source: PreviewSource | None, color: QColor | None = None, caption: str = ""
    ) -> None:
        """Draw ``source``'s mask of the shown slice over it in ``color``, lightened so that it
        stands out over the segment itself, with ``caption`` under the view's name (None: no
        preview); call again with the same source when what it returns changed."""
        self._preview_source = source
        self.preview_caption = caption if source is not None else ""
        if color is not None:
            self._preview_color = QColor(color).lighter(160)
        self._render_preview()
        self.update()

    def preview_mask(self) -> npt.NDArray[np.bool_] | None:
        """The preview of the shown slice as displayed (rows, cols), or None."""
        if self._preview_source is None:
            return None
        plane = self._preview_source(self.frame.fixed_axis, self.index)
        return np.asarray(self.frame.orient(plane), dtype=np.bool_)

    def _render_preview(self) -> None:
        mask = self.preview_mask()
        if mask is None:
            self._preview_pixels = self._preview_image = None
            return
        color = self._preview_color
        argb = (PREVIEW_ALPHA << 24) | (color.red() << 16) | (color.green() << 8) | color.blue()
        pixels = np.where(mask, np.uint32(argb), np.uint32(0)).astype(np.uint32)
        rows, cols = pixels.shape
        self._preview_pixels = pixels  # the QImage below does not own its buffer
        self._preview_image = QImage(pixels.data, cols, rows, 4 * cols, QImage.Format.Format_ARGB32)

    def rendered(self) -> npt.NDArray[np.uint32]:
        """A copy of the packed 0xFFRRGGBB pixels of the current slice (before scaling)."""
        return self.pipeline.render(self.index).copy()

    def refresh(self) -> None:
        """Re-render the slice and repaint."""
        pixels = self.pipeline.render(self.index)
        rows, cols = pixels.shape
        # a QImage over the pipeline's buffer (no copy); the pipeline keeps the buffer alive
        self._image = QImage(pixels.data, cols, rows, 4 * cols, QImage.Format.Format_RGB32)
        if self._preview_source is not None:
            self._render_preview()
        self.update()

    # ------------------------------------------------------------------ geometry
    def image_rect(self) -> Rect:
        """Where the slice is drawn: aspect-correct (mm), zoomed and panned."""
        return self.viewport.image_rect((self.width(), self.height()), self.frame.size_mm)

    def voxel_at(self, point: QPointF) -> Voxel | None:
        """The voxel under widget position ``point`` (None outside the image)."""
        row, col = to_image(self.image_rect(), self.frame.size, point.x(), point.y())
        return self.frame.voxel_at(self.index, row, col)

    def point_of(self, voxel: Voxel) -> QPointF:
        """Widget position of the centre of ``voxel``'s pixel."""
        _, row, col = self.frame.pixel(voxel)
        x, y = to_widget(self.image_rect(), self.frame.size, row + 0.5, col + 0.5)
        return QPointF(x, y)

    def patient_at(self, point: QPointF) -> npt.NDArray[np.float64]:
        """LPS millimetres under widget position ``point`` (in the current slice)."""
        row, col = to_image(self.image_rect(), self.frame.size, point.x(), point.y())
        return patient_position(self.volume_geometry, self.frame, self.index, row, col)

    def _mm_to_pixels(self) -> float:
        rect = self.image_rect()
        return rect.width / self.frame.size_mm[1]

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        """Image, stroke preview, crosshair, orientation letters and the slice number."""
        del event
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        rect = self.image_rect()
        target = QRectF(rect.left, rect.top, rect.width, rect.height)
        if self._image is not None:
            painter.drawImage(target, self._image)
        if self._preview_image is not None:
            painter.drawImage(target, self._preview_image)
        if self._stroke:
            self._paint_stroke(painter)
        if self.crosshair is not None:
            self._paint_crosshair(painter)
        for overlay in self.overlays:
            painter.save()
            overlay(self, painter)
            painter.restore()
        self._paint_text(painter)
        painter.end()

    def _paint_stroke(self, painter: QPainter) -> None:
        radius = self.brush_radius_mm * self._mm_to_pixels()
        color = QColor(0, 0, 0) if self._erasing else QColor(self.brush_color)
        color.setAlpha(140)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for voxel in self._stroke:
            painter.drawEllipse(self.point_of(voxel), radius, radius)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_crosshair(self, painter: QPainter) -> None:
        assert self.crosshair is not None
        point = self.point_of(self.crosshair)
        gap = 6.0
        painter.setPen(QPen(CROSSHAIR, 1))
        x, y, width, height = point.x(), point.y(), float(self.width()), float(self.height())
        painter.drawLine(QPointF(0, y), QPointF(x - gap, y))
        painter.drawLine(QPointF(x + gap, y), QPointF(width, y))
        painter.drawLine(QPointF(x, 0), QPointF(x, y - gap))
        painter.drawLine(QPointF(x, y + gap), QPointF(x, height))

    def _paint_text(self, painter: QPainter) -> None:
        painter.fillRect(QRectF(0, 0, self.width(), 3), QColor(VIEW_COLORS[self.view]))
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        top, bottom, left, right = self.labels_text
        metrics = painter.fontMetrics()
        mid_x, mid_y = self.width() / 2, self.height() / 2 + metrics.ascent() / 2
        _shadowed(painter, QPointF(mid_x - metrics.horizontalAdvance(top) / 2, 18), top)
        _shadowed(
            painter,
            QPointF(mid_x - metrics.horizontalAdvance(bottom) / 2, self.height() - 6),
            bottom,
        )
        _shadowed(painter, QPointF(6, mid_y), left)
        _shadowed(
            painter, QPointF(self.width() - 6 - metrics.horizontalAdvance(right), mid_y), right
        )
        font.setBold(False)
        painter.setFont(font)
        name = self.view.value.capitalize()
        _shadowed(painter, QPointF(8, 18), f"{name}  {self.index + 1}/{self.slice_count}")
        _shadowed(painter, QPointF(8, 18 + metrics.height()), self.position_text())
        room = max(0, round(self.width() / 2 - 8 - metrics.horizontalAdvance(top)))
        for row, full in enumerate(self.series_lines):  # clear of the top orientation letter
            line = metrics.elidedText(full, Qt.TextElideMode.ElideRight, room)
            x = self.width() - 8 - metrics.horizontalAdvance(line)
            _shadowed(painter, QPointF(x, 18 + row * metrics.height()), line)
        if self.preview_caption:  # above the window/level, clear of the orientation letters
            above = self.height() - 6 - metrics.height()
            _shadowed(painter, QPointF(8, above), self.preview_caption)
        wl = self.window_level
        _shadowed(painter, QPointF(8, self.height() - 6), f"W {wl.window:.0f}  L {wl.level:.0f}")

    # ------------------------------------------------------------------ interaction
    def wheelEvent(self, event: QWheelEvent) -> None:
        """Wheel moves through slices; Ctrl+wheel zooms about the mouse."""
        delta = event.angleDelta().y()
        steps = delta // 120 or (1 if delta > 0 else -1 if delta < 0 else 0)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(WHEEL_ZOOM**steps, event.position())
        else:
            self.scroll_to(self.index + steps)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` about ``anchor`` (the view's centre by default)."""
        centre = QPointF(self.width() / 2, self.height() / 2) if anchor is None else anchor
        widget = (float(self.width()), float(self.height()))
        self.viewport.zoom_about(factor, (centre.x(), centre.y()), widget, self.frame.size_mm)
        self.update()

    def reset_view(self) -> None:
        """Fit the whole slice again."""
        self.viewport.reset()
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Slice stepping, zoom, reset and maximise; other keys go to the viewer."""
        key = Qt.Key(event.key())
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in _STEP_KEYS and (plain or key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)):
            self.scroll_to(self.index + _STEP_KEYS[key])
        elif key == Qt.Key.Key_Home:
            self.scroll_to(0)
        elif key == Qt.Key.Key_End:
            self.scroll_to(self.slice_count - 1)
        elif key in _ZOOM_KEYS:
            self.zoom_by(_ZOOM_KEYS[key])
        elif key == Qt.Key.Key_R and plain:
            self.reset_view()
        elif key == Qt.Key.Key_M and plain:
            self.maximise_requested.emit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a crosshair move, W/L drag, stroke (left), zoom (right) or pan (middle)."""
        button = event.button()
        wl = self.window_level
        self._drag = (button, event.position(), event.position(), wl.window, wl.level)
        if button != Qt.MouseButton.LeftButton:
            return
        voxel = self.voxel_at(event.position())
        if self.mode is Mode.PAINT and voxel is not None:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._erasing = shift or self.brush_erases
            self._stroke = [voxel]
            self.update()
        elif self.mode is Mode.CLICK and voxel is not None:
            self.voxel_clicked.emit(voxel)
        elif self.mode is Mode.MARKUP:
            self.press_modifiers = event.modifiers()
            self.markup_pressed.emit(event.position())
        elif self.mode is Mode.NAVIGATE and voxel is not None:
            self.cursor_moved.emit(voxel)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Follow the drag in progress; report the voxel under the mouse."""
        voxel = self.voxel_at(event.position())
        if voxel is not None:
            self.hovered.emit(voxel)
        if self._drag is None:
            if self.mode is Mode.MARKUP:
                self.markup_hovered.emit(event.position())
            return
        button, start, last, window, level = self._drag
        position = event.position()
        self._drag = (button, start, position, window, level)
        if button == Qt.MouseButton.LeftButton:
            if self.mode is Mode.WINDOW_LEVEL:
                step = max(window, 20.0) / 256.0
                moved = position - start
                self.window_changed.emit(
                    max(1.0, window + moved.x() * step), level + moved.y() * step
                )
            elif self.mode is Mode.PAINT and self._stroke and voxel is not None:
                if voxel != self._stroke[-1]:
                    self._stroke.append(voxel)
                    self.update()
            elif self.mode is Mode.NAVIGATE and voxel is not None:
                self.cursor_moved.emit(voxel)
            elif self.mode is Mode.MARKUP:
                self.markup_dragged.emit(position)
        elif button == Qt.MouseButton.RightButton:
            self.zoom_by(math.exp((last.y() - position.y()) / 150.0), start)
        elif button == Qt.MouseButton.MiddleButton:
            widget = (float(self.width()), float(self.height()))
            shift = position - last
            self.viewport.pan_by(shift.x(), shift.y(), widget, self.frame.size_mm)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End the drag; a finished stroke is handed to the viewer."""
        drag, self._drag = self._drag, None
        left = drag is not None and drag[0] == Qt.MouseButton.LeftButton
        if left and self.mode is Mode.MARKUP:
            self.markup_released.emit(event.position())
        right = drag is not None and drag[0] == Qt.MouseButton.RightButton
        if right and self.mode is Mode.MARKUP and _still(drag, event.position()):
            self.markup_context.emit(event.position())  # a right click, not a zoom
        if self._stroke:
            stroke, self._stroke = self._stroke, []
            self.stroke_finished.emit(stroke, self._erasing)
            self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click maximises the view (or restores the 2×2 layout); in markup mode the
        measurement tools decide (a polygon closes)."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.mode is Mode.MARKUP:
            self.press_modifiers = event.modifiers()
            self.markup_double_clicked.emit(event.position())
        else:
            self.maximise_requested.emit()


def _still(drag: tuple[Any, QPointF, Any, Any, Any] | None, position: QPointF) -> bool:
    """Whether the mouse is (about) where the drag began: a click."""
    return drag is not None and (position - drag[1]).manhattanLength() < 3


def _shadowed(painter: QPainter, point: QPointF, text: str) -> None:
    painter.setPen(SHADOW)
    painter.drawText(point + QPointF(1, 1), text)
    painter.setPen(TEXT)
    painter.drawText(point, text)
