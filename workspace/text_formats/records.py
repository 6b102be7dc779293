"""A note's annotations in the neutral form the text formats share, both ways.

Exporters turn the stored annotations into a :class:`NoteRecord` (:func:`note_record`:
suggestions left out, everything checked against the schema, spans numbered ``T1``,
``T2``... in text order and relations ``R1``...), then lay it out as their format does.
Importers parse a file into a :class:`NoteRecord` and :func:`annotations_from` checks it
against the note and the schema and builds the annotations, naming the place in the file
(``line 3``, ``annotation T2``) in its one-sentence error. Offsets are code points into the
decoded note, end exclusive, as everywhere in Caliper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workspace.annotation_import.base import AnnotationImportError, ImportTarget
from workspace.annotation_kinds.base import (
    ATTRIBUTES,
    NOTE,
    AnnotationKindError,
    describe,
)
from workspace.annotation_kinds.codes import AnnotationCode, codes_of, with_codes
from workspace.annotation_kinds.names import RELATION, SPAN
from workspace.annotation_kinds.relations import relation, relation_ends
from workspace.annotation_kinds.spans import Fragment, check_span, covered_text, span
from workspace.annotation_kinds.suggestions import is_suggestion
from workspace.annotations import Annotation
from workspace.export.base import ExportError
from workspace.export.schema_check import check_schema
from workspace.schema import LabelSchema
from workspace.text_formats.document_labels import (
    check_document_labels,
    document_labels,
    document_labels_of,
    is_document_labels,
)


@dataclass
class SpanRecord:
    """One span: its id in the file, label, fragments and what it carries."""

    key: str
    label: str
    fragments: list[Fragment]
    attributes: dict[str, Any] = field(default_factory=dict)
    codes: list[AnnotationCode] = field(default_factory=list)
    note: str = ""
    #: The covered text as the file states it (fragments joined by one space), if it does.
    text: str | None = None
    #: How an error message names it (``line 3``, ``annotation T2``).
    where: str = ""


@dataclass
class RelationRecord:
    """One relation from span ``source`` to span ``target`` (their keys in the file)."""

    key: str
    label: str
    source: str
    target: str
    attributes: dict[str, Any] = field(default_factory=dict)
    codes: list[AnnotationCode] = field(default_factory=list)
    note: str = ""
    where: str = ""


@dataclass
class NoteRecord:
    """A note's text, spans, relations and document labels."""

    text: str
    spans: list[SpanRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)
    id: str = ""


# ---------------------------------------------------------------- export


def exported(annotations: Sequence[Annotation]) -> list[Annotation]:
    """The annotations a file holds: no suggestions, nor relations touching one."""
    kept = [a for a in annotations if not is_suggestion(a)]
    left_out = {a.id for a in annotations if is_suggestion(a)}
    return [a for a in kept if a.kind != RELATION or not set(relation_ends(a) or ()) & left_out]


def _note_of(annotation: Annotation) -> str:
    note = annotation.data.get(NOTE)
    return note if isinstance(note, str) else ""


def _attributes_of(annotation: Annotation) -> dict[str, Any]:
    attributes = annotation.data.get(ATTRIBUTES, {})
    if not isinstance(attributes, dict):
        raise ExportError(f"{describe(annotation)}: 'attributes' is not an object.")
    return dict(attributes)


def note_record(
    text: str, annotations: Sequence[Annotation], schema: LabelSchema, *, note_id: str = ""
) -> NoteRecord:
    """``annotations`` of the note ``text`` as a record, checked (ExportError if bad)."""
    kept = exported(annotations)
    labels = [a for a in kept if is_document_labels(a)]
    others = [a for a in kept if not is_document_labels(a)]
    check_schema(schema, others)
    record = NoteRecord(text, id=note_id)
    try:
        record.labels = check_document_labels(schema, document_labels_of(labels))
    except AnnotationKindError as exc:
        raise ExportError(f"The note's document labels: {exc}") from None
    spans: list[tuple[list[Fragment], Annotation]] = []
    relations: list[Annotation] = []
    for annotation in others:
        if annotation.kind == SPAN:
            try:
                spans.append((check_span(annotation, text), annotation))
            except AnnotationKindError as exc:
                raise ExportError(str(exc)) from None
        elif annotation.kind == RELATION:
            relations.append(annotation)
        else:
            raise ExportError(
                f"{describe(annotation)} is a {annotation.kind!r} annotation; a note's file "
                "takes spans, relations and document labels."
            )
    spans.sort(key=lambda s: (s[0][0][0], s[0][-1][1], s[1].label or ""))
    keys: dict[str, str] = {}
    for number, (fragments, annotation) in enumerate(spans, start=1):
        keys[annotation.id] = f"T{number}"
        record.spans.append(
            SpanRecord(
                f"T{number}",
                annotation.label or "",
                fragments,
                _attributes_of(annotation),
                _codes(annotation),
                _note_of(annotation),
                covered_text(text, fragments),
            )
        )
    for number, annotation in enumerate(relations, start=1):
        ends = relation_ends(annotation)
        if ends is None or not all(end in keys for end in ends):
            raise ExportError(
                f"{describe(annotation)}: a relation needs 'from' and 'to' naming span "
                "annotations of this note."
            )
        record.relations.append(
            RelationRecord(
                f"R{number}",
                annotation.label or "",
                keys[ends[0]],
                keys[ends[1]],
                _attributes_of(annotation),
                _codes(annotation),
                _note_of(annotation),
            )
        )
    return record


