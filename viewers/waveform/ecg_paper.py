"""ECG paper: 1 mm and 5 mm squares at 25 mm/s and 10 mm/mV, true to the screen's size.

The grid is drawn in the record's units (0.04 s and 0.2 s across, 0.1 mV and 0.5 mV up a
band at the standard speed and gain), so at the paper speed it is exactly millimetre paper
on a screen whose physical size Qt knows, and it stretches with the trace when zoomed. Lines
closer than :data:`MIN_GAP` pixels are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

MM_PER_INCH = 25.4
#: Paper speed and gain of a standard ECG.
STANDARD_SPEED = 25.0  # mm/s
STANDARD_GAIN = 10.0  # mm/mV
MIN_GAP = 3.0
#: The grid repeats every major square (0.2 s across).
MAJOR_SECONDS = 0.2
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


class GridCache:
    """The paper drawn once into an image one major square wider than the view, then
    shifted by the window's phase each frame: scrolling costs one image draw, not hundreds
    of lines (QPainter's line stepper on a 16-bit screen takes tens of ms for a full grid)."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._image = QImage()

    def draw(
        self,
        painter: QPainter,
        rect: QRectF,
        seconds: tuple[float, float],
        bands: list[tuple[QRectF, float, float]],
        background: QColor,
    ) -> None:
        """As :func:`paint_grid` over ``background`` (which it fills)."""
        start, duration = seconds
        scale = rect.width() / duration if duration > 0 else 0.0
        period = MAJOR_SECONDS * scale
        if scale <= 0 or period > rect.width():  # zoomed far in: few lines, drawn directly
            painter.fillRect(rect, background)
            paint_grid(painter, rect, seconds, bands)
            return
        width = math.ceil(rect.width() + period) + 1
        key = (
            width,
            rect.height(),
            duration,
            background.rgba(),
            tuple((b.top(), b.height(), low, high) for b, low, high in bands),
        )
        if key != self._key:
            self._image = QImage(width, math.ceil(rect.height()), QImage.Format.Format_RGB32)
            self._image.fill(background)
            image_painter = QPainter(self._image)
            try:
                area = QRectF(0, 0, width, rect.height())
                moved = [
                    (QRectF(0, b.top() - rect.top(), width, b.height()), lo, hi)
                    for b, lo, hi in bands
                ]
                paint_grid(image_painter, area, (0.0, width / scale), moved)
            finally:
                image_painter.end()
            self._key = key
        phase = (start % MAJOR_SECONDS) * scale
        painter.drawImage(QPointF(rect.left() - phase, rect.top()), self._image)
