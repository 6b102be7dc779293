"""Audio annotations as a Praat TextGrid, written through ``praatio``.

Points and intervals in seconds are laid out as :mod:`workspace.annotation_kinds.signal_marks`
describes (``time_s``; ``start_s``/``end_s``): a speaker turn or an event that lasts (cough,
background noise...), or an instant event.

Intervals go to one interval tier per label, or per speaker when the turn has a
``speaker_id`` attribute (tier ``"patient S2"``, :func:`~.signal_marks.tier_of`); an
interval's text is its ``transcript`` attribute, else its label. Points go to one point
tier, ``events``, each marked with its label.
Intervals of one tier must not overlap (Praat cannot hold that); points of it not coincide.
An interval's other attributes (``dialogue_act``, ``soap_section``, ``language``...) go to a
parallel tier per attribute, ELAN's dependent tiers done the Praat way: tier
``"patient S2: dialogue_act"`` holds an interval at the same times as each turn of
``"patient S2"`` that has a dialogue act, its text the value (:func:`value_text`; several
choices joined by ``", "``). A tier the item's tier list keeps
(:mod:`workspace.annotation_kinds.tier_list`) that has no interval yet is written as an empty
interval tier, as Praat keeps one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError, describe
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotation_kinds.signal_marks import (
    SPEAKER_ATTRIBUTE,
    TRANSCRIPT_ATTRIBUTE,
    interval_times,
    point_time,
    tier_of,
    transcript,
)
from workspace.annotation_kinds.tier_list import (
    listed_tiers,
    tier_list_of,
    without_tier_list,
)
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, number
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.schema import AttributeDef, AttributeValue

POINT_TIER = "events"
TEXTGRID_SUFFIX = ".textgrid"
#: Between a tier's name and an attribute's in the name of the attribute's tier.
ATTRIBUTE_TIER_SEPARATOR = ": "

Interval = tuple[float, float, str]
Point = tuple[float, str]


def value_text(value: object) -> str:
    """An attribute's value as a TextGrid interval's text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value if isinstance(value, str) else repr(value)


def value_of(attribute: AttributeDef, text: str) -> AttributeValue:
    """The value :func:`value_text` wrote for ``attribute`` (ValueError if it is none)."""
    if attribute.kind == "bool":
        if text not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text == "true"
    if attribute.kind == "number":
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if attribute.kind == "multi":
        return tuple(v.strip() for v in text.split(",") if v.strip())
    return text


def _attribute_tiers(
    annotation: Annotation, tier: str, start: float, end: float
) -> list[tuple[str, Interval]]:
    attributes = annotation.data.get(ATTRIBUTES, {})
    if not isinstance(attributes, dict):
        raise ExportError(f"{describe(annotation)}: 'attributes' is not an object.")
    return [
        (f"{tier}{ATTRIBUTE_TIER_SEPARATOR}{name}", (start, end, value_text(value)))
        for name, value in attributes.items()
        if name not in (SPEAKER_ATTRIBUTE, TRANSCRIPT_ATTRIBUTE) and value_text(value)
    ]


def tiers(
    annotations: Sequence[Annotation], *, duration_s: float
) -> tuple[dict[str, list[Interval]], list[Point]]:
    """Interval tiers by name (first-seen order, each followed by its attribute tiers,
    entries by time) and the point events."""
    intervals: dict[str, list[tuple[Interval, Annotation]]] = {}
    dependents: dict[str, list[str]] = {}  # a tier's attribute tiers, first seen first
    points: list[tuple[Point, Annotation]] = []
    for annotation in annotations:
        label = annotation.label
        if not label or not label.strip():
            raise ExportError(f"{describe(annotation)} has no label.")
        try:
            if annotation.kind == INTERVAL:
                start, end = interval_times(annotation, duration_s)
                text = transcript(annotation) or label
                tier = tier_of(annotation)
                intervals.setdefault(tier, []).append(((start, end, text), annotation))
                for name, entry in _attribute_tiers(annotation, tier, start, end):
                    if name not in intervals:
                        dependents.setdefault(tier, []).append(name)
                    intervals.setdefault(name, []).append((entry, annotation))
            elif annotation.kind == POINT:
                points.append(((point_time(annotation, duration_s), label), annotation))
            else:
                raise ExportError(
                    f"{describe(annotation)} is a {annotation.kind!r} annotation; "
                    "TextGrid export takes interval and point annotations."
                )
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
    attribute_tiers = {name for names in dependents.values() for name in names}
    order = [
        name
        for tier in intervals
        if tier not in attribute_tiers
        for name in (tier, *dependents.get(tier, ()))
    ]
    result: dict[str, list[Interval]] = {}
    for tier in order:
        entries = intervals[tier]
        entries.sort(key=lambda e: e[0])
        for (before, first), (after, second) in pairwise(entries):
            if after[0] < before[1]:
                raise ExportError(
                    f"{describe(second)} overlaps {describe(first)} in tier "
                    f"{tier!r} ({after[0]:g} s < {before[1]:g} s); a TextGrid tier cannot hold "
                    "overlapping intervals."
                )
        result[tier] = [entry for entry, _ in entries]
    points.sort(key=lambda p: p[0])
    for (earlier, first), (later, second) in pairwise(points):
        if later[0] == earlier[0]:
            raise ExportError(
                f"{describe(second)} is at the same time ({later[0]:g} s) as "
                f"{describe(first)}; a TextGrid point tier cannot hold both."
            )
    return result, [point for point, _ in points]


def write_textgrid(
    annotations: Sequence[Annotation],
    out: Path,
    *,
    duration_s: float,
    empty_tiers: Sequence[str] = (),
) -> list[Path]:
    """Write ``out`` (a long-format ``.TextGrid`` of ``duration_s`` seconds), with an empty
    interval tier for each of ``empty_tiers`` that has no interval; returns ``[out]``."""
    from praatio import textgrid
    from praatio.utilities.constants import Interval as PraatInterval
    from praatio.utilities.constants import Point as PraatPoint

    if out.suffix.lower() != TEXTGRID_SUFFIX:
        raise ExportError(f"{out.name}: a TextGrid file name ends with .TextGrid.")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ExportError(f"{out.name}: the recording has no duration ({duration_s}).")
    interval_tiers, points = tiers(annotations, duration_s=duration_s)
    for name in empty_tiers:
        interval_tiers.setdefault(name, [])
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


def recording_seconds(meta: dict[str, object]) -> float:
    """The recording's length: frames / rate when recorded, else its ``duration_s``."""
    frames, rate = meta.get("frames"), meta.get("samplerate")
    if isinstance(frames, int) and isinstance(rate, int) and frames > 0 and rate > 0:
        return frames / rate
    return number(dict(meta), "duration_s")


class TextGridExporter:
    """``textgrid``: a recording's turns and events as a Praat TextGrid."""

    format_id = "textgrid"
    result_file: str | None = "annotations.TextGrid"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.TextGrid``) spanning the whole recording."""
        annotations = without_tier_list(source.annotations)
        check_schema(source.schema, annotations)
        duration = recording_seconds(source.item.meta)
        record = tier_list_of(source.annotations)
        try:
            kept = listed_tiers(record) if record is not None else []
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        names = [f"{label} {speaker}" if speaker else label for label, speaker in kept]
        return write_textgrid(annotations, out, duration_s=duration, empty_tiers=names)


register_exporter(TextGridExporter())
