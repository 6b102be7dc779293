"""Suggestions: annotations proposed by rules, shown apart until a person accepts them.

A suggestion is an ordinary annotation of its kind (a span, a point...) whose ``data`` holds
``"suggested": {"by": <rule set id>, "rule": <rule id>}``, plus optional ``"score"``.
Viewers draw suggestions apart (e.g. dashed) and exporters leave them out; accepting one drops
the mark (the annotation becomes the accepting user's work), rejecting one deletes it. Bulk
accept and reject are single undo steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotations import (
    Annotation,
    AnnotationDocument,
    DeleteAnnotation,
    UpdateAnnotation,
)
from workspace.commands import Command
from workspace.segmentation.compound import CompoundCommand

#: ``data`` key marking a suggestion: ``{"by": rule set id, "rule": rule id}``.
SUGGESTED = "suggested"


def suggested(data: Mapping[str, Any], by: str, rule: str) -> dict[str, Any]:
    """``data`` marked as suggested by rule ``rule`` of rule set ``by``."""
    if not by or not rule:
        raise AnnotationKindError("a suggestion names its rule set and rule.")
    return {**data, SUGGESTED: {"by": by, "rule": rule}}


def is_suggestion(annotation: Annotation) -> bool:
    """True while ``annotation`` is a suggestion nobody has accepted."""
    return isinstance(annotation.data.get(SUGGESTED), dict)


def suggestion_of(annotation: Annotation) -> dict[str, str] | None:
    """The ``{"by", "rule"}`` that suggested ``annotation`` (None once accepted or if drawn)."""
    mark = annotation.data.get(SUGGESTED)
    if isinstance(mark, dict):
        return {"by": str(mark.get("by", "")), "rule": str(mark.get("rule", ""))}
    return None


def _suggestions(document: AnnotationDocument, ids: Iterable[str]) -> list[Annotation]:
    found = [document.get(i) for i in dict.fromkeys(ids) if i in document]
    picked = [a for a in found if is_suggestion(a)]
    if not picked:
        raise AnnotationKindError("none of the chosen annotations is a suggestion.")
    return picked


def accept_suggestions(document: AnnotationDocument, ids: Iterable[str]) -> Command:
    """One undo step accepting the suggestions among ``ids`` (others are left alone)."""
    parts: list[Command] = []
    for annotation in _suggestions(document, ids):
        data = {k: v for k, v in annotation.data.items() if k != SUGGESTED}
        parts.append(UpdateAnnotation(document, annotation.id, data=data))
    return CompoundCommand(f"accept {len(parts)} suggestion(s)", parts)


def reject_suggestions(document: AnnotationDocument, ids: Iterable[str]) -> Command:
    """One undo step deleting the suggestions among ``ids`` (others are left alone)."""
    parts: list[Command] = [DeleteAnnotation(document, a.id) for a in _suggestions(document, ids)]
    return CompoundCommand(f"reject {len(parts)} suggestion(s)", parts)
