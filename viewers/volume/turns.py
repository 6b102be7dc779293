"""Spreading GUI-thread work over event-loop turns, so the window keeps turning between steps."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: Pause between two steps: one frame at 50 Hz.
FRAME_MS = 20


def next_turn(owner: QObject, step: Callable[[], None]) -> None:
    """Run ``step`` one frame from now, once everything already due has run.

    Not ``QTimer.singleShot(0, ...)``: that is a posted event, delivered before any timer that
    is due, so a chain of them runs back to back and starves every timer (a repaint, an
    animation, a 20 ms heartbeat) until the chain ends. A step waiting a frame lets each
    timer of that period or longer fire between two steps: the window stalls for one step at
    most, never for the chain. Nothing runs once ``owner`` is deleted.
    """
    QTimer.singleShot(FRAME_MS, owner, step)
