"""Points and intervals on a waveform (in samples) or a recording (in seconds).

One pair of kinds serves both the waveform and the audio modality; which clock an annotation
uses shows in its keys. Layouts of ``data``:

- :data:`~workspace.annotation_kinds.names.POINT` in samples — ``{"sample": int}``: a beat or
  other event at one sample (0 = the record's first); in seconds — ``{"time_s": float}``;
- :data:`~workspace.annotation_kinds.names.INTERVAL` in samples — ``{"start": int, "end": int}``
  (end exclusive); in seconds — ``{"start_s": float, "end_s": float}``.

Optional on any of them: ``channel`` (int 0-255, the signal it was seen in, else 0);
``code`` and ``aux`` (a WFDB annotation symbol and aux_note read from a file, kept as they
were); ``attributes`` and ``note``. An audio interval is a speaker turn or an event: its tier is
its label plus its ``speaker_id`` attribute (``"patient S2"``) and its text is its
``transcript`` attribute — the text a span with ``transcript_of`` indexes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from workspace.annotation_kinds.base import (
    ATTRIBUTES,
    AnnotationKindError,
    checked_attributes,
    describe,
    integer,
)
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotations import Annotation
from workspace.schema import AttributeValue, LabelSchema

CHANNEL = "channel"
CODE = "code"
AUX = "aux"
#: The audio attributes naming a turn's speaker and holding what was said.
SPEAKER_ATTRIBUTE = "speaker_id"
TRANSCRIPT_ATTRIBUTE = "transcript"
MAX_CHANNEL = 255


# ---------------------------------------------------------------------- readers
def sample_at(annotation: Annotation, key: str, samples: int | None) -> int:
    """``data[key]`` checked as a sample of the record (an interval's end may be just past it)."""
    value = integer(annotation.data.get(key))
    if value is None or value < 0:
        raise AnnotationKindError(
            f"{describe(annotation)}: {key!r} must be a sample number (an integer >= 0)."
        )
    last = None if samples is None else samples if key == "end" else samples - 1
    if last is not None and value > last:
        raise AnnotationKindError(
            f"{describe(annotation)}: {key} {value} is past the end of the record "
            f"({samples} samples)."
        )
    return value


def seconds_at(annotation: Annotation, key: str, duration_s: float | None) -> float:
    """``data[key]`` checked as a time in seconds inside the recording."""
    value = annotation.data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AnnotationKindError(f"{describe(annotation)}: {key!r} must be a time in seconds.")
    if value < 0 or (duration_s is not None and value > duration_s):
        raise AnnotationKindError(
            f"{describe(annotation)}: {key} {value:g} s is outside the recording "
            f"(0-{duration_s:g} s)."
            if duration_s is not None
            else f"{describe(annotation)}: {key} {value:g} s is before the recording starts."
        )
    return float(value)


def _ordered(annotation: Annotation, start: float, end: float, unit: str = "") -> None:
    if end <= start:
        raise AnnotationKindError(
            f"{describe(annotation)}: the interval ends ({end:g}{unit}) before it starts "
            f"({start:g}{unit})."
        )


def point_sample(annotation: Annotation, samples: int | None = None) -> int:
    """The sample of a point on a waveform."""
    return sample_at(annotation, "sample", samples)


def interval_samples(annotation: Annotation, samples: int | None = None) -> tuple[int, int]:
    """``(start, end)`` samples of an interval on a waveform (end exclusive)."""
    start, end = sample_at(annotation, "start", samples), sample_at(annotation, "end", samples)
    _ordered(annotation, start, end)
    return start, end


def point_time(annotation: Annotation, duration_s: float | None = None) -> float:
    """The time (s) of a point in a recording."""
    return seconds_at(annotation, "time_s", duration_s)


def interval_times(annotation: Annotation, duration_s: float | None = None) -> tuple[float, float]:
    """``(start_s, end_s)`` of an interval in a recording."""
    start = seconds_at(annotation, "start_s", duration_s)
    end = seconds_at(annotation, "end_s", duration_s)
    _ordered(annotation, start, end, " s")
    return start, end


def channel_of(annotation: Annotation) -> int:
    """The channel an event was seen in (0 when not given)."""
    channel = integer(annotation.data.get(CHANNEL, 0))
    if channel is None or not 0 <= channel <= MAX_CHANNEL:
        raise AnnotationKindError(f"{describe(annotation)}: 'channel' must be 0-{MAX_CHANNEL}.")
    return channel


def attribute_text(annotation: Annotation, name: str) -> str:
    """A text attribute, stripped ("" if absent)."""
    attributes = annotation.data.get(ATTRIBUTES, {})
    if not isinstance(attributes, dict):
        raise AnnotationKindError(f"{describe(annotation)}: 'attributes' is not an object.")
    value = attributes.get(name)
    return value.strip() if isinstance(value, str) else ""


def tier_of(annotation: Annotation) -> str:
    """An audio interval's tier: its label, plus its speaker when it has one."""
    speaker = attribute_text(annotation, SPEAKER_ATTRIBUTE)
    label = annotation.label or ""
    return f"{label} {speaker}" if speaker else label


def transcript(annotation: Annotation) -> str:
    """What was said in an audio interval ("" if not transcribed)."""
    return attribute_text(annotation, TRANSCRIPT_ATTRIBUTE)


# ---------------------------------------------------------------------- constructors
def _mark(
    item_id: str,
    kind: str,
    label: str,
    values: dict[str, Any],
    schema: LabelSchema | None,
    attributes: Mapping[str, AttributeValue] | None,
    data: Mapping[str, Any] | None,
    author: str,
) -> Annotation:
    if not label or not label.strip():
        raise AnnotationKindError(f"a {kind} needs a label.")
    checked = checked_attributes(schema, label, attributes or {})
    merged = {**(data or {}), **values}
    if checked:
        merged[ATTRIBUTES] = checked
    annotation = Annotation(item_id, kind, label, merged, author=author)
    if CHANNEL in merged:
        channel_of(annotation)
    return annotation


def _wfdb(channel: int | None, code: str | None, aux: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if channel is not None:
        values[CHANNEL] = channel
    if code:
        values[CODE] = code
    if aux:
        values[AUX] = aux
    return values


def sample_point(
    item_id: str,
    sample: int,
    label: str,
    *,
    samples: int | None = None,
    channel: int | None = None,
    code: str | None = None,
    aux: str | None = None,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """A point at ``sample`` of a record of ``samples`` samples (a beat, an event)."""
    values = {"sample": sample, **_wfdb(channel, code, aux)}
    annotation = _mark(item_id, POINT, label, values, schema, attributes, data, author)
    point_sample(annotation, samples)
    return annotation


def sample_interval(
    item_id: str,
    start: int,
    end: int,
    label: str,
    *,
    samples: int | None = None,
    channel: int | None = None,
    code: str | None = None,
    aux: str | None = None,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """An interval of samples ``start..end`` (end exclusive): a rhythm, noise, an episode."""
    values = {"start": start, "end": end, **_wfdb(channel, code, aux)}
    annotation = _mark(item_id, INTERVAL, label, values, schema, attributes, data, author)
    interval_samples(annotation, samples)
    return annotation


def time_point(
    item_id: str,
    time_s: float,
    label: str,
    *,
    duration_s: float | None = None,
    channel: int | None = None,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """A point at ``time_s`` seconds of a recording (a cough, a click)."""
    values = {"time_s": time_s, **_wfdb(channel, None, None)}
    annotation = _mark(item_id, POINT, label, values, schema, attributes, data, author)
    point_time(annotation, duration_s)
    return annotation


def time_interval(
    item_id: str,
    start_s: float,
    end_s: float,
    label: str,
    *,
    duration_s: float | None = None,
    speaker: str | None = None,
    text: str | None = None,
    channel: int | None = None,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """An interval of a recording: a speaker turn (``speaker``, transcript ``text``) or event."""
    values = {"start_s": start_s, "end_s": end_s, **_wfdb(channel, None, None)}
    merged = dict(attributes or {})
    if speaker:
        merged[SPEAKER_ATTRIBUTE] = speaker
    if text:
        merged[TRANSCRIPT_ATTRIBUTE] = text
    annotation = _mark(item_id, INTERVAL, label, values, schema, merged, data, author)
    interval_times(annotation, duration_s)
    return annotation
