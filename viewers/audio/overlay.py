"""The marks every pane of the audio viewer draws over its content: selection and playhead."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from viewers.audio.view_state import AudioViewState

#: The playhead (Audacity's and ELAN's are a red or black line; red reads on both themes).
PLAYHEAD_COLOR = QColor(230, 40, 40)
SELECTION_COLOR = QColor(80, 140, 255, 60)


def paint_overlay(painter: QPainter, state: AudioViewState, rect: QRectF) -> None:
    """Shade the time selection and draw the playhead across ``rect``."""
    width = round(rect.width())
    if state.selection is not None:
        left = state.x_of(state.selection[0], width)
        right = state.x_of(state.selection[1], width)
        painter.fillRect(
            QRectF(left, rect.top(), max(right - left, 1.0), rect.height()), SELECTION_COLOR
        )
    x = state.x_of(state.playhead, width)
    if -1 <= x <= width + 1:
        painter.setPen(QPen(PLAYHEAD_COLOR, 0))
        painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
