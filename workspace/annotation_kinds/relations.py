"""Relations: a typed, directed link from one span to another of the same item.

Layout (kind :data:`~workspace.annotation_kinds.names.RELATION`): ``label`` is the relation
type, ``data = {"from": span id, "to": span id}``, optionally ``attributes`` and ``note``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workspace.annotation_kinds.base import ATTRIBUTES, NOTE, AnnotationKindError
from workspace.annotation_kinds.names import RELATION, SPAN
from workspace.annotations import Annotation
from workspace.schema import LabelSchema, RelationType

FROM = "from"
TO = "to"


def relation_type(schema: LabelSchema, label: str) -> RelationType:
    """The relation type ``label`` of ``schema`` (AnnotationKindError naming the known ones)."""
    found = next((r for r in schema.relation_types if r.name == label), None)
    if found is None:
        known = ", ".join(r.name for r in schema.relation_types) or "(none)"
        raise AnnotationKindError(
            f"unknown relation type {label!r} in schema {schema.id}; known: {known}"
        )
    return found


def check_relation_type(schema: LabelSchema, label: str, source: str, target: str) -> None:
    """``label`` is a relation type of ``schema`` that may link ``source`` to ``target``."""
    if not relation_type(schema, label).allows(source, target):
        raise AnnotationKindError(
            f"a {label!r} relation cannot go from {source!r} to {target!r} in schema {schema.id}."
        )


def relation(
    source: Annotation,
    target: Annotation,
    label: str,
    *,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, Any] | None = None,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """A ``label`` relation from span ``source`` to span ``target`` (both of one item)."""
    if source.kind != SPAN or target.kind != SPAN:
        raise AnnotationKindError("a relation links two spans.")
    if source.item_id != target.item_id:
        raise AnnotationKindError("a relation links two spans of the same item.")
    if source.id == target.id:
        raise AnnotationKindError("a relation links two different spans.")
    if schema is not None:
        check_relation_type(schema, label, source.label or "", target.label or "")
    values: dict[str, Any] = {**(data or {}), FROM: source.id, TO: target.id}
    if attributes:
        values[ATTRIBUTES] = dict(attributes)
    if note and note.strip():
        values[NOTE] = note
    return Annotation(source.item_id, RELATION, label, values, author=author)


def relation_ends(annotation: Annotation) -> tuple[str, str] | None:
    """``(from id, to id)`` of a relation, None if either is missing."""
    ends = annotation.data.get(FROM), annotation.data.get(TO)
    if annotation.kind != RELATION or not all(isinstance(end, str) for end in ends):
        return None
    return str(ends[0]), str(ends[1])
