"""Audio annotations as a Praat TextGrid, written through ``praatio``.

Audio annotations are stored in seconds from the start of the recording:

- ``interval`` — ``data = {"start_s": float, "end_s": float}``: a speaker turn or an event
  that lasts (cough, background noise...);
- ``point`` — ``data = {"time_s": float}``: an instant event.

Intervals go to one interval tier per label, or per speaker when the turn has a
``speaker_id`` attribute (tier ``"patient S2"``); an interval's text is its ``transcript``
attribute, else its label. Points go to one point tier, ``events``, each marked with its label.
Intervals of one tier must not overlap (Praat cannot hold that); points of it not coincide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from workspace.annotations import Annotation
from workspace.export.formats import annotation_name
from workspace.export.labelmap_files import ExportError

POINT = "point"
INTERVAL = "interval"
POINT_TIER = "events"
TEXTGRID_SUFFIX = ".textgrid"

Interval = tuple[float, float, str]
Point = tuple[float, str]


def _seconds(annotation: Annotation, key: str, duration_s: float) -> float:
    value = annotation.data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ExportError(f"{annotation_name(annotation)}: {key!r} must be a time in seconds.")
    if not 0.0 <= value <= duration_s:
        raise ExportError(
            f"{annotation_name(annotation)}: {key} {value:g} s is outside the recording "
            f"(0-{duration_s:g} s)."
        )
    return float(value)


def _attribute(annotation: Annotation, name: str) -> str:
    attributes = annotation.data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise ExportError(f"{annotation_name(annotation)}: 'attributes' is not an object.")
    value = attributes.get(name)
    return value.strip() if isinstance(value, str) else ""


def tiers(
    annotations: Sequence[Annotation], *, duration_s: float
) -> tuple[dict[str, list[Interval]], list[Point]]:
    """Interval tiers by name (first-seen order, entries by time) and the point events."""
    intervals: dict[str, list[tuple[Interval, Annotation]]] = {}
    points: list[tuple[Point, Annotation]] = []
    for annotation in annotations:
        label = annotation.label
        if not label or not label.strip():
            raise ExportError(f"{annotation_name(annotation)} has no label.")
        if annotation.kind == INTERVAL:
            start = _seconds(annotation, "start_s", duration_s)
            end = _seconds(annotation, "end_s", duration_s)
            if end <= start:
                raise ExportError(
                    f"{annotation_name(annotation)}: the interval ends ({end:g} s) before it "
                    f"starts ({start:g} s)."
                )
            speaker = _attribute(annotation, "speaker_id")
            tier = f"{label} {speaker}" if speaker else label
            text = _attribute(annotation, "transcript") or label
            intervals.setdefault(tier, []).append(((start, end, text), annotation))
        elif annotation.kind == POINT:
            points.append(((_seconds(annotation, "time_s", duration_s), label), annotation))
        else:
            raise ExportError(
                f"{annotation_name(annotation)} is a {annotation.kind!r} annotation; "
                "TextGrid export takes interval and point annotations."
            )
    result: dict[str, list[Interval]] = {}
    for tier, entries in intervals.items():
        entries.sort(key=lambda e: e[0])
        for (before, first), (after, second) in pairwise(entries):
            if after[0] < before[1]:
                raise ExportError(
                    f"{annotation_name(second)} overlaps {annotation_name(first)} in tier "
                    f"{tier!r} ({after[0]:g} s < {before[1]:g} s); a TextGrid tier cannot hold "
                    "overlapping intervals."
                )
        result[tier] = [entry for entry, _ in entries]
    points.sort(key=lambda p: p[0])
    for (earlier, first), (later, second) in pairwise(points):
        if later[0] == earlier[0]:
            raise ExportError(
                f"{annotation_name(second)} is at the same time ({later[0]:g} s) as "
                f"{annotation_name(first)}; a TextGrid point tier cannot hold both."
            )
    return result, [point for point, _ in points]


def write_textgrid(
    annotations: Sequence[Annotation], out: Path, *, duration_s: float
) -> list[Path]:
    """Write ``out`` (a long-format ``.TextGrid`` of ``duration_s`` seconds); returns ``[out]``."""
    from praatio import textgrid
    from praatio.utilities.constants import Interval as PraatInterval
    from praatio.utilities.constants import Point as PraatPoint

    if out.suffix.lower() != TEXTGRID_SUFFIX:
        raise ExportError(f"{out.name}: a TextGrid file name ends with .TextGrid.")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ExportError(f"{out.name}: the recording has no duration ({duration_s}).")
    interval_tiers, points = tiers(annotations, duration_s=duration_s)
    if not interval_tiers and not points:
        raise ExportError("There are no annotations to write (a TextGrid needs a tier).")
    grid = textgrid.Textgrid(0.0, duration_s)
    for name, entries in interval_tiers.items():
        grid.addTier(
            textgrid.IntervalTier(
                name, [PraatInterval(*entry) for entry in entries], 0.0, duration_s
            )
        )
    if points:
        name = POINT_TIER
        while name in interval_tiers:
            name += " (points)"
        grid.addTier(
            textgrid.PointTier(name, [PraatPoint(*point) for point in points], 0.0, duration_s)
        )
    try:
        grid.save(str(out), format="long_textgrid", includeBlankSpaces=True)
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]
