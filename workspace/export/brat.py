"""Clinical-note annotations as brat standoff: ``note.ann`` plus the ``note.txt`` it indexes.

Spans and relations are laid out as :mod:`workspace.annotation_kinds.spans` and
:mod:`workspace.annotation_kinds.relations` describe (code-point offsets into the decoded
note; a span may have several fragments). Spans inside an audio transcript are not brat's.

brat offsets are code points into the UTF-8 ``.txt`` file, so the note is written beside the
``.ann`` exactly as decoded (line endings kept). A span that crosses a line break becomes a
discontinuous brat span (``T1\tproblem 10 15;16 20\tchest pain``), as brat itself
writes them; a span of several fragments is one too.
Choice, multi and true flags become ``A`` lines (a false flag is absent, as brat reads it);
free-text and number attributes, values with spaces and notes become ``#`` AnnotatorNotes
lines. Codes become normalizations, ``N1\tReference T1 ICD10CM:E11.9\tdisplay`` (brat has
no place for a code's version: BioC and JSON Lines keep it). Suggestions are left out, and
so are document labels, which brat cannot hold (BioC and JSON Lines keep them).

Beside the ``.ann`` and ``.txt`` the exporter writes ``annotation.conf`` and ``visual.conf``
from the schema (:mod:`workspace.text_formats.brat_conf`), so brat itself opens the folder.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

from workspace.annotation_kinds.base import AnnotationKindError, describe
from workspace.annotation_kinds.codes import codes_of
from workspace.annotation_kinds.names import RELATION, SPAN
from workspace.annotation_kinds.relations import relation_ends
from workspace.annotation_kinds.spans import check_span
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.schema import LabelSchema
from workspace.text_formats.brat_conf import (
    ANNOTATION_CONF,
    VISUAL_CONF,
    annotation_conf,
    brat_name,
    visual_conf,
)
from workspace.text_formats.document_labels import is_document_labels
from workspace.text_formats.records import exported

ANN_SUFFIX = ".ann"
TXT_SUFFIX = ".txt"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_FRAGMENT = re.compile(f"[^{_LINE_BREAKS}]+")
_SPACE = re.compile(r"\s+")
_token = brat_name


def _one_line(text: str) -> str:
    """Free text on one ``.ann`` line: tabs and line breaks become spaces."""
    return _SPACE.sub(" ", text).strip()


def _span(annotation: Annotation, text: str) -> list[tuple[int, int]]:
    """The checked fragments of a span annotation in ``text``."""
    try:
        return check_span(annotation, text)
    except AnnotationKindError as exc:
        raise ExportError(str(exc)) from None


def _pieces(text: str, fragments: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The fragments cut at line breaks (a brat fragment never holds one)."""
    pieces: list[tuple[int, int]] = []
    for start, end in fragments:
        found = [(start + m.start(), start + m.end()) for m in _FRAGMENT.finditer(text[start:end])]
        pieces.extend(found or [(start, end)])
    return pieces


