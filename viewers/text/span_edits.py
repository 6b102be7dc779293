"""The text viewer's edits of spans, each one command (one undo step). Qt-free.

Relabel keeps the attributes the new label allows; delete takes the span's relations with
it; a span's fragments change by a word at a time or by adding a fragment (a discontinuous
span); "label all matches" adds every match in one step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError, checked_attributes
from workspace.annotation_kinds.names import RELATION
from workspace.annotation_kinds.relations import relation_ends
from workspace.annotation_kinds.spans import Fragment, fragments_of, span
from workspace.annotations import (
    AddAnnotations,
    Annotation,
    AnnotationDocument,
    DeleteAnnotation,
    UpdateAnnotation,
)
from workspace.commands import Command
from workspace.schema import LabelSchema
from workspace.segmentation.compound import CompoundCommand

#: A word: letters, digits and the combining marks on them (``e`` + U+0301 is one letter).
_WORD = re.compile(r"\w[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*")
_GEOMETRY = ("start", "end", "text", "fragments")


def relabel(
    document: AnnotationDocument, schema: LabelSchema, annotation: Annotation, label: str
) -> Command:
    """Give ``annotation`` the label ``label``, dropping attributes ``label`` does not allow."""
    checked_attributes(schema, label, {})
    data = dict(annotation.data)
    attributes = data.get(ATTRIBUTES)
    if isinstance(attributes, dict):
        kept = {}
        for name, value in attributes.items():
            try:
                checked_attributes(schema, label, {name: value})
            except AnnotationKindError:
                continue  # an attribute the new label does not have
            kept[name] = value
        if kept:
            data[ATTRIBUTES] = kept
        else:
            data.pop(ATTRIBUTES)
    return UpdateAnnotation(document, annotation.id, label=label, data=data)


def delete_span(document: AnnotationDocument, annotation: Annotation) -> Command:
    """Delete ``annotation`` and every relation from or to it, as one step."""
    parts: list[Command] = [
        DeleteAnnotation(document, other.id)
        for other in document.all()
        if other.kind == RELATION and annotation.id in (relation_ends(other) or ())
    ]
    parts.append(DeleteAnnotation(document, annotation.id))
    return CompoundCommand(f"delete {annotation.label or 'span'}", parts)


def merged(fragments: Sequence[Fragment]) -> list[Fragment]:
    """``fragments`` sorted, with touching or overlapping ones merged."""
    result: list[Fragment] = []
    for start, end in sorted(fragments):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return result


def refit(
    document: AnnotationDocument, text: str, annotation: Annotation, fragments: Sequence[Fragment]
) -> Command:
    """Move ``annotation`` onto ``fragments`` (merged, checked), keeping its other data."""
    rest = {k: v for k, v in annotation.data.items() if k not in _GEOMETRY}
    moved = span(annotation.item_id, text, merged(fragments), annotation.label or "", data=rest)
    return UpdateAnnotation(document, annotation.id, data=moved.data)


def next_word_end(text: str, offset: int) -> int | None:
    """The end of the first word ending after ``offset`` (None at the end of the text)."""
    found = _WORD.search(text, offset)
    return found.end() if found is not None else None


def previous_word_end(text: str, start: int, end: int) -> int | None:
    """The end of the last word of ``start..end`` that ends before ``end`` (None if none)."""
    ends = [found.end() for found in _WORD.finditer(text, start, end) if found.end() < end]
    return ends[-1] if ends else None


def resized(text: str, annotation: Annotation, grow: bool) -> list[Fragment]:
    """The fragments of ``annotation`` with its last one a word longer or shorter.

    AnnotationKindError when there is no next word, or only one word is left to shrink.
    """
    fragments = fragments_of(annotation)
    start, end = fragments[-1]
    new_end = next_word_end(text, end) if grow else previous_word_end(text, start, end)
    if new_end is None or new_end <= start:
        what = "no word follows the span" if grow else "the span is down to one word"
        raise AnnotationKindError(f"Cannot {'extend' if grow else 'shrink'}: {what}.")
    return [*fragments[:-1], (start, new_end)]


def label_matches(
    document: AnnotationDocument,
    schema: LabelSchema,
    text: str,
    matches: Sequence[Fragment],
    label: str,
    author: str,
) -> Command:
    """One step adding a ``label`` span on each of ``matches``."""
    if not matches:
        raise AnnotationKindError(f"Every match is already labelled {label}.")
    spans = [
        span(document.item_id, text, [match], label, schema=schema, author=author)
        for match in matches
    ]
    return AddAnnotations(document, spans, text=f"label {len(spans)} matches {label}")
