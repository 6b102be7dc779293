"""Calipers: the interval between two times in milliseconds and the rate it stands for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caliper:
    """Two times (seconds) on the record; their order does not matter."""

    start_s: float
    end_s: float

    @property
    def interval_ms(self) -> float:
        """The time between the two ends in milliseconds."""
        return abs(self.end_s - self.start_s) * 1000.0

    @property
    def rate_bpm(self) -> float | None:
        """Beats per minute for an RR interval this long (None for a zero interval)."""
        interval = self.interval_ms
        return 60_000.0 / interval if interval > 0 else None

    def text(self) -> str:
        """``812 ms · 73.9 bpm``."""
        rate = self.rate_bpm
        bpm = "–" if rate is None else f"{rate:.1f}"
        return f"{self.interval_ms:.0f} ms · {bpm} bpm"
