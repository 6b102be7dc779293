"""Draw a channel's min/max envelope, or its samples, into a rectangle with one Qt call.

An envelope of ``n`` columns becomes a polyline of ``2n`` points, two a pixel column (as
pyqtgraph's ``peak`` downsampling draws): its minimum and its maximum, so a column is drawn as
its vertical min-max segment, and consecutive columns are joined. The pair is taken min then max
in even columns and max then min in odd ones, so the joins run max to max and min to min: short
where the trace is continuous, rather than a second full-height diagonal in every column. The points
are written by numpy straight into a reused ``QPolygonF``'s memory (as pyqtgraph's
``arrayToQPolygonF`` does), so no Python loop runs per point and nothing is allocated per
frame once the buffer has grown to the widest trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPolygonF
from shiboken6 import VoidPtr

#: shiboken's stub lacks the ``VoidPtr(address, size, writable)`` form used here.
_void_ptr: Any = VoidPtr


def writable_array(address: Any, nbytes: int, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A flat numpy view of ``nbytes`` of Qt-owned memory (a polygon's points, an image's
    pixels), valid until the Qt object is resized or freed."""
    return np.frombuffer(_void_ptr(address, nbytes, True), dtype=dtype)


class TracePainter:
    """Draws traces through one reused point buffer (call from one thread: the GUI's)."""

    def __init__(self) -> None:
        self._polygon = QPolygonF()
        self._points = np.empty((0, 2), dtype=np.float64)

    def draw_envelope(
        self,
        painter: QPainter,
        rect: QRectF,
        mins: npt.NDArray[Any],
        maxs: npt.NDArray[Any],
        value_range: tuple[float, float],
    ) -> None:
        """Column ``i`` of ``mins``/``maxs`` at the ``i``-th of ``len(mins)`` equal columns of
        ``rect``; ``value_range`` (low, high) spans the rectangle's height, high at the top."""
        count = len(mins)
        if count == 0:
            return
        points = self._buffer(2 * count)
        xs = rect.left() + (np.arange(count) + 0.5) * (rect.width() / count)
        points[0::2, 0] = xs
        points[1::2, 0] = xs
        _to_y(mins[0::2], rect, value_range, out=points[0::4, 1])
        _to_y(maxs[0::2], rect, value_range, out=points[1::4, 1])
        _to_y(maxs[1::2], rect, value_range, out=points[2::4, 1])
        _to_y(mins[1::2], rect, value_range, out=points[3::4, 1])
        painter.drawPolyline(self._polygon)

    def draw_samples(
        self,
        painter: QPainter,
        rect: QRectF,
        positions: npt.NDArray[Any],
        values: npt.NDArray[Any],
        value_range: tuple[float, float],
    ) -> None:
        """Samples joined by straight lines; ``positions`` are fractions of ``rect``'s width
        (0 at its left edge, 1 at its right; outside that they run into the clip)."""
        count = len(values)
        if count == 0:
            return
        points = self._buffer(count)
        points[:, 0] = rect.left() + np.asarray(positions, dtype=np.float64) * rect.width()
        _to_y(values, rect, value_range, out=points[:, 1])
        painter.drawPolyline(self._polygon)

    def _buffer(self, size: int) -> npt.NDArray[np.float64]:
        """The first ``size`` points of the polygon, as a writable (size, 2) float64 view."""
        if self._polygon.size() != size:
            self._polygon.resize(size)
            points = writable_array(self._polygon.data(), size * 16, np.float64)
            self._points = points.reshape(size, 2)
        return self._points


def _to_y(
    values: npt.NDArray[Any],
    rect: QRectF,
    value_range: tuple[float, float],
    out: npt.NDArray[np.float64],
) -> None:
    low, high = value_range
    scale = rect.height() / (high - low) if high != low else 0.0
    np.subtract(values, low, out=out, casting="unsafe")
    np.multiply(out, -scale, out=out)
    np.add(out, rect.bottom(), out=out)
