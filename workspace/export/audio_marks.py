"""A recording's points and intervals read once for the audio formats (RTTM, WebVTT, JSON).

:func:`audio_marks` checks each annotation against the recording's length and gives it as an
:class:`AudioMark` (times in seconds, speaker, transcript), in time order; anything but a
point or an interval is one clear :class:`~workspace.export.base.ExportError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from workspace.annotation_kinds.base import AnnotationKindError, describe
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotation_kinds.signal_marks import (
    SPEAKER_ATTRIBUTE,
    attribute_text,
    interval_times,
    point_time,
    transcript,
)
from workspace.annotations import Annotation
from workspace.export.base import ExportError


@dataclass(frozen=True)
class AudioMark:
    """One point (``end_s`` None) or interval of a recording."""

    annotation: Annotation
    start_s: float
    end_s: float | None
    speaker: str
    transcript: str

    @property
    def label(self) -> str:
        """The annotation's class name."""
        return self.annotation.label or ""


def audio_marks(
    annotations: Sequence[Annotation], *, duration_s: float | None, fmt: str
) -> list[AudioMark]:
    """Every point and interval, checked, by start time (``fmt`` names the format in errors)."""
    marks: list[AudioMark] = []
    for annotation in annotations:
        if not annotation.label or not annotation.label.strip():
            raise ExportError(f"{describe(annotation)} has no label.")
        try:
            if annotation.kind == POINT:
                start, end = point_time(annotation, duration_s), None
            elif annotation.kind == INTERVAL:
                start, end = interval_times(annotation, duration_s)
            else:
                raise ExportError(
                    f"{describe(annotation)} is a {annotation.kind!r} annotation; "
                    f"{fmt} export takes interval and point annotations."
                )
            speaker = attribute_text(annotation, SPEAKER_ATTRIBUTE)
            text = transcript(annotation)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        marks.append(AudioMark(annotation, start, end, speaker, text))
    marks.sort(key=lambda m: (m.start_s, m.end_s if m.end_s is not None else -1.0))
    return marks


def exact_duration(start: float, end: float) -> float:
    """A length ``d`` with ``start + d == end`` in floating point (so an onset and a length
    printed with :func:`repr` give the end back exactly), else the plain difference."""
    guess = end - start
    for candidate in (guess, math.nextafter(guess, math.inf), math.nextafter(guess, -math.inf)):
        if start + candidate == end:
            return candidate
    low = high = guess
    for _ in range(8):
        low, high = math.nextafter(low, -math.inf), math.nextafter(high, math.inf)
        for candidate in (low, high):
            if start + candidate == end:
                return candidate
    return guess
