"""Attaching codes to an annotation and taking them off: undoable commands.

Both build an :class:`UpdateAnnotation` whose data is checked by
:func:`~workspace.annotation_kinds.codes.with_codes` (the schema's code systems, the class's
``coded_with``), so a code goes on a span, and comes off it, as one undo step.
"""

from __future__ import annotations

from collections.abc import Sequence

from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.codes import AnnotationCode, codes_of, with_codes
from workspace.annotations import AnnotationDocument, UpdateAnnotation
from workspace.commands import Command
from workspace.schema import LabelSchema, UnknownLabelError


def attach_code(
    document: AnnotationDocument,
    annotation_id: str,
    code: AnnotationCode,
    *,
    schema: LabelSchema | None = None,
) -> Command:
    """A command adding ``code`` to the annotation's codes (refused if it is already there)."""
    annotation = document.get(annotation_id)
    codes = codes_of(annotation)
    if code in codes:
        raise AnnotationKindError(f"{code.system} {code.code} is already attached.")
    data = with_codes(annotation.data, [*codes, code], schema=schema, label=annotation.label)
    return UpdateAnnotation(document, annotation_id, data=data)


def detach_code(document: AnnotationDocument, annotation_id: str, code: AnnotationCode) -> Command:
    """A command removing ``code`` (matched by system and code) from the annotation."""
    annotation = document.get(annotation_id)
    codes = codes_of(annotation)
    kept = [c for c in codes if (c.system, c.code) != (code.system, code.code)]
    if len(kept) == len(codes):
        raise AnnotationKindError(f"{code.system} {code.code} is not attached.")
    return UpdateAnnotation(document, annotation_id, data=with_codes(annotation.data, kept))


def systems_for(
    schema: LabelSchema | None, label: str | None, available: Sequence[str]
) -> list[str]:
    """The systems among ``available`` an annotation of class ``label`` may be coded with.

    A class's ``coded_with`` limits them; a class without it takes any system the schema
    declares; with no schema every available system is offered.
    """
    if schema is None:
        return list(available)
    allowed: Sequence[str] = [s.id for s in schema.code_systems]
    if label is not None:
        try:
            allowed = schema.class_named(label).coded_with or allowed
        except UnknownLabelError:
            return []
    return [s for s in available if s in allowed]
