"""The scale bar (µm/mm) drawn in a corner of the slide view, and the zoom readout."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter

from viewers.slide.transform import (
    SlideTransform,
    length_text,
    magnification,
    magnification_text,
    nice_length,
)

LONGEST_BAR = 160  # widget pixels
MARGIN = 12


def scale_bar(mpp: float, transform: SlideTransform) -> tuple[float, str]:
    """The bar's length in widget pixels and its text, for ``mpp`` µm per level-0 pixel."""
    micrometres_per_pixel = mpp / transform.scale
    micrometres = nice_length(LONGEST_BAR * micrometres_per_pixel)
    return micrometres / micrometres_per_pixel, length_text(micrometres)


def readout(mpp: float | None, transform: SlideTransform, level: int, downsample: float) -> str:
    """``20× · 0.5 µm/px · level 1 (4× down)``; without a resolution, the zoom alone."""
    parts = []
    if mpp:
        parts.append(magnification_text(magnification(mpp, transform.scale)))
        parts.append(f"{mpp / transform.scale:.3g} µm/px")
    else:
        parts.append(f"zoom {transform.scale:.3g}")
    parts.append(f"level {level} ({downsample:g}× down)")
    return " · ".join(parts)


class ScaleBarOverlay:
    """An overlay of :class:`~viewers.slide.slide_view.SlideView`: the bar, bottom left."""

    def __init__(self, mpp: float) -> None:
        self.mpp = mpp

    def __call__(self, painter: QPainter, transform: SlideTransform) -> None:
        length, text = scale_bar(self.mpp, transform)
        height = painter.fontMetrics().height()
        box = QRectF(MARGIN - 6, transform.height - MARGIN - height - 14, length + 12, height + 14)
        box.setWidth(max(box.width(), painter.fontMetrics().horizontalAdvance(text) + 12))
        painter.fillRect(box, QColor(255, 255, 255, 200))
        y = transform.height - MARGIN - 4
        painter.fillRect(QRectF(MARGIN, y, length, 4), QColor(20, 20, 20))
        painter.setPen(QColor(20, 20, 20))
        painter.drawText(
            QRectF(MARGIN, y - height - 2, box.width(), height),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            text,
        )
