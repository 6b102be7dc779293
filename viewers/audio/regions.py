"""Regions of a recording in tiers, as ELAN shows them, read from and written as annotations.

A region is an ``interval`` annotation in seconds (:mod:`workspace.annotation_kinds.signal_marks`):
its label is the speaker's role or the event (``patient``, ``cough``), its ``speaker_id``
attribute tells speakers of one role apart, its ``transcript`` attribute is what was said. Its
tier is :func:`~workspace.annotation_kinds.signal_marks.tier_of` (label and speaker), so one tier
is one speaker and what a TextGrid or RTTM export writes is what the viewer shows. Entity spans
inside a transcript are ``span`` annotations whose ``transcript_of`` names the region.

A tier the annotator added before drawing on it is listed in the item's tier-list record
(:mod:`workspace.annotation_kinds.tier_list`), so it is still there when the item is reopened.

This module builds the commands the viewer pushes (no Qt): a region with its spans, moved,
relabelled, retranscribed (spans follow their text, or go when it is gone), a tier added or
renamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError, with_attribute
from workspace.annotation_kinds.names import INTERVAL, SPAN
from workspace.annotation_kinds.signal_marks import (
    SPEAKER_ATTRIBUTE,
    TRANSCRIPT_ATTRIBUTE,
    attribute_text,
    interval_times,
    time_interval,
)
from workspace.annotation_kinds.spans import TRANSCRIPT_OF, span, span_extent
from workspace.annotation_kinds.tier_list import listed_tiers, tier_list, tier_list_of
from workspace.annotations import (
    AddAnnotation,
    Annotation,
    AnnotationDocument,
    DeleteAnnotation,
    UpdateAnnotation,
)
from workspace.commands import Command
from workspace.schema import LabelSchema
from workspace.segmentation.compound import CompoundCommand


@dataclass(frozen=True, order=True)
class Tier:
    """One row of regions: a role or event label and, for a speaker, the speaker's id."""

    label: str
    speaker: str = ""

    @property
    def name(self) -> str:
        """As :func:`~workspace.annotation_kinds.signal_marks.tier_of` names it."""
        return f"{self.label} {self.speaker}" if self.speaker else self.label


@dataclass(frozen=True)
class Region:
    """A region as the tiers draw it."""

    id: str
    start: float
    end: float
    tier: Tier
    transcript: str


def region_of(annotation: Annotation) -> Region | None:
    """The region of an interval annotation in seconds (None for anything else or a bad one)."""
    if annotation.kind != INTERVAL or "start_s" not in annotation.data:
        return None
    try:
        start, end = interval_times(annotation)
        speaker = attribute_text(annotation, SPEAKER_ATTRIBUTE)
        text = attribute_text(annotation, TRANSCRIPT_ATTRIBUTE)
    except AnnotationKindError:
        return None
    return Region(annotation.id, start, end, Tier(annotation.label or "", speaker), text)


def regions_of(annotations: Iterable[Annotation]) -> list[Region]:
    """Every region, in time order."""
    found = [r for r in map(region_of, annotations) if r is not None]
    return sorted(found, key=lambda r: (r.start, r.end))


def tiers_of(regions: Iterable[Region], extra: Sequence[Tier] = ()) -> list[Tier]:
    """The tiers of ``regions`` and the ``extra`` ones (added, still empty), each once, sorted."""
    return sorted({*extra, *(r.tier for r in regions)})


def saved_tiers(annotations: Iterable[Annotation]) -> list[Tier]:
    """The tiers the item's tier-list record keeps (none if it has none or a bad one)."""
    record = tier_list_of(annotations)
    if record is None:
        return []
    try:
        return [Tier(label, speaker) for label, speaker in listed_tiers(record)]
    except AnnotationKindError:
        return []


def spans_of(annotations: Iterable[Annotation], region_id: str) -> list[Annotation]:
    """The entity spans inside the transcript of ``region_id``, in text order."""
    found = [a for a in annotations if a.kind == SPAN and a.data.get(TRANSCRIPT_OF) == region_id]
    return sorted(found, key=lambda a: span_extent(a) or (0, 0))


