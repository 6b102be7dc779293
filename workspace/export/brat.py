"""Clinical-note annotations as brat standoff: ``note.ann`` plus the ``note.txt`` it indexes.

Text annotations are stored as (the text viewer writes spans):

- ``span`` — ``data = {"start": int, "end": int, "text": str}``: code-point offsets into the
  decoded note, end exclusive; ``text`` (optional) is the annotated substring. Optional
  ``"attributes": {name: value}`` and ``"note": str``.
- ``relation`` — ``label`` is the relation type, ``data = {"from": id, "to": id}`` naming two
  span annotations. Optional ``"note": str``.

brat offsets are code points into the UTF-8 ``.txt`` file, so the note is written beside the
``.ann`` exactly as decoded (line endings kept). A span that crosses a line break becomes a
discontinuous brat span (``T1\tproblem 10 15;16 20\tchest pain``), as brat itself writes them.
Choice, multi, number and true flags become ``A`` lines (a false flag is absent, as brat
reads it); free-text attributes, values with spaces and notes become ``#`` AnnotatorNotes
lines.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

from workspace.annotations import Annotation
from workspace.export.formats import annotation_name
from workspace.export.labelmap_files import ExportError

SPAN = "span"
RELATION = "relation"
ANN_SUFFIX = ".ann"
TXT_SUFFIX = ".txt"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_FRAGMENT = re.compile(f"[^{_LINE_BREAKS}]+")
_SPACE = re.compile(r"\s+")


def _token(text: str) -> str:
    """A brat type, attribute name or value: no whitespace (it separates fields)."""
    return _SPACE.sub("_", text.strip())


def _one_line(text: str) -> str:
    """Free text on one ``.ann`` line: tabs and line breaks become spaces."""
    return _SPACE.sub(" ", text).strip()


def _offset(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _span(annotation: Annotation, text: str) -> tuple[int, int]:
    """The checked ``(start, end)`` of a span annotation in ``text``."""
    name = annotation_name(annotation)
    start, end = _offset(annotation.data.get("start")), _offset(annotation.data.get("end"))
    if start is None or end is None:
        raise ExportError(f"{name}: a span needs integer 'start' and 'end' offsets.")
    if not 0 <= start < end <= len(text):
        raise ExportError(
            f"{name}: span {start}..{end} is not inside the note ({len(text)} characters)."
        )
    stored = annotation.data.get("text")
    if stored is not None and stored != text[start:end]:
        raise ExportError(
            f"{name}: its text {stored!r} differs from the note at {start}..{end} "
            f"({text[start:end]!r})."
        )
    return start, end


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``start..end`` between line breaks (brat spans never hold one)."""
    pieces = [(start + m.start(), start + m.end()) for m in _FRAGMENT.finditer(text[start:end])]
    return pieces or [(start, end)]


def _attribute_lines(
    annotation: Annotation, target: str, free_text: Collection[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """``(name, rest)`` of the ``A`` lines of one annotation, and its notes."""
    attributes = annotation.data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise ExportError(f"{annotation_name(annotation)}: 'attributes' is not an object.")
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
                f"{annotation_name(annotation)}: attribute {name!r} has a value brat cannot "
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
    spans: list[tuple[int, int, Annotation]] = []
    relations: list[Annotation] = []
    for annotation in annotations:
        if not annotation.label or not annotation.label.strip():
            raise ExportError(f"{annotation_name(annotation)} has no label.")
        if annotation.kind == SPAN:
            spans.append((*_span(annotation, text), annotation))
        elif annotation.kind == RELATION:
            relations.append(annotation)
        else:
            raise ExportError(
                f"{annotation_name(annotation)} is a {annotation.kind!r} annotation; "
                "brat export takes span and relation annotations."
            )
    spans.sort(key=lambda s: (s[0], s[1], s[2].label or ""))
    ids: dict[str, str] = {}
    lines: list[str] = []
    described: list[tuple[str, Annotation]] = []
    for number, (start, end, annotation) in enumerate(spans, start=1):
        ids[annotation.id] = f"T{number}"
        pieces = _fragments(text, start, end)
        offsets = ";".join(f"{a} {b}" for a, b in pieces)
        covered = " ".join(text[a:b] for a, b in pieces)
        lines.append(f"T{number}\t{_token(annotation.label or '')} {offsets}\t{covered}")
        described.append((f"T{number}", annotation))
    for number, annotation in enumerate(relations, start=1):
        ends = [annotation.data.get(key) for key in ("from", "to")]
        if not all(isinstance(end, str) and end in ids for end in ends):
            raise ExportError(
                f"{annotation_name(annotation)}: a relation needs 'from' and 'to' naming span "
                "annotations of this note."
            )
        arg1, arg2 = (ids[str(end)] for end in ends)
        lines.append(f"R{number}\t{_token(annotation.label or '')} Arg1:{arg1} Arg2:{arg2}")
        described.append((f"R{number}", annotation))
    attribute_count = note_count = 0
    for target, annotation in described:
        attribute_lines, notes = _attribute_lines(annotation, target, text_attributes)
        for name, rest in attribute_lines:
            attribute_count += 1
            lines.append(f"A{attribute_count}\t{name} {rest}")
        for note in notes:
            note_count += 1
            lines.append(f"#{note_count}\tAnnotatorNotes {target}\t{_one_line(note)}")
    return lines


def write_brat(
    text: str,
    annotations: Sequence[Annotation],
    out: Path,
    *,
    text_attributes: Collection[str] = (),
) -> list[Path]:
    """Write ``out`` (``.ann``) and the note as ``.txt`` beside it; returns both paths.

    ``text`` is the decoded note the span offsets index; ``text_attributes`` names the
    free-text attributes, written as notes rather than ``A`` lines.
    """
    if out.suffix.lower() != ANN_SUFFIX:
        raise ExportError(f"{out.name}: a brat file name ends with {ANN_SUFFIX}.")
    lines = brat_lines(text, annotations, text_attributes=text_attributes)
    text_path = out.with_suffix(TXT_SUFFIX)
    try:
        text_path.write_text(text, encoding="utf-8", newline="")
        out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out, text_path]
