"""JSON Lines of clinical notes (``docs/formats/text-jsonl.md``) read back onto a note.

Each line is one note: ``text``, ``spans``, ``relations``, document ``labels``. The line
read is the file's only one, else the one whose ``id`` is the item's or whose ``text`` is the
note's; its text must be the note's exactly, and every span, relation, attribute and code is
checked against the note and the schema (:mod:`workspace.text_formats.records`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.codes import AnnotationCode
from workspace.text_formats.records import (
    NoteRecord,
    RelationRecord,
    SpanRecord,
    annotations_from,
    the_note,
)

FORMAT = "jsonl"
SUFFIX = ".jsonl"
MAX_BYTES = 200 * 2**20


class _BadError(Exception):
    """A malformed part of one line (the message says which)."""


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _BadError(f"{what} is not a JSON object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _BadError(f"{what} is not a list")
    return value


def _text(entry: dict[str, Any], key: str, what: str, *, required: bool = True) -> str:
    value = entry.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _BadError(
            f"{what} has no {key!r} text" if required else f"{what}'s {key!r} is not text"
        )
    return value


def _codes(entry: dict[str, Any], what: str) -> list[AnnotationCode]:
    codes: list[AnnotationCode] = []
    for number, code in enumerate(_list(entry.get("codes", []), f"{what}'s 'codes'"), start=1):
        fields = _object(code, f"code {number} of {what}")
        values = [
            _text(fields, key, f"code {number} of {what}", required=key in ("system", "code"))
            for key in ("system", "code", "version", "display")
        ]
        codes.append(AnnotationCode(*values))
    return codes


def _fragments(entry: dict[str, Any], what: str) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for fragment in _list(entry.get("fragments"), f"{what}'s 'fragments'"):
        if (
            not isinstance(fragment, list)
            or len(fragment) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in fragment)
        ):
            raise _BadError(f"{what}'s fragments are not [start, end] pairs of integers")
        pairs.append((fragment[0], fragment[1]))
    return pairs


def _span(entry: object, number: int) -> SpanRecord:
    what = f"span {number}"
    fields = _object(entry, what)
    text = fields.get("text")
    if text is not None and not isinstance(text, str):
        raise _BadError(f"{what}'s 'text' is not text")
    return SpanRecord(
        key=_text(fields, "id", what),
        label=_text(fields, "label", what),
        fragments=_fragments(fields, what),
        attributes=_object(fields.get("attributes", {}), f"{what}'s 'attributes'"),
        codes=_codes(fields, what),
        note=_text(fields, "note", what, required=False),
        text=text,
    )


def _relation(entry: object, number: int) -> RelationRecord:
    what = f"relation {number}"
    fields = _object(entry, what)
    return RelationRecord(
        key=_text(fields, "id", what, required=False),
        label=_text(fields, "label", what),
        source=_text(fields, "from", what),
        target=_text(fields, "to", what),
        attributes=_object(fields.get("attributes", {}), f"{what}'s 'attributes'"),
        codes=_codes(fields, what),
        note=_text(fields, "note", what, required=False),
    )


def parse_line(line: str, where: str) -> NoteRecord:
    """One line as a note record (_BadError naming the fault)."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    fields = _object(value, "the line")
    note_id = fields.get("id", "")
    record = NoteRecord(
        text=_text(fields, "text", "the line", required=False),
        labels=_object(fields.get("labels", {}), "'labels'"),
        id=note_id if isinstance(note_id, str) else str(note_id),
    )
    if "text" not in fields:
        raise _BadError("the line has no 'text'")
    spans = _list(fields.get("spans", []), "'spans'")
    relations = _list(fields.get("relations", []), "'relations'")
    record.spans = [_span(entry, n) for n, entry in enumerate(spans, start=1)]
    record.relations = [_relation(entry, n) for n, entry in enumerate(relations, start=1)]
    for number, entry in enumerate(record.spans, start=1):
        entry.where = f"{where}, span {number} ({entry.key})"
    for number, link in enumerate(record.relations, start=1):
        link.where = f"{where}, relation {number}"
    return record


def read_text_jsonl(path: Path) -> list[tuple[str, NoteRecord]]:
    """Every note of ``path`` with where it is (``line 3``)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AnnotationImportError(f"{path.name}: too large for notes' annotations.")
        content = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotationImportError(f"{path.name}: not a readable UTF-8 file ({exc}).") from None
    documents: list[tuple[str, NoteRecord]] = []
    for number, line in enumerate(content.split("\n"), start=1):
        if line.strip():
            where = f"line {number}"
            try:
                documents.append((where, parse_line(line, where)))
            except _BadError as exc:
                raise AnnotationImportError(f"{path.name}, {where}: {exc}.") from None
    return documents


class TextJsonlImporter:
    """``jsonl``: a note's line of a JSON Lines file onto the note."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.jsonl`` files."""
        return path.suffix.lower() == SUFFIX

    def siblings(self, data_file: Path) -> list[Path]:
        """None: a JSON Lines file carries its own text, it is not picked up beside a note."""
        del data_file
        return []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """The spans, relations and labels of the note's line, checked."""
        record = the_note(read_text_jsonl(path), target, path)
        return ReadAnnotations(annotations_from(record, target, path, FORMAT))


register_annotation_importer(TextJsonlImporter())
