"""brat standoff (``note.ann``) read back onto a note: spans, relations, attributes, notes.

Reads what :mod:`workspace.export.brat` writes and what brat itself saves: ``T`` lines
(fragments ``a b;c d``; fragments that only a line break parts are joined again, as the
exporter splits spans there), ``R`` relations, ``A`` attributes (a flag, a value, or several
lines of one multi-valued attribute), ``#`` AnnotatorNotes (``name: value`` for a schema
attribute, else the annotation's note) and ``N`` normalizations
(``N1<TAB>Reference T1 ICD10CM:E11.9<TAB>display``, read as the span's codes). Offsets must
fall inside the note, each ``T`` line's text must match it, and labels, attributes, relation
types and code systems must be the schema's. An ``annotation.conf`` beside the ``.ann``
must declare no entity or relation type the schema lacks. Events, equivalences and
modifications (``E``, ``*``, ``M``) are refused by name rather than dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import NOTE, AnnotationKindError
from workspace.annotation_kinds.codes import AnnotationCode, with_codes
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.spans import covered_text, span
from workspace.annotations import Annotation
from workspace.schema import LabelSchema
from workspace.text_formats.brat_conf import ANNOTATION_CONF, declared_types

FORMAT = "brat"
ANN_SUFFIX = ".ann"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_UNSUPPORTED = {"E": "events", "*": "equivalences", "M": "modifications"}


class _Entry:
    """One ``T`` or ``R`` line, gathering its ``A`` and ``#`` lines before it is built."""

    def __init__(self, kind: str, label: str, where: int) -> None:
        self.kind = kind
        self.label = label
        self.where = where
        self.fragments: list[tuple[int, int]] = []
        self.ends: tuple[str, str] = ("", "")
        self.attributes: dict[str, Any] = {}
        self.notes: list[str] = []
        self.codes: list[AnnotationCode] = []


