"""Tiers of regions under the waveform, as ELAN draws them: one row a speaker or event.

Mouse: drag on empty space in a tier creates a region there; drag a region's edge to resize it,
its body to move it; a click selects a region, or (on empty space) moves the playhead there.
The pane only reports gestures (signals); the viewer turns them into commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

from viewers.audio.overlay import paint_overlay
from viewers.audio.regions import Region, Tier
from viewers.audio.view_state import AudioViewState

ROW_HEIGHT = 34
#: A press this close (pixels) to a region's edge grabs the edge.
EDGE_PIXELS = 5
#: Fewer pixels than this between press and release is a click.
CLICK_PIXELS = 3
FALLBACK_COLOR = "#9e9e9e"


@dataclass
class _Gesture:
    mode: str  # "create", "move", "start", "end"
    tier: Tier
    press_x: float
    region: Region | None = None
    start: float = 0.0
    end: float = 0.0
    moved: bool = False


class TierPane(QWidget):
    """Rows of regions over the shared time window."""

    region_created = Signal(object, float, float)  # Tier, start, end (seconds)
    region_changed = Signal(str, float, float)  # annotation id, start, end
    region_clicked = Signal(str)  # annotation id
    empty_clicked = Signal(object, float)  # Tier or None, time

    def __init__(
        self,
        state: AudioViewState,
        colors: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.colors = colors
        self.tiers: list[Tier] = []
        self.regions: list[Region] = []
        self.current_tier: Tier | None = None
        self._gesture: _Gesture | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        state.changed.connect(self.update)

    def set_content(self, tiers: Sequence[Tier], regions: Sequence[Region]) -> None:
        """Show ``regions`` in ``tiers`` (top to bottom)."""
        self.tiers = list(tiers)
        self.regions = list(regions)
        if self.current_tier not in self.tiers:
            self.current_tier = self.tiers[0] if self.tiers else None
        self.updateGeometry()
        self.setMinimumHeight(ROW_HEIGHT * max(len(self.tiers), 1))
        self.update()

    def sizeHint(self) -> QSize:
        """One row per tier."""
        return QSize(400, ROW_HEIGHT * max(len(self.tiers), 1))

    # ---------------------------------------------------------------- geometry
    def row_rect(self, tier: Tier) -> QRectF:
        """The band of ``tier``."""
        row = self.tiers.index(tier)
        return QRectF(0, row * ROW_HEIGHT, self.width(), ROW_HEIGHT)

    def region_rect(self, region: Region) -> QRectF:
        """Where ``region`` is drawn (widget coordinates)."""
        row = self.row_rect(region.tier)
        left = self.state.x_of(region.start, self.width())
        right = self.state.x_of(region.end, self.width())
        return QRectF(left, row.top() + 3, max(right - left, 1.0), row.height() - 6)

    def tier_at(self, y: float) -> Tier | None:
        """The tier whose band holds ``y``."""
        row = int(y // ROW_HEIGHT)
        return self.tiers[row] if 0 <= row < len(self.tiers) and y >= 0 else None

    def _hit(self, tier: Tier, x: float) -> tuple[Region | None, str]:
        """The region of ``tier`` under ``x`` and which part: "start", "end" or "move"."""
        best: tuple[Region | None, str] = (None, "create")
        for region in self.regions:
            if region.tier != tier:
                continue
            rect = self.region_rect(region)
            if abs(x - rect.left()) <= EDGE_PIXELS:
                return region, "start"
            if abs(x - rect.right()) <= EDGE_PIXELS:
                return region, "end"
            if rect.left() < x < rect.right():
                best = (region, "move")
        return best

    # ---------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        """Tier bands, their names, the regions (a gesture's preview instead), the overlay."""
        painter = QPainter(self)
        try:
            palette = self.palette()
            base, alternate = (
                palette.color(QPalette.ColorRole.Base),
                palette.color(QPalette.ColorRole.AlternateBase),
            )
            for number, tier in enumerate(self.tiers):
                rect = self.row_rect(tier)
                painter.fillRect(rect, alternate if number % 2 else base)
                if tier == self.current_tier:
                    painter.fillRect(QRectF(0, rect.top(), 4, rect.height()), QColor(80, 140, 255))
            gesture = self._gesture
            for region in self.regions:
                if (
                    gesture is not None
                    and gesture.region is not None
                    and region.id == gesture.region.id
                ):
                    continue
                self._paint_region(painter, region, region.id == self.state.region_id)
            if gesture is not None and gesture.moved:
                preview = Region(
                    gesture.region.id if gesture.region else "",
                    min(gesture.start, gesture.end),
                    max(gesture.start, gesture.end),
                    gesture.region.tier if gesture.region else gesture.tier,
                    gesture.region.transcript if gesture.region else "",
                )
                self._paint_region(painter, preview, True)
            elif gesture is not None and gesture.region is not None:
                self._paint_region(painter, gesture.region, True)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            for tier in self.tiers:
                rect = self.row_rect(tier)
                painter.drawText(QPointF(8, rect.bottom() - 4), tier.name)
            paint_overlay(painter, self.state, QRectF(self.rect()))
        finally:
            painter.end()

    def _paint_region(self, painter: QPainter, region: Region, selected: bool) -> None:
        rect = self.region_rect(region)
        color = QColor(self.colors.get(region.tier.label, FALLBACK_COLOR))
        fill = QColor(color)
        fill.setAlpha(110)
        painter.fillRect(rect, fill)
        painter.setPen(
            QPen(color.darker(150) if not selected else QColor(255, 200, 0), 3 if selected else 1)
        )
        painter.drawRect(rect)
        if region.transcript and rect.width() > 20:
            metrics = QFontMetrics(painter.font())
            text = metrics.elidedText(
                region.transcript, Qt.TextElideMode.ElideRight, int(rect.width()) - 6
            )
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            painter.drawText(QPointF(rect.left() + 3, rect.top() + metrics.ascent() + 1), text)

    # ---------------------------------------------------------------- input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start creating, moving or resizing (see the module docstring)."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position()
        tier = self.tier_at(point.y())
        if tier is None:
            return
        self.current_tier = tier
        region, mode = self._hit(tier, point.x())
        time = self.state.time_at(point.x(), self.width())
        gesture = _Gesture(mode, tier, point.x(), region)
        if region is not None:
            gesture.start, gesture.end = region.start, region.end
        else:
            gesture.start = gesture.end = time
        self._gesture = gesture
        self.update()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Preview the region being created, moved or resized; show what a press would grab."""
        gesture = self._gesture
        x = event.position().x()
        if gesture is None:
            tier = self.tier_at(event.position().y())
            part = self._hit(tier, x)[1] if tier is not None else "create"
            shape = (
                Qt.CursorShape.SizeHorCursor
                if part in ("start", "end")
                else Qt.CursorShape.ArrowCursor
            )
            self.setCursor(shape)
            return
        if abs(x - gesture.press_x) < CLICK_PIXELS and not gesture.moved:
            return
        gesture.moved = True
        width = self.width()
        time = min(max(self.state.time_at(x, width), 0.0), self.state.duration)
        if gesture.mode == "create" or gesture.mode == "end":
            gesture.end = time
        elif gesture.mode == "start":
            gesture.start = time
        elif gesture.region is not None:
            shift = (x - gesture.press_x) / max(width, 1) * self.state.window.duration
            length = gesture.region.end - gesture.region.start
            start = min(max(gesture.region.start + shift, 0.0), self.state.duration - length)
            gesture.start, gesture.end = start, start + length
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Report the gesture."""
        gesture, self._gesture = self._gesture, None
        if gesture is None:
            return
        low, high = sorted((gesture.start, gesture.end))
        if not gesture.moved:
            if gesture.region is not None:
                self.region_clicked.emit(gesture.region.id)
            else:
                self.empty_clicked.emit(
                    gesture.tier, self.state.time_at(gesture.press_x, self.width())
                )
        elif gesture.mode == "create":
            if high > low:
                self.region_created.emit(gesture.tier, low, high)
        elif gesture.region is not None and high > low:
            self.region_changed.emit(gesture.region.id, low, high)
        self.update()
