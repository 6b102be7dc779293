"""The time axis under the traces: ticks in seconds, and clock time when the record has one."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

#: Tick steps (seconds) the axis chooses from: at least MIN_GAP pixels apart.
STEPS: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120)
STEPS += (300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MIN_GAP = 90.0


def tick_step(duration: float, width: float) -> float:
    """The smallest step whose ticks are at least :data:`MIN_GAP` pixels apart."""
    for step in STEPS:
        if step / max(duration, 1e-9) * width >= MIN_GAP:
            return step
    return STEPS[-1]


def seconds_text(seconds: float, step: float) -> str:
    """``12.5 s`` below a minute's steps, else ``1:02:03``."""
    if step < 60 and seconds < 60:
        return f"{seconds:.{_decimals(step)}f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock_text(start: datetime, seconds: float, step: float) -> str:
    """The clock time ``seconds`` after ``start`` (with milliseconds for fine steps)."""
    moment = start + timedelta(seconds=seconds)
    text = moment.strftime("%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}" if step < 1 else text


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


class TimeAxis(QWidget):
    """Draws the ticks of the window (start, duration) it is told."""

    def __init__(self, start_time: datetime | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_time = start_time
        self.view_span = (0.0, 1.0)
        lines = 2 if start_time is not None else 1
        self.setFixedHeight(6 + lines * (self.fontMetrics().height() + 1))

    def set_window(self, start: float, duration: float) -> None:
        """Show the ticks of ``duration`` seconds from ``start``."""
        self.view_span = (start, duration)
        self.update()

    def ticks(self) -> list[tuple[float, float, str]]:
        """The ticks drawn: widget x, seconds and the text under them."""
        start, duration = self.view_span
        step = tick_step(duration, self.width())
        found = []
        k = math.ceil(start / step)
        while (seconds := k * step) <= start + duration:
            x = (seconds - start) / duration * self.width()
            found.append((x, seconds, seconds_text(seconds, step)))
            k += 1
        return found

    def paintEvent(self, event: QPaintEvent) -> None:
        """Ticks and their times."""
        painter = QPainter(self)
        try:
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            height = self.fontMetrics().height()
            step = tick_step(self.view_span[1], self.width())
            for x, seconds, text in self.ticks():
                painter.drawLine(QLineF(x, 0, x, 4))
                painter.drawText(QPointF(x + 2, 4 + height - 3), text)
                if self.start_time is not None:
                    text = clock_text(self.start_time, seconds, step)
                    painter.drawText(QPointF(x + 2, 4 + 2 * height - 2), text)
        finally:
            painter.end()