def _attribute_lines(
    annotation: Annotation, target: str, free_text: Collection[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """``(name, rest)`` of the ``A`` lines of one annotation, and its notes."""
    attributes = annotation.data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise ExportError(f"{describe(annotation)}: 'attributes' is not an object.")
    lines: list[tuple[str, str]] = []
    notes: list[str] = []
    for name, value in attributes.items():
        if name in free_text or (isinstance(value, str) and _token(value) != value.strip()):
            notes.append(f"{name}: {value}")
        elif isinstance(value, bool):
            if value:
                lines.append((_token(name), target))
        elif isinstance(value, list | tuple):
            lines.extend((_token(name), f"{target} {_token(str(v))}") for v in value)
        elif isinstance(value, str | int | float) and str(value).strip():
            lines.append((_token(name), f"{target} {_token(str(value))}"))
        elif value is not None and value != "":
            raise ExportError(
                f"{describe(annotation)}: attribute {name!r} has a value brat cannot "
                f"hold ({value!r})."
            )
    note = annotation.data.get("note")
    if isinstance(note, str) and note.strip():
        notes.append(note)
    return lines, notes


def brat_lines(
    text: str, annotations: Sequence[Annotation], *, text_attributes: Collection[str] = ()
) -> list[str]:
    """The lines of the ``.ann`` file (``T``, then ``R``, ``A`` and ``#`` lines)."""
    spans: list[tuple[list[tuple[int, int]], Annotation]] = []
    relations: list[Annotation] = []
    for annotation in annotations:
        if not annotation.label or not annotation.label.strip():
            raise ExportError(f"{describe(annotation)} has no label.")
        if annotation.kind == SPAN:
            spans.append((_span(annotation, text), annotation))
        elif annotation.kind == RELATION:
            relations.append(annotation)
        else:
            raise ExportError(
                f"{describe(annotation)} is a {annotation.kind!r} annotation; "
                "brat export takes span and relation annotations."
            )
    spans.sort(key=lambda s: (s[0][0][0], s[0][-1][1], s[1].label or ""))
    ids: dict[str, str] = {}
    lines: list[str] = []
    described: list[tuple[str, Annotation]] = []
    for number, (fragments, annotation) in enumerate(spans, start=1):
        ids[annotation.id] = f"T{number}"
        pieces = _pieces(text, fragments)
        offsets = ";".join(f"{a} {b}" for a, b in pieces)
        covered = " ".join(text[a:b] for a, b in pieces)
        lines.append(f"T{number}\t{_token(annotation.label or '')} {offsets}\t{covered}")
        described.append((f"T{number}", annotation))
    for number, annotation in enumerate(relations, start=1):
        ends = relation_ends(annotation)
        if ends is None or not all(end in ids for end in ends):
            raise ExportError(
                f"{describe(annotation)}: a relation needs 'from' and 'to' naming span "
                "annotations of this note."
            )
        arg1, arg2 = (ids[end] for end in ends)
        lines.append(f"R{number}\t{_token(annotation.label or '')} Arg1:{arg1} Arg2:{arg2}")
        described.append((f"R{number}", annotation))
    attribute_count = note_count = code_count = 0
    for target, annotation in described:
        attribute_lines, notes = _attribute_lines(annotation, target, text_attributes)
        for name, rest in attribute_lines:
            attribute_count += 1
            lines.append(f"A{attribute_count}\t{name} {rest}")
        for note in notes:
            note_count += 1
            lines.append(f"#{note_count}\tAnnotatorNotes {target}\t{_one_line(note)}")
        try:
            codes = codes_of(annotation)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        for code in codes:
            code_count += 1
            reference = f"{_token(code.system)}:{_token(code.code)}"
            display = _one_line(code.display)
            lines.append(f"N{code_count}\tReference {target} {reference}\t{display}")
    return lines


def write_brat(
    text: str,
    annotations: Sequence[Annotation],
    out: Path,
    *,
    text_attributes: Collection[str] = (),
    schema: LabelSchema | None = None,
) -> list[Path]:
    """Write ``out`` (``.ann``) and the note as ``.txt`` beside it, and with a ``schema``
    its ``annotation.conf`` and ``visual.conf``; returns the paths written.

    ``text`` is the decoded note the span offsets index; ``text_attributes`` names the
    free-text and number attributes, written as notes rather than ``A`` lines.
    """
    if out.suffix.lower() != ANN_SUFFIX:
        raise ExportError(f"{out.name}: a brat file name ends with {ANN_SUFFIX}.")
    lines = brat_lines(text, annotations, text_attributes=text_attributes)
    files = {out.with_suffix(TXT_SUFFIX): text}
    if schema is not None:
        files[out.with_name(ANNOTATION_CONF)] = annotation_conf(schema)
        files[out.with_name(VISUAL_CONF)] = visual_conf(schema)
    try:
        out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8", newline="")
        for path, content in files.items():
            path.write_text(content, encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out, *files]


class BratExporter:
    """``brat``: spans and relations of a note, checked against the schema."""

    format_id = "brat"
    result_file: str | None = "annotations.ann"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.ann``), the note as ``.txt`` and brat's two ``.conf`` files."""
        annotations = [a for a in exported(source.annotations) if not is_document_labels(a)]
        check_schema(source.schema, annotations)
        free_text = [a.name for a in source.schema.attributes if a.kind in ("text", "number")]
        text = source.payloads.text(source.item)
        return write_brat(text, annotations, out, text_attributes=free_text, schema=source.schema)


register_exporter(BratExporter())
