"""Printed 12-lead ECG layouts: which lead is drawn where, over which part of the window.

In the 3×4 layout the window is cut into four consecutive quarters: the first column shows
I, II, III over the first quarter, the second aVR, aVL, aVF over the next, then V1-V3 and
V4-V6; a rhythm strip (lead II) runs under them over the whole window. The 6×2 layout shows
the limb leads over the first half and the chest leads over the second; 12×1 shows every
lead over the whole window. Because the columns follow one another in time, a widget x
still means one time across the whole layout (the cursor, calipers and time axis hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF

STANDARD_LEADS = ("I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6")
#: Layout name -> (columns, rows of leads, rhythm strip lead or "").
LAYOUTS: dict[str, tuple[int, int, str]] = {
    "3×4 + rhythm": (4, 3, "II"),
    "6×2": (2, 6, ""),
    "12×1": (1, 12, ""),
}


@dataclass(frozen=True)
class Cell:
    """One lead drawn in ``rect`` over ``[start_s, start_s + duration_s)``."""

    rect: QRectF
    channel: int
    start_s: float
    duration_s: float


def twelve_leads(names: Sequence[str]) -> list[int] | None:
    """The channels of the 12 standard leads in their printed order (None: some missing)."""
    index = {n.strip().upper().removeprefix("ECG ").strip(): i for i, n in enumerate(names)}
    if not all(lead in index for lead in STANDARD_LEADS):
        return None
    return [index[lead] for lead in STANDARD_LEADS]


def layout_rows(layout: str) -> int:
    """How many rows of traces the layout stacks (with its rhythm strip)."""
    _columns, rows, rhythm = LAYOUTS[layout]
    return rows + (1 if rhythm else 0)


def cells(
    layout: str, leads: Sequence[int], rhythm: int, rect: QRectF, window: tuple[float, float]
) -> list[Cell]:
    """Where each lead of ``leads`` (the 12 in printed order) goes in ``rect``."""
    columns, rows, rhythm_lead = LAYOUTS[layout]
    start, duration = window
    height = rect.height() / layout_rows(layout)
    width = rect.width() / columns
    part = duration / columns
    placed = [
        Cell(
            QRectF(rect.left() + column * width, rect.top() + row * height, width, height),
            leads[column * rows + row],
            start + column * part,
            part,
        )
        for column in range(columns)
        for row in range(rows)
    ]
    if rhythm_lead:
        strip = QRectF(rect.left(), rect.top() + rows * height, rect.width(), height)
        placed.append(Cell(strip, rhythm, start, duration))
    return placed
