"""The side panel's edits as commands: an attribute, one hint, the note, the document labels.

Each function checks what it is given against the schema and returns one undoable command
(:class:`~workspace.annotations.UpdateAnnotation` or an add); a refusal is an
:class:`~workspace.annotation_kinds.base.AnnotationKindError` the viewer shows.
"""

from __future__ import annotations

from typing import Any

from workspace.annotation_kinds.base import (
    ATTRIBUTES,
    NOTE,
    AnnotationKindError,
    checked_attributes,
)
from workspace.annotations import AddAnnotation, Annotation, AnnotationDocument, UpdateAnnotation
from workspace.commands import Command
from workspace.schema import AttributeValue, LabelSchema
from workspace.text_formats.document_labels import (
    check_document_labels,
    document_labels,
    is_document_labels,
)
from workspace.text_rules.hints import SUGGESTED_ATTRIBUTES, attribute_hints


def attributes_of(annotation: Annotation) -> dict[str, Any]:
    """``annotation``'s attribute values (empty if none)."""
    values = annotation.data.get(ATTRIBUTES)
    return dict(values) if isinstance(values, dict) else {}


def _with_hints(data: dict[str, Any], hints: dict[str, dict[str, str]]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k != SUGGESTED_ATTRIBUTES}
    if hints:
        values[SUGGESTED_ATTRIBUTES] = hints
    return values


def set_attribute(
    document: AnnotationDocument,
    schema: LabelSchema,
    annotation: Annotation,
    name: str,
    value: AttributeValue | None,
) -> Command:
    """Set attribute ``name`` of ``annotation`` to ``value`` (None: unset it); a hint on the
    same attribute is settled by the choice and dropped."""
    values = attributes_of(annotation)
    if value is None:
        values.pop(name, None)
    else:
        values[name] = value
    checked = checked_attributes(schema, annotation.label, values)
    data = {k: v for k, v in annotation.data.items() if k != ATTRIBUTES}
    if checked:
        data[ATTRIBUTES] = checked
    hints = attribute_hints(annotation)
    hints.pop(name, None)
    return UpdateAnnotation(document, annotation.id, data=_with_hints(data, hints))


def decide_hint(
    document: AnnotationDocument,
    schema: LabelSchema,
    annotation: Annotation,
    name: str,
    accept: bool,
) -> Command:
    """Accept (set its value) or reject (drop it) the hint on attribute ``name``."""
    hints = attribute_hints(annotation)
    hint = hints.pop(name, None)
    if hint is None:
        raise AnnotationKindError(f"the span has no hint on {name!r}.")
    if accept:
        return set_attribute(document, schema, annotation, name, hint["value"])
    return UpdateAnnotation(document, annotation.id, data=_with_hints(dict(annotation.data), hints))


def set_note(document: AnnotationDocument, annotation: Annotation, text: str) -> Command | None:
    """The annotator's note on ``annotation`` set to ``text`` (blank removes it); None when
    nothing changes."""
    note = text.strip()
    if note == (annotation.data.get(NOTE) or ""):
        return None
    data = {k: v for k, v in annotation.data.items() if k != NOTE}
    if note:
        data[NOTE] = note
    return UpdateAnnotation(document, annotation.id, data=data)


def document_labels_annotation(document: AnnotationDocument) -> Annotation | None:
    """The annotation holding the note's document labels (None if there is none yet)."""
    return next((a for a in document.all() if is_document_labels(a)), None)


def set_document_label(
    document: AnnotationDocument,
    schema: LabelSchema,
    item_id: str,
    name: str,
    value: AttributeValue | None,
    author: str = "",
) -> Command:
    """Set the document label ``name`` to ``value`` (None: unset it)."""
    current = document_labels_annotation(document)
    values = attributes_of(current) if current is not None else {}
    if value is None:
        values.pop(name, None)
    else:
        values[name] = value
    if current is None:
        return AddAnnotation(document, document_labels(item_id, schema, values, author=author))
    checked = check_document_labels(schema, values)
    return UpdateAnnotation(document, current.id, data={**current.data, ATTRIBUTES: checked})
