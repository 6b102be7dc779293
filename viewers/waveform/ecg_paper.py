"""ECG paper: 1 mm and 5 mm squares at 25 mm/s and 10 mm/mV, true to the screen's size.

The grid is drawn in the record's units (0.04 s and 0.2 s across, 0.1 mV and 0.5 mV up a
band at the standard speed and gain), so at the paper speed it is exactly millimetre paper
on a screen whose physical size Qt knows, and it stretches with the trace when zoomed. Lines
closer than :data:`MIN_GAP` pixels are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

MM_PER_INCH = 25.4
#: Paper speed and gain of a standard ECG.
STANDARD_SPEED = 25.0  # mm/s
STANDARD_GAIN = 10.0  # mm/mV
MIN_GAP = 3.0
MINOR = QColor(240, 190, 190)
MAJOR = QColor(225, 120, 120)
#: Multipliers that bring a unit to millivolts.
TO_MILLIVOLTS = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1000.0, "nv": 1e-6}


@dataclass
class Paper:
    """Speed (mm/s) and gain (mm/mV) of the paper, and the screen's pixels per millimetre."""

    px_per_mm: float
    speed: float = STANDARD_SPEED
    gain: float = STANDARD_GAIN

    @property
    def px_per_second(self) -> float:
        """Pixels a second of record takes across."""
        return self.px_per_mm * self.speed

    @property
    def px_per_millivolt(self) -> float:
        """Pixels a millivolt takes up."""
        return self.px_per_mm * self.gain


def px_per_mm(widget: QWidget) -> float:
    """Pixels per millimetre of the screen ``widget`` is on (96 dpi when it is unknown)."""
    screen = widget.screen()
    dpi = screen.physicalDotsPerInchX() if screen is not None else 0.0
    if not math.isfinite(dpi) or dpi < 20:
        dpi = 96.0
    return dpi / MM_PER_INCH


def millivolts_per_unit(unit: str) -> float | None:
    """How many millivolts one ``unit`` is (None for a unit that is not a voltage)."""
    return TO_MILLIVOLTS.get(unit.strip().lower())


def paint_grid(
    painter: QPainter,
    rect: QRectF,
    seconds: tuple[float, float],
    bands: list[tuple[QRectF, float, float]],
) -> None:
    """Paper under the traces: ``seconds`` = (start, duration) of ``rect``'s width; ``bands``
    are (band rectangle, lowest mV, highest mV) of each voltage channel."""
    start, duration = seconds
    if duration <= 0 or rect.width() < 1:
        return
    scale = rect.width() / duration
    # Minor lines first, so the major ones are drawn whole over them.
    for (seconds_step, mv_step), color in (((0.04, 0.1), MINOR), ((0.2, 0.5), MAJOR)):
        painter.setPen(QPen(color, 0))
        lines: list[QLineF] = []
        if seconds_step * scale >= MIN_GAP:
            xs = (
                rect.left() + (k * seconds_step - start) * scale
                for k in _steps(start, start + duration, seconds_step)
            )
            lines += [QLineF(x, rect.top(), x, rect.bottom()) for x in xs]
        for band, low, high in bands:
            per_mv = band.height() / (high - low) if high > low else 0.0
            if mv_step * per_mv >= MIN_GAP:
                ys = (
                    band.bottom() - (k * mv_step - low) * per_mv for k in _steps(low, high, mv_step)
                )
                lines += [QLineF(band.left(), y, band.right(), y) for y in ys]
        painter.drawLines(lines)


def _steps(low: float, high: float, step: float) -> range:
    return range(math.ceil(low / step), math.floor(high / step) + 1)
