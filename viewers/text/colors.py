"""Colour helpers of the text viewer: blends over the page and readable tag text."""

from __future__ import annotations

import functools

from PySide6.QtGui import QColor

#: The colour of a span whose label is not in the schema.
FALLBACK_COLOR = "#9e9e9e"


def blend(color: QColor, base: QColor, amount: float) -> QColor:
    """``amount`` of ``color`` over ``base``, opaque."""
    return QColor(
        round(color.red() * amount + base.red() * (1 - amount)),
        round(color.green() * amount + base.green() * (1 - amount)),
        round(color.blue() * amount + base.blue() * (1 - amount)),
    )


def readable_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    return QColor(_readable_on(background.rgb() & 0xFFFFFF))


@functools.lru_cache(maxsize=256)
def _readable_on(rgb: int) -> str:
    red, green, blue = (rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF
    luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255
    return "#000000" if luminance > 0.5 else "#ffffff"
