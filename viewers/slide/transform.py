"""Where the slide lies on the screen: centre, zoom and quarter-turn rotation of a slide view.

:class:`SlideTransform` maps level-0 slide pixels to widget pixels and back. It is the
coordinate contract between the slide view and whatever draws over it or edits on it (the
annotation tools): overlays paint in widget pixels through :meth:`SlideTransform.qtransform`,
and tools receive positions already in level-0 pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

MIN_SCALE = 1 / 1024  # widget pixels per level-0 pixel
MAX_SCALE = 8.0


@dataclass(frozen=True)
class SlideTransform:
    """A view of the slide: level-0 point ``(cx, cy)`` at the widget's centre, ``scale``
    widget pixels per level-0 pixel, turned clockwise by ``quarter_turns`` × 90°."""

    cx: float
    cy: float
    scale: float
    quarter_turns: int
    width: int
    height: int

    @property
    def downsample(self) -> float:
        """Level-0 pixels per widget pixel (what picks the pyramid level)."""
        return 1.0 / self.scale

    def qtransform(self) -> QTransform:
        """Level-0 slide pixels to widget pixels, as a painter transform."""
        transform = QTransform()
        transform.translate(self.width / 2, self.height / 2)
        transform.rotate(90 * (self.quarter_turns % 4))
        transform.scale(self.scale, self.scale)
        transform.translate(-self.cx, -self.cy)
        return transform

    def turn_transform(self) -> QTransform:
        """The rotation part of :meth:`qtransform`: from the unturned frame (where
        :meth:`snapped` places rectangles) to widget pixels."""
        turned = self.quarter_turns % 2 == 1
        across, down = (self.height, self.width) if turned else (self.width, self.height)
        transform = QTransform()
        transform.translate(self.width / 2, self.height / 2)
        transform.rotate(90 * (self.quarter_turns % 4))
        transform.translate(-across / 2, -down / 2)
        return transform

    def snapped(self, rect: QRectF) -> QRectF:
        """Level-0 rectangle ``rect`` in the unturned frame, its edges on whole pixels, so
        tiles sharing an edge meet without a gap or seam."""
        turned = self.quarter_turns % 2 == 1
        across, down = (self.height, self.width) if turned else (self.width, self.height)
        left = round((rect.left() - self.cx) * self.scale + across / 2)
        top = round((rect.top() - self.cy) * self.scale + down / 2)
        right = round((rect.right() - self.cx) * self.scale + across / 2)
        bottom = round((rect.bottom() - self.cy) * self.scale + down / 2)
        return QRectF(left, top, right - left, bottom - top)

    def to_widget(self, x: float, y: float) -> QPointF:
        """The widget point showing level-0 point ``(x, y)``."""
        return self.qtransform().map(QPointF(x, y))

    def to_slide(self, point: QPointF) -> QPointF:
        """The level-0 point under widget point ``point``."""
        inverse, _ = self.qtransform().inverted()
        return inverse.map(point)

    def visible_rect(self) -> QRectF:
        """The level-0 rectangle the widget shows (bounding the rotated viewport)."""
        inverse, _ = self.qtransform().inverted()
        return inverse.mapRect(QRectF(0, 0, self.width, self.height))

    def viewport_polygon(self) -> list[QPointF]:
        """The widget's four corners in level-0 pixels (clockwise from its top left)."""
        inverse, _ = self.qtransform().inverted()
        corners = [(0, 0), (self.width, 0), (self.width, self.height), (0, self.height)]
        return [inverse.map(QPointF(x, y)) for x, y in corners]

    # ------------------------------------------------------------------ moves
    def centred_on(self, x: float, y: float) -> SlideTransform:
        """The same view centred on level-0 point ``(x, y)``."""
        return replace(self, cx=x, cy=y)

    def panned(self, dx: float, dy: float) -> SlideTransform:
        """The view moved so the picture follows a drag of ``(dx, dy)`` widget pixels."""
        inverse, _ = self.qtransform().inverted()
        origin = inverse.map(QPointF(0, 0))
        moved = inverse.map(QPointF(dx, dy))
        return replace(
            self, cx=self.cx - (moved.x() - origin.x()), cy=self.cy - (moved.y() - origin.y())
        )

    def zoomed(self, factor: float, anchor: QPointF | None = None) -> SlideTransform:
        """Zoomed by ``factor``, keeping the slide point under widget point ``anchor`` (the
        centre when None) where it is."""
        scale = min(max(self.scale * factor, MIN_SCALE), MAX_SCALE)
        if anchor is None:
            return replace(self, scale=scale)
        fixed = self.to_slide(anchor)
        zoomed = replace(self, scale=scale)
        after = zoomed.to_slide(anchor)
        return replace(
            zoomed, cx=self.cx + fixed.x() - after.x(), cy=self.cy + fixed.y() - after.y()
        )

    def rotated(self, turns: int) -> SlideTransform:
        """Turned by ``turns`` quarter turns clockwise (negative: anticlockwise)."""
        return replace(self, quarter_turns=(self.quarter_turns + turns) % 4)

    def resized(self, width: int, height: int) -> SlideTransform:
        """The same view in a widget of another size."""
        return replace(self, width=width, height=height)

    def fitted(self, slide_width: int, slide_height: int) -> SlideTransform:
        """Centred on the whole slide, zoomed so all of it shows."""
        turned = self.quarter_turns % 2 == 1
        across, down = (slide_height, slide_width) if turned else (slide_width, slide_height)
        scale = min(self.width / max(across, 1), self.height / max(down, 1)) * 0.95
        scale = min(max(scale, MIN_SCALE), MAX_SCALE)
        return replace(self, cx=slide_width / 2, cy=slide_height / 2, scale=scale)


def nice_length(longest: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``longest`` (a scale bar's length)."""
    if longest <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(longest))
    for step in (5, 2, 1):
        if step * power <= longest:
            return step * power
    return power


def length_text(micrometres: float) -> str:
    """``500 µm``, ``2 mm``, ``0.5 µm``."""
    if micrometres >= 1000:
        return f"{micrometres / 1000:g} mm"
    return f"{micrometres:g} µm"


def magnification(mpp: float, scale: float) -> float:
    """The objective magnification the view matches: 40× shows 0.25 µm per screen pixel."""
    return 10.0 / (mpp / scale)


def magnification_text(value: float) -> str:
    """``40×``, ``2.5×``, ``0.31×``."""
    if value >= 10:
        return f"{value:.0f}×"
    return f"{value:.2g}×" if value < 1 else f"{value:.1f}×".replace(".0×", "×")
