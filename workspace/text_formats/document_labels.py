"""Document labels of a note (note type, specialty...): the schema's item-level attributes.

Stored as one annotation of kind :data:`~workspace.annotation_kinds.names.CLASSIFICATION`
on the text item, with no label and ``data = {"attributes": {name: value}}``; every name is
an attribute of the schema without ``applies_to`` (one that describes the whole item).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError, checked_attributes
from workspace.annotation_kinds.names import CLASSIFICATION
from workspace.annotations import Annotation
from workspace.schema import LabelSchema, UnknownAttributeError


def is_document_labels(annotation: Annotation) -> bool:
    """True for the annotation holding a note's document labels."""
    return annotation.kind == CLASSIFICATION and annotation.label is None


def document_labels_of(annotations: Sequence[Annotation]) -> dict[str, Any]:
    """The document labels among ``annotations`` (later annotations win a name)."""
    labels: dict[str, Any] = {}
    for annotation in annotations:
        if is_document_labels(annotation):
            values = annotation.data.get(ATTRIBUTES, {})
            if not isinstance(values, dict):
                raise AnnotationKindError("the note's document labels are not an object.")
            labels.update(values)
    return labels


def check_document_labels(schema: LabelSchema, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` checked as item-level attributes of ``schema`` (AnnotationKindError)."""
    for name in values:
        try:
            attribute = schema.attribute_named(name)
        except UnknownAttributeError as exc:
            raise AnnotationKindError(str(exc)) from None
        if not attribute.applies(None):
            raise AnnotationKindError(
                f"attribute {name!r} of schema {schema.id} describes a span, not the note."
            )
    return checked_attributes(schema, None, values)


def document_labels(
    item_id: str,
    schema: LabelSchema,
    values: Mapping[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """The annotation holding ``values`` as the note's document labels (checked)."""
    checked = check_document_labels(schema, values)
    return Annotation(
        item_id, CLASSIFICATION, None, {**(data or {}), ATTRIBUTES: checked}, author=author
    )
