"""Where a slice sits in its widget: aspect-correct fit, zoom and pan (pure, no Qt).

The image is fitted to the widget at its physical aspect ratio (mm), then scaled by ``zoom``
about its centre and moved by ``pan``, kept as a fraction of the drawn image's size so that
a resized (e.g. maximised) view shows the same part of the slice.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_ZOOM = 0.25
MAX_ZOOM = 32.0


@dataclass(frozen=True)
class Rect:
    """A rectangle in widget pixels."""

    left: float
    top: float
    width: float
    height: float


@dataclass
class Viewport:
    """Zoom and pan of one slice view."""

    zoom: float = 1.0
    pan_x: float = 0.0  # image centre offset from the widget centre, in drawn image widths
    pan_y: float = 0.0  # ... and heights

    def reset(self) -> None:
        """Fit the whole slice, centred."""
        self.zoom, self.pan_x, self.pan_y = 1.0, 0.0, 0.0

    def image_rect(self, widget: tuple[float, float], size_mm: tuple[float, float]) -> Rect:
        """Where the slice of physical ``(height, width)`` mm is drawn in a widget of
        ``(width, height)`` pixels."""
        widget_w, widget_h = widget
        height_mm, width_mm = size_mm
        scale = min(widget_w / width_mm, widget_h / height_mm) * self.zoom
        width, height = width_mm * scale, height_mm * scale
        left = (widget_w - width) / 2 + self.pan_x * width
        top = (widget_h - height) / 2 + self.pan_y * height
        return Rect(left, top, width, height)

    def zoom_about(
        self,
        factor: float,
        anchor: tuple[float, float],
        widget: tuple[float, float],
        size_mm: tuple[float, float],
    ) -> None:
        """Multiply the zoom by ``factor`` keeping the image point under ``anchor`` in place."""
        before = self.image_rect(widget, size_mm)
        u = (anchor[0] - before.left) / before.width
        v = (anchor[1] - before.top) / before.height
        self.zoom = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        after = self.image_rect(widget, size_mm)
        # move so that the fraction (u, v) of the image is back under the anchor
        self.pan_x += (anchor[0] - (after.left + u * after.width)) / after.width
        self.pan_y += (anchor[1] - (after.top + v * after.height)) / after.height

    def pan_by(
        self, dx: float, dy: float, widget: tuple[float, float], size_mm: tuple[float, float]
    ) -> None:
        """Move the image by ``(dx, dy)`` widget pixels."""
        rect = self.image_rect(widget, size_mm)
        self.pan_x += dx / rect.width
        self.pan_y += dy / rect.height


def to_image(rect: Rect, size: tuple[int, int], x: float, y: float) -> tuple[float, float]:
    """Continuous display ``(row, col)`` of widget point ``(x, y)`` for an image of
    ``(rows, cols)`` drawn in ``rect`` (pixel ``r`` spans ``[r, r + 1)``)."""
    rows, cols = size
    return (y - rect.top) / rect.height * rows, (x - rect.left) / rect.width * cols


def to_widget(rect: Rect, size: tuple[int, int], row: float, col: float) -> tuple[float, float]:
    """Widget ``(x, y)`` of continuous display position ``(row, col)``."""
    rows, cols = size
    return rect.left + col * rect.width / cols, rect.top + row * rect.height / rows