# ---------------------------------------------------------------------- commands
def _attributes(annotation: Annotation) -> dict[str, Any]:
    stored = annotation.data.get(ATTRIBUTES, {})
    return dict(stored) if isinstance(stored, dict) else {}


def _rebuilt(
    annotation: Annotation,
    schema: LabelSchema | None,
    *,
    label: str | None = None,
    start: float | None = None,
    end: float | None = None,
    attributes: dict[str, Any] | None = None,
    duration: float | None = None,
) -> Annotation:
    """``annotation`` with some of its parts replaced, checked by the kind's constructor."""
    label = label if label is not None else annotation.label or ""
    current = interval_times(annotation)
    values = attributes if attributes is not None else _attributes(annotation)
    if schema is not None:  # attributes that do not apply to the (new) label are dropped
        allowed = {a.name for a in schema.attributes_for(label)}
        values = {k: v for k, v in values.items() if k in allowed}
    values = {k: v for k, v in values.items() if v not in ("", None)}
    extra = {k: v for k, v in annotation.data.items() if k not in ("start_s", "end_s", ATTRIBUTES)}
    return time_interval(
        annotation.item_id,
        current[0] if start is None else start,
        current[1] if end is None else end,
        label,
        duration_s=duration,
        schema=schema,
        attributes=values,
        data=extra,
        author=annotation.author,
    )


def _update(document: AnnotationDocument, before: Annotation, after: Annotation) -> Command:
    return UpdateAnnotation(document, before.id, label=after.label, data=after.data)


def add_region(
    document: AnnotationDocument,
    tier: Tier,
    start: float,
    end: float,
    *,
    schema: LabelSchema | None,
    duration: float,
    author: str,
) -> AddAnnotation:
    """A new region on ``tier`` from ``start`` to ``end`` seconds."""
    annotation = time_interval(
        document.item_id,
        round(min(start, end), 4),
        round(max(start, end), 4),
        tier.label,
        duration_s=duration,
        speaker=tier.speaker or None,
        schema=schema,
        author=author,
    )
    return AddAnnotation(document, annotation)


def move_region(
    document: AnnotationDocument,
    region_id: str,
    start: float,
    end: float,
    *,
    schema: LabelSchema | None,
    duration: float,
) -> Command:
    """The region moved or resized to ``start .. end`` seconds."""
    before = document.get(region_id)
    low, high = round(min(start, end), 4), round(max(start, end), 4)
    after = _rebuilt(before, schema, start=low, end=high, duration=duration)
    return _update(document, before, after)


def relabel_region(
    document: AnnotationDocument, region_id: str, label: str, *, schema: LabelSchema | None
) -> Command:
    """The region labelled ``label`` (attributes the label has no room for are dropped)."""
    before = document.get(region_id)
    return _update(document, before, _rebuilt(before, schema, label=label))


def delete_region(document: AnnotationDocument, region_id: str) -> Command:
    """The region removed, with the spans inside its transcript."""
    annotation = document.get(region_id)
    parts: list[Command] = [
        DeleteAnnotation(document, s.id) for s in spans_of(document.all(), region_id)
    ]
    parts.append(DeleteAnnotation(document, region_id))
    return CompoundCommand(f"delete {annotation.label or 'region'}", parts)


