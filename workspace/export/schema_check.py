"""Before an annotation format is written: every label, attribute and relation in the schema."""

from __future__ import annotations

from collections.abc import Sequence

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError, describe
from workspace.annotation_kinds.names import RELATION
from workspace.annotation_kinds.relations import (
    check_relation_type,
    relation_ends,
    relation_type,
)
from workspace.annotations import Annotation
from workspace.export.base import ExportError
from workspace.schema import (
    AttributeValueError,
    LabelSchema,
    UnknownAttributeError,
    UnknownLabelError,
)


def _check_relation(
    schema: LabelSchema, annotation: Annotation, by_id: dict[str, Annotation]
) -> None:
    """The relation's type is in the schema and may link the labels of its two spans."""
    ends = relation_ends(annotation)
    source, target = (by_id.get(ends[0]), by_id.get(ends[1])) if ends else (None, None)
    label = annotation.label or ""
    try:
        if source is None or target is None:  # the writer names the missing end
            relation_type(schema, label)
        else:
            check_relation_type(schema, label, source.label or "", target.label or "")
    except AnnotationKindError as exc:
        raise ExportError(f"{describe(annotation)}: {exc}") from None


def check_schema(schema: LabelSchema, annotations: Sequence[Annotation]) -> None:
    """Every label, attribute and relation of ``annotations`` is one the schema defines."""
    by_id = {a.id: a for a in annotations}
    for annotation in annotations:
        if annotation.kind == RELATION:
            _check_relation(schema, annotation, by_id)
            continue
        name, label = describe(annotation), annotation.label
        if not label:
            raise ExportError(f"{name} has no label.")
        attributes = annotation.data.get(ATTRIBUTES, {})
        if not isinstance(attributes, dict):
            raise ExportError(f"{name}: 'attributes' is not an object.")
        try:
            schema.class_named(label)
            for key, value in attributes.items():
                schema.check_attribute(str(key), value, label)
        except (UnknownLabelError, UnknownAttributeError, AttributeValueError) as exc:
            raise ExportError(f"{name}: {exc}") from None