def _joined(text: str, fragments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Fragments parted only by line breaks joined again (undoing the exporter's split)."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(fragments):
        if joined and text[joined[-1][1] : start].strip(_LINE_BREAKS) == "":
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _attribute_value(schema: LabelSchema, name: str, value: str | None) -> Any:
    """An ``A`` line's value typed as the schema's attribute is (a flag when there is none)."""
    if value is None:
        return True
    definition = next((a for a in schema.attributes if a.name == name), None)
    if definition is not None and definition.kind == "number":
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


class BratReader:
    """Parses one ``.ann`` file against the note it annotates."""

    def __init__(self, path: Path, target: ImportTarget) -> None:
        self.path = path
        self.target = target
        self.entries: dict[str, _Entry] = {}

    def fail(self, line: int, reason: str) -> AnnotationImportError:
        return AnnotationImportError(f"{self.path.name}, line {line}: {reason}")

    def read(self) -> ReadAnnotations:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AnnotationImportError(
                f"{self.path.name}: not a readable brat file ({exc})."
            ) from None
        self._check_conf()
        text = self.target.payloads.text(self.target.item)
        for number, line in enumerate(lines, start=1):
            if line.strip():
                self._line(number, line, text)
        return ReadAnnotations(self._build(text))

    def _check_conf(self) -> None:
        """An ``annotation.conf`` beside the file declares only types the schema has."""
        conf = self.path.with_name(ANNOTATION_CONF)
        if not conf.is_file():
            return
        try:
            declared = declared_types(conf.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise AnnotationImportError(f"{conf.name}: not a readable brat file ({exc}).") from None
        schema = self.target.schema
        missing = [n for n in declared.entities if n not in schema.class_names]
        missing += [
            n for n in declared.relations if n not in {r.name for r in schema.relation_types}
        ]
        if missing:
            raise AnnotationImportError(
                f"{conf.name} beside {self.path.name} declares types schema {schema.id} "
                f"lacks: {', '.join(dict.fromkeys(missing))}."
            )

    def _line(self, number: int, line: str, text: str) -> None:
        ident, _, rest = line.partition("\t")
        kind = ident[:1]
        if kind in _UNSUPPORTED:
            raise self.fail(number, f"brat {_UNSUPPORTED[kind]} ({kind} lines) are not supported.")
        if kind == "T":
            self._text_bound(number, ident, rest, text)
        elif kind == "R":
            fields = rest.split()
            args = [f.partition(":")[2] for f in fields[1:3]]
            if len(fields) < 3 or not all(args):
                raise self.fail(number, "a relation reads 'R1<TAB>type Arg1:T1 Arg2:T2'.")
            entry = self._new(number, ident, "R", fields[0])
            entry.ends = (args[0], args[1])
        elif kind == "A":
            fields = rest.split()
            if len(fields) not in (2, 3):
                raise self.fail(number, "an attribute reads 'A1<TAB>name T1 [value]'.")
            entry = self._owner(number, fields[1])
            value = _attribute_value(
                self.target.schema, fields[0], fields[2] if len(fields) == 3 else None
            )
            if fields[0] in entry.attributes:
                previous = entry.attributes[fields[0]]
                listed = previous if isinstance(previous, list) else [previous]
                entry.attributes[fields[0]] = [*listed, value]
            else:
                entry.attributes[fields[0]] = value
        elif kind == "N":
            head, _, display = rest.partition("\t")
            fields = head.split()
            system, _, code = fields[2].partition(":") if len(fields) == 3 else ("", "", "")
            if len(fields) != 3 or fields[0] != "Reference" or not system or not code:
                raise self.fail(
                    number, "a normalization reads 'N1<TAB>Reference T1 SYSTEM:CODE<TAB>text'."
                )
            entry = self._owner(number, fields[1])
            entry.codes.append(AnnotationCode(system, code, display=display.strip()))
        elif kind == "#":
            head, _, note = rest.partition("\t")
            fields = head.split()
            if len(fields) == 2 and fields[0] == "AnnotatorNotes":
                self._note(self._owner(number, fields[1]), note)
        else:
            raise self.fail(number, f"{ident!r} is not a brat annotation id (T1, R1, A1, #1...).")

    def _text_bound(self, number: int, ident: str, rest: str, text: str) -> None:
        head, _, covered = rest.partition("\t")
        label, _, offsets = head.partition(" ")
        fragments: list[tuple[int, int]] = []
        for piece in offsets.split(";"):
            bounds = piece.split()
            if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
                raise self.fail(number, f"offsets {offsets!r} are not 'start end[;start end]'.")
            fragments.append((int(bounds[0]), int(bounds[1])))
        if any(not 0 <= a < b <= len(text) for a, b in fragments):
            raise self.fail(
                number, f"span {offsets} is not inside the note ({len(text)} characters)."
            )
        if covered and covered_text(text, sorted(fragments)) != covered:
            found = covered_text(text, sorted(fragments))
            raise self.fail(
                number, f"its text {covered!r} differs from the note at {offsets} ({found!r})."
            )
        self._new(number, ident, "T", label).fragments = _joined(text, fragments)

    def _new(self, number: int, ident: str, kind: str, label: str) -> _Entry:
        if ident in self.entries:
            raise self.fail(number, f"{ident} is defined twice.")
        if not label:
            raise self.fail(number, f"{ident} has no type.")
        entry = self.entries[ident] = _Entry(kind, label, number)
        return entry

    def _owner(self, number: int, ident: str) -> _Entry:
        entry = self.entries.get(ident)
        if entry is None:
            raise self.fail(number, f"it refers to {ident}, which is not defined above it.")
        return entry

    def _note(self, entry: _Entry, note: str) -> None:
        name, separator, value = note.partition(": ")
        if separator and any(a.name == name for a in self.target.schema.attributes):
            entry.attributes[name] = _attribute_value(self.target.schema, name, value)
        else:
            entry.notes.append(note)

    def _build(self, text: str) -> list[Annotation]:
        built: dict[str, Annotation] = {}
        item, user = self.target.item, self.target.user
        for ident, entry in self.entries.items():
            schema = self.target.schema
            try:
                extra = with_codes(
                    self.target.data({}, self.path, FORMAT),
                    entry.codes,
                    schema=schema,
                    label=entry.label if entry.kind == "T" else None,
                )
                if entry.notes:
                    extra[NOTE] = " ".join(entry.notes)
                if entry.kind == "T":
                    built[ident] = span(
                        item.id,
                        text,
                        entry.fragments,
                        entry.label,
                        schema=schema,
                        attributes=entry.attributes,
                        data=extra,
                        author=user,
                    )
                    continue
                source, target = (built.get(end) for end in entry.ends)
                if source is None or target is None:
                    missing = next(e for e in entry.ends if e not in built)
                    raise self.fail(entry.where, f"the relation names {missing}, not a span.")
                built[ident] = relation(
                    source,
                    target,
                    entry.label,
                    schema=schema,
                    attributes=entry.attributes,
                    data=extra,
                    author=user,
                )
            except AnnotationKindError as exc:
                raise self.fail(entry.where, str(exc)) from None
        return list(built.values())


class BratImporter:
    """``brat``: a ``.ann`` file onto a note."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.ann`` files."""
        return path.suffix.lower() == ANN_SUFFIX

    def siblings(self, data_file: Path) -> list[Path]:
        """``note.ann`` beside ``note.txt``."""
        candidate = data_file.with_suffix(ANN_SUFFIX)
        return [candidate] if candidate != data_file and candidate.is_file() else []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Spans and relations of ``path``, checked against the note's text."""
        return BratReader(path, target).read()


register_annotation_importer(BratImporter())
