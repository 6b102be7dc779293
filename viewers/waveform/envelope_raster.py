"""Min-max envelopes of many channels drawn as one image: a vertical span per pixel column.

Zoomed out, every column of a busy trace is a tall min-max segment; asking QPainter to stroke
12 × 1600 of them (as lines or as one polyline a channel) costs a few nanoseconds per pixel in
its line stepper, tens of milliseconds a frame. Here numpy writes the spans into a reused
transparent ARGB image, whole rows at a time (a pixel is set where its row lies between the
column's top and bottom rows), and QPainter blends the image once. The cost is fixed by the
image's size, whatever the trace looks like.

A column's span is stretched to meet the next column's span when the two do not overlap, so a
step or a steep edge is drawn joined, as a polyline through the column extremes would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from viewers.waveform.trace_painter import writable_array


class EnvelopeRaster:
    """Draws channels' envelopes, each in an equal band of a rectangle, through one image."""

    def __init__(self) -> None:
        self._image = QImage()
        self._pixels = np.empty((0, 0), dtype=np.uint32)

    def draw(
        self,
        painter: QPainter,
        rect: QRectF,
        envelopes: tuple[npt.NDArray[Any], npt.NDArray[Any]],
        value_ranges: Sequence[tuple[float, float]],
        color: QColor,
    ) -> None:
        """``envelopes`` = (mins, maxs), each (channels, columns): column ``i`` of channel ``k``
        at pixel column ``i`` of band ``k``; ``value_ranges[k]`` = (low, high) spans the band's
        height, high at the top. One image pixel a column: ``rect`` should be ``columns`` wide."""
        mins, maxs = envelopes
        channels, columns = mins.shape
        height = round(rect.height())
        if channels == 0 or columns == 0 or height < 1:
            return
        pixels = self._buffer(columns, height)
        argb = np.uint32(_premultiplied(color))
        edges = np.linspace(0, height, channels + 1).round().astype(int)
        for channel in range(channels):
            band = pixels[edges[channel] : edges[channel + 1]]
            if band.shape[0] == 0:
                continue
            top, bottom = _rows(mins[channel], maxs[channel], band.shape[0], value_ranges[channel])
            # Narrow integers for the per-pixel arithmetic (bands are far under 32768 rows).
            signed, unsigned = (
                (np.int16, np.uint16) if band.shape[0] < 2**15 else (np.int32, np.uint32)
            )
            rows = np.arange(band.shape[0], dtype=signed)[:, None]
            # rows - top, read unsigned, <= bottom - top: both bounds in one comparison.
            inside = (rows - top.astype(signed)).view(unsigned) <= (bottom - top).astype(unsigned)
            np.multiply(inside, argb, out=band)
        painter.drawImage(QRectF(rect.left(), rect.top(), columns, height), self._image)

    def _buffer(self, width: int, height: int) -> npt.NDArray[np.uint32]:
        if self._pixels.shape != (height, width):
            self._image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
            pixels = writable_array(self._image.bits(), width * height * 4, np.uint32)
            self._pixels = pixels.reshape(height, width)
        return self._pixels


def _rows(
    mins: npt.NDArray[Any], maxs: npt.NDArray[Any], height: int, value_range: tuple[float, float]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Top and bottom pixel rows of each column, joined to the next column; none (both rows
    below the band) where a value is not a number."""
    low, high = value_range
    scale = height / (high - low) if high != low else 0.0
    top = np.floor((high - np.asarray(maxs, dtype=np.float64)) * scale)
    bottom = np.floor((high - np.asarray(mins, dtype=np.float64)) * scale)
    missing = None
    if np.asarray(mins).dtype.kind == "f":
        missing = ~(np.isfinite(top) & np.isfinite(bottom))
        top, bottom = np.nan_to_num(top), np.nan_to_num(bottom)
    top = np.clip(top, 0, height - 1).astype(np.int32)
    bottom = np.clip(bottom, 0, height - 1).astype(np.int32)
    # The next column higher: reach up to its bottom row; lower: reach down to its top row.
    up = np.minimum(top[:-1], bottom[1:])
    down = np.maximum(bottom[:-1], top[1:])
    if missing is not None:
        up = np.where(missing[1:], top[:-1], up)
        down = np.where(missing[1:], bottom[:-1], down)
    top[:-1], bottom[:-1] = up, down
    if missing is not None:
        top[missing], bottom[missing] = height, height
    return top, bottom


def _premultiplied(color: QColor) -> int:
    alpha = color.alpha()
    red, green, blue = (round(c * alpha / 255) for c in (color.red(), color.green(), color.blue()))
    return (alpha << 24) | (red << 16) | (green << 8) | blue