def _codes(annotation: Annotation) -> list[AnnotationCode]:
    try:
        return codes_of(annotation)
    except AnnotationKindError as exc:
        raise ExportError(str(exc)) from None


# ---------------------------------------------------------------- import


def text_difference(found: str, note: str) -> str | None:
    """Why a file's copy of the note is not the note (first differing offset), or None."""
    if found == note:
        return None
    at = next((i for i, (a, b) in enumerate(zip(found, note, strict=False)) if a != b), None)
    if at is None:
        return (
            f"its text has {len(found)} characters where the note has {len(note)} "
            "(otherwise the same)"
        )
    return (
        f"its text differs from the note at character {at} ({found[at : at + 12]!r} for "
        f"{note[at : at + 12]!r})"
    )


def the_note(
    documents: Sequence[tuple[str, NoteRecord]], target: ImportTarget, path: Path
) -> NoteRecord:
    """The document of a file that is the target note: the only one, else the one with the
    item's id or the note's text (AnnotationImportError if its text is not the note's)."""
    note = target.payloads.text(target.item)
    if not documents:
        raise AnnotationImportError(f"{path.name}: holds no document.")
    if len(documents) > 1:
        fitting = [d for d in documents if d[1].id == target.item.id or d[1].text == note]
        if len(fitting) != 1:
            raise AnnotationImportError(
                f"{path.name}: holds {len(documents)} documents, of which "
                f"{len(fitting) or 'none'} match this note by id or text (one must)."
            )
        documents = fitting
    where, record = documents[0]
    problem = text_difference(record.text, note)
    if problem is not None:
        raise AnnotationImportError(f"{path.name}, {where}: {problem}.")
    return record


def annotations_from(
    record: NoteRecord, target: ImportTarget, path: Path, fmt: str
) -> list[Annotation]:
    """The annotations ``record`` describes on the target note, checked against its text
    and schema (AnnotationImportError naming the file and the place if anything is wrong)."""
    note = target.payloads.text(target.item)
    schema, item_id, user = target.schema, target.item.id, target.user
    built: dict[str, Annotation] = {}

    def fail(where: str, reason: str) -> AnnotationImportError:
        return AnnotationImportError(f"{path.name}, {where}: {reason}")

    for entry in record.spans:
        if entry.key in built:
            raise fail(entry.where, f"{entry.key} is defined twice.")
        try:
            if any(not 0 <= a < b <= len(note) for a, b in entry.fragments):
                where = ";".join(f"{a} {b}" for a, b in entry.fragments)
                raise AnnotationKindError(
                    f"span {where} is not inside the note ({len(note)} characters)."
                )
            covered = covered_text(note, sorted(entry.fragments))
            if entry.text is not None and entry.text != covered:
                raise AnnotationKindError(
                    f"its text {entry.text!r} differs from the note there ({covered!r})."
                )
            data = with_codes(
                target.data({}, path, fmt), entry.codes, schema=schema, label=entry.label
            )
            built[entry.key] = span(
                item_id,
                note,
                entry.fragments,
                entry.label,
                schema=schema,
                attributes=entry.attributes,
                note=entry.note or None,
                data=data,
                author=user,
            )
        except AnnotationKindError as exc:
            raise fail(entry.where, str(exc)) from None
    relations: list[Annotation] = []
    for link in record.relations:
        source, end = built.get(link.source), built.get(link.target)
        if source is None or end is None:
            missing = link.source if source is None else link.target
            raise fail(link.where, f"the relation names {missing!r}, which is not a span.")
        try:
            data = with_codes(target.data({}, path, fmt), link.codes, schema=schema, label=None)
            relations.append(
                relation(
                    source,
                    end,
                    link.label,
                    schema=schema,
                    attributes=link.attributes,
                    note=link.note or None,
                    data=data,
                    author=user,
                )
            )
        except AnnotationKindError as exc:
            raise fail(link.where, str(exc)) from None
    found = [*built.values(), *relations]
    if record.labels:
        try:
            found.append(
                document_labels(
                    item_id, schema, record.labels, data=target.data({}, path, fmt), author=user
                )
            )
        except AnnotationKindError as exc:
            raise fail("document labels", str(exc)) from None
    return found