def _follow(old_text: str, new_text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where ``old_text[start:end]`` is in ``new_text`` (nearest its old place), or None."""
    piece = old_text[start:end]
    if new_text[start:end] == piece:
        return start, end
    places = []
    at = new_text.find(piece)
    while at >= 0:
        places.append(at)
        at = new_text.find(piece, at + 1)
    if not places:
        return None
    best = min(places, key=lambda p: abs(p - start))
    return best, best + len(piece)


def set_transcript(
    document: AnnotationDocument, region_id: str, text: str, *, schema: LabelSchema | None
) -> Command | None:
    """The region's transcript set to ``text`` (None if unchanged). Its spans follow their
    text to where it now is, or are removed when it is gone."""
    before = document.get(region_id)
    old = attribute_text(before, TRANSCRIPT_ATTRIBUTE)
    text = text.strip()
    if text == old:
        return None
    attributes = {**_attributes(before), TRANSCRIPT_ATTRIBUTE: text}
    parts: list[Command] = [
        _update(document, before, _rebuilt(before, schema, attributes=attributes))
    ]
    for entity in spans_of(document.all(), region_id):
        extent = span_extent(entity)
        moved = _follow(old, text, *extent) if extent is not None else None
        if moved is None:
            parts.append(DeleteAnnotation(document, entity.id))
        elif moved != extent:
            data = {**entity.data, "start": moved[0], "end": moved[1]}
            data.pop("fragments", None)
            parts.append(UpdateAnnotation(document, entity.id, data=data))
    if len(parts) == 1:
        return parts[0]
    return CompoundCommand("edit transcript", parts)


def set_region_attribute(
    document: AnnotationDocument,
    region_id: str,
    name: str,
    value: object,
    *,
    schema: LabelSchema | None,
) -> Command | None:
    """The region's attribute ``name`` set to ``value`` (None, "" or []: removed), checked
    against the schema; None if unchanged."""
    before = document.get(region_id)
    attributes = with_attribute(_attributes(before), name, value)
    if attributes is None:
        return None
    return _update(document, before, _rebuilt(before, schema, attributes=attributes))


def add_transcript_span(
    document: AnnotationDocument,
    region_id: str,
    start: int,
    end: int,
    label: str,
    *,
    schema: LabelSchema | None,
    author: str,
) -> AddAnnotation:
    """An entity span labelled ``label`` over ``start .. end`` of the region's transcript."""
    text = attribute_text(document.get(region_id), TRANSCRIPT_ATTRIBUTE)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    annotation = span(
        document.item_id,
        text,
        [(start, end)],
        label,
        schema=schema,
        transcript_of=region_id,
        author=author,
    )
    return AddAnnotation(document, annotation)


def _listing(document: AnnotationDocument, tiers: list[Tier], author: str) -> Command:
    """The tier-list record set to ``tiers`` (added when the item has none)."""
    record = tier_list_of(document.all())
    made = tier_list(document.item_id, [(t.label, t.speaker) for t in tiers], author=author)
    if record is None:
        return AddAnnotation(document, made)
    return UpdateAnnotation(document, record.id, data=made.data)


def keep_tiers(
    document: AnnotationDocument,
    tiers: Sequence[Tier],
    *,
    schema: LabelSchema | None,
    author: str,
) -> Command | None:
    """``tiers`` kept in the item's tier list, after those it has (None if all are listed)."""
    for tier in tiers:  # a region must be possible on each: its label and speaker are checked
        time_interval(
            document.item_id, 0.0, 1.0, tier.label, speaker=tier.speaker or None, schema=schema
        )
    listed = saved_tiers(document.all())
    added = [t for t in dict.fromkeys(tiers) if t not in listed]
    if not added:
        return None
    return _listing(document, [*listed, *added], author)


def rename_tier(
    document: AnnotationDocument,
    tier: Tier,
    new: Tier,
    *,
    schema: LabelSchema | None,
) -> Command | None:
    """Every region of ``tier`` moved to the tier ``new``, and the tier renamed in the tier
    list (None if the tier has no regions and is not listed)."""
    parts: list[Command] = []
    listed = saved_tiers(document.all())
    if tier in listed:
        renamed = [new if t == tier else t for t in listed]
        record = tier_list_of(document.all())
        parts.append(_listing(document, renamed, record.author if record else ""))
    for region in regions_of(document.all()):
        if region.tier != tier:
            continue
        before = document.get(region.id)
        attributes = {**_attributes(before), SPEAKER_ATTRIBUTE: new.speaker}
        after = _rebuilt(before, schema, label=new.label, attributes=attributes)
        parts.append(_update(document, before, after))
    if not parts:
        return None
    return CompoundCommand(f"rename tier {tier.name} to {new.name}", parts)
