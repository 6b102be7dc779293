"""Text spans: a label over one or more fragments of a text, by code-point offsets.

Layout of ``data`` (kind :data:`~workspace.annotation_kinds.names.SPAN`):

- ``start``, ``end`` — the extent: the first fragment's start and the last one's end
  (code-point offsets, end exclusive), present on every span so simple readers keep working;
- ``fragments`` — ``[[start, end], ...]``, only for a discontinuous span (two or more
  fragments, in text order, not touching or overlapping);
- ``text`` — optional, the covered text: the fragments joined by one space (as brat writes
  them), checked against the text on export;
- ``transcript_of`` — optional, the id of an interval annotation whose transcript the offsets
  index (a span inside an audio turn); absent, they index the item's own text;
- ``attributes`` (``{name: value}``, checked by the schema) and ``note`` — optional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from workspace.annotation_kinds.base import (
    ATTRIBUTES,
    NOTE,
    AnnotationKindError,
    checked_attributes,
    describe,
    integer,
)
from workspace.annotation_kinds.names import SPAN
from workspace.annotations import Annotation
from workspace.schema import AttributeValue, LabelSchema

#: What joins the fragments of a discontinuous span in its ``text``.
FRAGMENT_SEPARATOR = " "
#: ``data`` key naming the interval whose transcript a span indexes.
TRANSCRIPT_OF = "transcript_of"

Fragment = tuple[int, int]


def _checked_fragments(fragments: Sequence[Sequence[object]], length: int | None) -> list[Fragment]:
    """``fragments`` as sorted ``(start, end)`` pairs; ValueError-style message if bad."""
    pairs: list[Fragment] = []
    for fragment in fragments:
        if not isinstance(fragment, list | tuple) or len(fragment) != 2:
            raise AnnotationKindError("a span fragment is a pair of offsets [start, end].")
        start, end = integer(fragment[0]), integer(fragment[1])
        if start is None or end is None:
            raise AnnotationKindError("a span needs integer 'start' and 'end' offsets.")
        pairs.append((start, end))
    if not pairs:
        raise AnnotationKindError("a span needs at least one fragment.")
    pairs.sort()
    for start, end in pairs:
        if not 0 <= start < end or (length is not None and end > length):
            inside = f" ({length} characters)" if length is not None else ""
            raise AnnotationKindError(f"span {start}..{end} is not inside the note{inside}.")
    for (_, first_end), (second_start, _) in pairwise(pairs):
        if second_start <= first_end:
            raise AnnotationKindError(
                "the fragments of a span must neither overlap nor touch (merge them)."
            )
    return pairs


def covered_text(text: str, fragments: Sequence[Fragment]) -> str:
    """The text of ``fragments`` joined by :data:`FRAGMENT_SEPARATOR`."""
    return FRAGMENT_SEPARATOR.join(text[start:end] for start, end in fragments)


def trimmed(text: str, start: int, end: int) -> Fragment | None:
    """``start..end`` without leading and trailing white space (None if nothing is left)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def span(
    item_id: str,
    text: str,
    fragments: Sequence[Fragment],
    label: str,
    *,
    schema: LabelSchema | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
    transcript_of: str | None = None,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
    author: str = "",
) -> Annotation:
    """A span labelled ``label`` over ``fragments`` of ``text`` (checked; sorted).

    ``text`` is what the offsets index: the item's note, or the transcript of the interval
    ``transcript_of``. ``data`` adds keys of the caller's own (e.g. a pre-annotation source).
    """
    if not label or not label.strip():
        raise AnnotationKindError("a span needs a label.")
    pairs = _checked_fragments(fragments, len(text))
    values: dict[str, Any] = dict(data or {})
    values.update(start=pairs[0][0], end=pairs[-1][1], text=covered_text(text, pairs))
    if len(pairs) > 1:
        values["fragments"] = [list(pair) for pair in pairs]
    if transcript_of is not None:
        values[TRANSCRIPT_OF] = transcript_of
    checked = checked_attributes(schema, label, attributes or {})
    if checked:
        values[ATTRIBUTES] = checked
    if note and note.strip():
        values[NOTE] = note
    return Annotation(item_id, SPAN, label, values, author=author)


def fragments_of(annotation: Annotation) -> list[Fragment]:
    """The fragments of a span annotation, checked for shape (not against a text)."""
    if annotation.kind != SPAN:
        raise AnnotationKindError(f"{describe(annotation)} is not a span.")
    data = annotation.data
    try:
        if "fragments" in data:
            stored = data["fragments"]
            if not isinstance(stored, list):
                raise AnnotationKindError("'fragments' is not a list of [start, end] pairs.")
            return _checked_fragments(stored, None)
        return _checked_fragments([(data.get("start"), data.get("end"))], None)
    except AnnotationKindError as exc:
        raise AnnotationKindError(f"{describe(annotation)}: {exc}") from None


def check_span(annotation: Annotation, text: str) -> list[Fragment]:
    """The fragments of a span, checked to lie in ``text`` and to match its stored ``text``."""
    fragments = fragments_of(annotation)
    try:
        _checked_fragments(fragments, len(text))
    except AnnotationKindError as exc:
        raise AnnotationKindError(f"{describe(annotation)}: {exc}") from None
    stored = annotation.data.get("text")
    covered = covered_text(text, fragments)
    if stored is not None and stored != covered:
        where = ";".join(f"{a}..{b}" for a, b in fragments)
        raise AnnotationKindError(
            f"{describe(annotation)}: its text {stored!r} differs from the note at {where} "
            f"({covered!r})."
        )
    return fragments


def span_extent(annotation: Annotation) -> Fragment | None:
    """``(start, end)`` of a well-formed span, None for anything else (display helpers)."""
    if annotation.kind != SPAN:
        return None
    try:
        fragments = fragments_of(annotation)
    except AnnotationKindError:
        return None
    return fragments[0][0], fragments[-1][1]
