"""Which stretch of a record a trace view shows: a start and a duration in seconds (no Qt).

Zooming keeps the time under the pointer where it is; every change is clamped so the window
stays inside the record and never shows less than ``shortest`` seconds or more than the whole.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TimeWindow:
    """A window ``[start, start + duration)`` over a record of ``total`` seconds."""

    total: float
    shortest: float
    start: float = 0.0
    duration: float = 0.0

    def __post_init__(self) -> None:
        self.shortest = min(self.shortest, self.total)
        self.set(self.start, self.duration or self.total)

    @property
    def stop(self) -> float:
        """End of the window (seconds, exclusive)."""
        return self.start + self.duration

    def set(self, start: float, duration: float) -> None:
        """Show ``duration`` seconds from ``start``, clamped to the record."""
        self.duration = min(max(duration, self.shortest), self.total)
        self.start = min(max(start, 0.0), self.total - self.duration)

    def scroll(self, seconds: float) -> None:
        """Move the window later by ``seconds`` (earlier if negative)."""
        self.set(self.start + seconds, self.duration)

    def zoom(self, factor: float, anchor: float) -> None:
        """Multiply the duration by ``factor`` keeping the time ``anchor`` (seconds) in place."""
        fraction = (anchor - self.start) / self.duration
        duration = min(max(self.duration * factor, self.shortest), self.total)
        self.set(anchor - fraction * duration, duration)
