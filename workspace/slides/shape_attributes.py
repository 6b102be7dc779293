"""Commands setting a slide shape's schema attributes and changing its class (of one shape, or
of many at once: the class palette's *Set selected*).

Qt-free: the slide viewer's region attribute editor builds its edits here. Each is one
:class:`~workspace.annotations.UpdateAnnotation` (one undo step, stored at once), checked
against the schema (:class:`~workspace.annotation_kinds.base.AnnotationKindError` for a value
or class it does not allow), or None when nothing would change.
"""

from __future__ import annotations

from typing import Any

from workspace.annotation_kinds.base import (
    ATTRIBUTES,
    AnnotationKindError,
    checked_attributes,
    describe,
    with_attribute,
)
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotations import Annotation, AnnotationDocument, UpdateAnnotation
from workspace.commands import Command
from workspace.schema import LabelSchema
from workspace.segmentation.compound import CompoundCommand


def _check_kind(annotation: Annotation) -> None:
    """Refuse anything but a slide shape. Its geometry was checked when it was stored, and a
    class or attribute edit does not change it (re-checking cost 0.35 ms a shape)."""
    if annotation.kind != SLIDE_SHAPE:
        raise AnnotationKindError(f"{describe(annotation)} is not a slide shape.")


def shape_attributes(annotation: Annotation) -> dict[str, Any]:
    """A copy of the shape's attributes (``{}`` when it has none)."""
    found = annotation.data.get(ATTRIBUTES)
    return dict(found) if isinstance(found, dict) else {}


def _with(annotation: Annotation, attributes: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in annotation.data.items() if k != ATTRIBUTES}
    if attributes:
        data[ATTRIBUTES] = attributes
    return data


def set_shape_attribute(
    document: AnnotationDocument,
    annotation_id: str,
    name: str,
    value: object,
    schema: LabelSchema | None,
) -> Command | None:
    """The shape's attribute ``name`` set to ``value`` (None, "" or []: removed)."""
    annotation = document.get(annotation_id)
    _check_kind(annotation)
    attributes = with_attribute(shape_attributes(annotation), name, value)
    if attributes is None:
        return None
    checked = checked_attributes(schema, annotation.label, attributes)
    return UpdateAnnotation(document, annotation_id, data=_with(annotation, checked))


def set_shape_class(
    document: AnnotationDocument, annotation_id: str, label: str, schema: LabelSchema | None
) -> Command | None:
    """The shape given class ``label``; attributes the new class may not carry are dropped
    (undo brings them back with the old class)."""
    annotation = document.get(annotation_id)
    _check_kind(annotation)
    if label == annotation.label:
        return None
    attributes = shape_attributes(annotation)
    if schema is not None:
        allowed = {a.name for a in schema.attributes_for(label)}
        attributes = {k: v for k, v in attributes.items() if k in allowed}
    checked = checked_attributes(schema, label, attributes)
    return UpdateAnnotation(document, annotation_id, label=label, data=_with(annotation, checked))


def set_shapes_class(
    document: AnnotationDocument, annotation_ids: list[str], label: str, schema: LabelSchema | None
) -> Command | None:
    """Every shape of ``annotation_ids`` given class ``label`` as one command (one undo step
    restores each shape's old class and attributes); None when none would change."""
    parts = [
        part
        for annotation_id in dict.fromkeys(annotation_ids)
        if (part := set_shape_class(document, annotation_id, label, schema)) is not None
    ]
    if not parts:
        return None
    return CompoundCommand(f"set the class of {len(parts)} shape(s) to {label}", parts)
