"""Clinical-note annotations as JSON Lines: one line per note, as ``docs/formats/text-jsonl.md``
describes it.

The line holds the note's ``text`` and its ``spans`` (fragments in code points, label,
attributes, codes, note), ``relations`` and document ``labels``; suggestions are left out.
Characters are written as themselves (UTF-8, ``ensure_ascii=False``); JSON escapes the line
breaks inside strings, so each note stays on one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.text_formats.records import NoteRecord, RelationRecord, SpanRecord, note_record

FORMAT = "jsonl"
SUFFIX = ".jsonl"


def _extras(entry: SpanRecord | RelationRecord) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if entry.attributes:
        extras["attributes"] = entry.attributes
    if entry.codes:
        extras["codes"] = [code.as_json() for code in entry.codes]
    if entry.note:
        extras["note"] = entry.note
    return extras


def record_json(record: NoteRecord) -> dict[str, Any]:
    """The JSON object of one note's line."""
    spans = [
        {
            "id": s.key,
            "label": s.label,
            "fragments": [[a, b] for a, b in s.fragments],
            "text": s.text,
            **_extras(s),
        }
        for s in record.spans
    ]
    relations = [
        {"id": r.key, "label": r.label, "from": r.source, "to": r.target, **_extras(r)}
        for r in record.relations
    ]
    line: dict[str, Any] = {"id": record.id, "text": record.text}
    if record.labels:
        line["labels"] = record.labels
    line.update(spans=spans, relations=relations)
    return line


def write_text_jsonl(record: NoteRecord, out: Path) -> list[Path]:
    """Write ``record`` as one JSON line to ``out``; returns ``[out]``."""
    require_suffix(out, FORMAT, [SUFFIX])
    line = json.dumps(record_json(record), ensure_ascii=False, allow_nan=False)
    try:
        out.write_text(line + "\n", encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class TextJsonlExporter:
    """``jsonl``: a note, its spans, relations and document labels on one JSON line."""

    format_id = FORMAT
    result_file: str | None = "annotations.jsonl"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write the note's line to ``out`` (``.jsonl``)."""
        require_suffix(out, FORMAT, [SUFFIX])
        text = source.payloads.text(source.item)
        record = note_record(text, source.annotations, source.schema, note_id=source.item.id)
        return write_text_jsonl(record, out)


register_exporter(TextJsonlExporter())
