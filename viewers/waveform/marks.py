"""The points and intervals of a waveform item as the viewer draws and walks them (no Qt).

A point is ``{"sample": n}``, an interval ``{"start": a, "end": b}`` (end exclusive), both
with an optional ``channel`` (absent: every channel), as
:mod:`workspace.annotation_kinds.signal_marks` lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotations import Annotation


@dataclass(frozen=True)
class Mark:
    """One annotation on the record's clock: ``end`` is None for a point."""

    annotation: Annotation
    start: int
    end: int | None
    channel: int | None

    @property
    def id(self) -> str:
        """The annotation's id."""
        return self.annotation.id

    @property
    def label(self) -> str:
        """The annotation's label ("" without one)."""
        return self.annotation.label or ""

    @property
    def is_point(self) -> bool:
        """True for a point (a beat), False for an interval."""
        return self.end is None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def mark_of(annotation: Annotation) -> Mark | None:
    """The mark an annotation is, None when it is not a sample point or interval."""
    data = annotation.data
    channel = _int(data.get("channel"))
    if annotation.kind == POINT and (sample := _int(data.get("sample"))) is not None:
        return Mark(annotation, sample, None, channel)
    start, end = _int(data.get("start")), _int(data.get("end"))
    if annotation.kind == INTERVAL and start is not None and end is not None and end > start:
        return Mark(annotation, start, end, channel)
    return None


def marks_of(annotations: Iterable[Annotation]) -> list[Mark]:
    """The marks among ``annotations``, by start sample."""
    marks = [m for a in annotations if (m := mark_of(a)) is not None]
    return sorted(marks, key=lambda m: (m.start, m.end or m.start))


def interval_data(start: int, end: int, channel: int | None) -> dict[str, int]:
    """``data`` of an interval ``[start, end)`` (ordered here)."""
    low, high = min(start, end), max(start, end)
    data = {"start": low, "end": max(high, low + 1)}
    return data if channel is None else {**data, "channel": channel}


def moved(mark: Mark, start: int, end: int | None) -> dict[str, object]:
    """The annotation's ``data`` with its samples changed (its other keys kept)."""
    data = dict(mark.annotation.data)
    if mark.is_point:
        data["sample"] = start
    else:
        data.update(interval_data(start, end if end is not None else start + 1, None))
    return data


def next_mark(marks: list[Mark], sample: int, label: str | None, forward: bool) -> Mark | None:
    """The nearest mark with ``label`` (any label if None) strictly after (or before)
    ``sample``."""
    chosen = [m for m in marks if label is None or m.label == label]
    if forward:
        return next((m for m in chosen if m.start > sample), None)
    return next((m for m in reversed(chosen) if m.start < sample), None)
