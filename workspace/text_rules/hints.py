"""Attribute hints: rule-proposed attribute values on a span, shown apart until accepted.

A span's ``data["suggested_attributes"]`` is ``{attribute: {"value", "by", "rule"}}``. Unlike
a suggested annotation (:mod:`workspace.annotation_kinds.suggestions`), the span itself is
someone's work: accepting a hint moves its value into ``data["attributes"]``, rejecting it
drops the hint, and the span stays either way. Bulk accept and reject are one undo step each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError
from workspace.annotations import Annotation, AnnotationDocument, UpdateAnnotation
from workspace.commands import Command
from workspace.segmentation.compound import CompoundCommand

#: ``data`` key of an annotation's hinted attribute values.
SUGGESTED_ATTRIBUTES = "suggested_attributes"


def attribute_hints(annotation: Annotation) -> dict[str, dict[str, str]]:
    """``{attribute: {"value", "by", "rule"}}`` hinted on ``annotation`` (empty if none)."""
    hints = annotation.data.get(SUGGESTED_ATTRIBUTES)
    return {k: dict(v) for k, v in hints.items()} if isinstance(hints, dict) else {}


def with_hints(
    annotation: Annotation, hints: Mapping[str, tuple[str, str]], by: str
) -> dict[str, Any] | None:
    """``annotation``'s data with ``{attribute: (value, rule)}`` hinted by rule set ``by``;
    attributes already set or already hinted are left alone (None if nothing is new)."""
    attributes = annotation.data.get(ATTRIBUTES) or {}
    current = attribute_hints(annotation)
    new = {
        name: {"value": value, "by": by, "rule": rule}
        for name, (value, rule) in hints.items()
        if name not in attributes and name not in current
    }
    if not new:
        return None
    return {**annotation.data, SUGGESTED_ATTRIBUTES: {**current, **new}}


def _hinted(document: AnnotationDocument, ids: Iterable[str]) -> list[Annotation]:
    found = [document.get(i) for i in dict.fromkeys(ids) if i in document]
    picked = [a for a in found if attribute_hints(a)]
    if not picked:
        raise AnnotationKindError("none of the chosen annotations has attribute hints.")
    return picked


def _without_hints(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != SUGGESTED_ATTRIBUTES}


def accept_attribute_hints(document: AnnotationDocument, ids: Iterable[str]) -> Command:
    """One undo step setting the hinted values of the annotations among ``ids``."""
    parts: list[Command] = []
    for annotation in _hinted(document, ids):
        accepted = {name: hint["value"] for name, hint in attribute_hints(annotation).items()}
        attributes = {**(annotation.data.get(ATTRIBUTES) or {}), **accepted}
        data = {**_without_hints(annotation.data), ATTRIBUTES: attributes}
        parts.append(UpdateAnnotation(document, annotation.id, data=data))
    return CompoundCommand(f"accept hints on {len(parts)} span(s)", parts)


def reject_attribute_hints(document: AnnotationDocument, ids: Iterable[str]) -> Command:
    """One undo step dropping the hints of the annotations among ``ids`` (spans stay)."""
    parts: list[Command] = [
        UpdateAnnotation(document, a.id, data=_without_hints(a.data))
        for a in _hinted(document, ids)
    ]
    return CompoundCommand(f"reject hints on {len(parts)} span(s)", parts)
