"""BioC XML read back onto a note, with the ``bioc`` package.

Reads what :mod:`workspace.export.bioc` writes and BioC from other tools: annotations and
relations at document, passage or sentence level, offsets being code points into the
document (as the ``bioc`` library reads them). The document read is the collection's only
one, else the one whose id is the item's or whose text is the note's. Its passages (or
sentences) must match the note at their offsets; each annotation's ``text`` must be the note
at its locations (their extent, as ``bioc.validate`` checks, or its fragments joined by one
space). Infons: ``type`` is the label, ``note`` the note, ``codes`` (JSON) or ``identifier``
(``SYSTEM:CODE;...``) the codes, any other an attribute (typed as the schema says: text and
choices as is, other kinds as JSON). Document infons are the note's document labels.

The XML is parsed first with entity expansion, DTD loading and network access off; a file
declaring entities is refused.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
    reason,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.codes import AnnotationCode
from workspace.annotation_kinds.spans import covered_text
from workspace.schema import LabelSchema, UnknownAttributeError
from workspace.text_formats.records import (
    NoteRecord,
    RelationRecord,
    SpanRecord,
    annotations_from,
    the_note,
)

FORMAT = "bioc"
SUFFIXES = (".xml", ".bioc")
MAX_BYTES = 200 * 2**20
_RESERVED = {"type", "note", "codes", "identifier"}
_FROM_ROLES = ("arg1", "from", "source", "head")
_TO_ROLES = ("arg2", "to", "target", "tail")


class _BadError(Exception):
    """A malformed part of the collection (the message says which)."""


def parse_collection(data: bytes, name: str) -> Any:
    """``data`` as a ``bioc.BioCCollection`` (AnnotationImportError if it is not one)."""
    import bioc
    from lxml import etree  # type: ignore[import-untyped]

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as exc:
        raise AnnotationImportError(f"{name}: not well-formed XML ({reason(exc)}).") from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise AnnotationImportError(f"{name}: declares XML entities, which Caliper refuses.")
    if tree.getroot().tag != "collection":
        raise AnnotationImportError(
            f"{name}: not BioC XML (its root is <{tree.getroot().tag}>, not <collection>)."
        )
    try:
        return bioc.load(io.BytesIO(data))
    except (ValueError, KeyError, TypeError, AttributeError, LookupError) as exc:
        raise AnnotationImportError(
            f"{name}: not a BioC collection Caliper can read ({reason(exc)})."
        ) from None


def _typed(schema: LabelSchema, name: str, value: str | None) -> Any:
    """An attribute infon's value as the schema's attribute kind wants it."""
    text = value or ""
    try:
        kind = schema.attribute_named(name).kind
    except UnknownAttributeError:
        return text  # the schema check names the unknown attribute
    if kind in ("choice", "text"):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # the schema check says what is wrong with it


def _codes(infons: dict[str, str | None], what: str) -> list[AnnotationCode]:
    if infons.get("codes"):
        try:
            listed = json.loads(infons["codes"] or "")
            return [
                AnnotationCode(
                    str(c["system"]),
                    str(c["code"]),
                    str(c.get("version", "")),
                    str(c.get("display", "")),
                )
                for c in listed
            ]
        except (json.JSONDecodeError, TypeError, KeyError, AttributeError):
            raise _BadError(f"{what}: its 'codes' infon is not a JSON list of codes") from None
    codes: list[AnnotationCode] = []
    for reference in (infons.get("identifier") or "").split(";"):
        system, _, code = reference.strip().partition(":")
        if reference.strip():
            if not system or not code:
                raise _BadError(f"{what}: identifier {reference.strip()!r} is not SYSTEM:CODE")
            codes.append(AnnotationCode(system, code))
    return codes


def _extras(schema: LabelSchema, infons: dict[str, str | None], what: str) -> dict[str, Any]:
    label = (infons.get("type") or "").strip()
    if not label:
        raise _BadError(f"{what} has no 'type' infon (its label)")
    attributes = {
        name: _typed(schema, name, value) for name, value in infons.items() if name not in _RESERVED
    }
    return {
        "label": label,
        "attributes": attributes,
        "codes": _codes(infons, what),
        "note": infons.get("note") or "",
    }


def _document_text(document: Any, note: str) -> str:
    """The document's text: the note overwritten by each passage's (or sentence's) text
    at its offset — the note itself when they all match it."""
    pieces: list[tuple[int, str]] = []
    for passage in document.passages:
        if passage.text:
            pieces.append((passage.offset, passage.text))
        else:
            pieces.extend((s.offset, s.text) for s in passage.sentences if s.text)
    text = note
    for offset, piece in sorted(pieces, key=lambda p: p[0]):
        if offset < 0:
            raise _BadError(f"a passage has a negative offset ({offset})")
        if offset > len(text):
            text += "\n" * (offset - len(text))
        text = text[:offset] + piece + text[offset + len(piece) :]
    return text


def _merged(fragments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Locations that touch or overlap merged into one fragment (sorted input)."""
    merged: list[tuple[int, int]] = []
    for start, end in fragments:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _record(document: Any, schema: LabelSchema, note: str, where: str) -> NoteRecord:
    import bioc

    record = NoteRecord(_document_text(document, note), id=str(document.id or ""))
    record.labels = {k: _typed(schema, k, v) for k, v in document.infons.items()}
    for found in bioc.annotations(document):
        annotation = found.annotation
        what = f"annotation {annotation.id}"
        extras = _extras(schema, annotation.infons, what)
        fragments = _merged(
            sorted((loc.offset, loc.offset + loc.length) for loc in annotation.locations)
        )
        if not fragments:
            raise _BadError(f"{what} has no location")
        stated = annotation.text
        if stated is not None and fragments[0][0] >= 0 and fragments[-1][1] <= len(note):
            extent = note[fragments[0][0] : fragments[-1][1]]
            if stated == extent:
                stated = covered_text(note, fragments)
        record.spans.append(
            SpanRecord(
                str(annotation.id),
                fragments=fragments,
                text=stated,
                where=f"{where}, {what}",
                **extras,
            )
        )
    for number, found in enumerate(bioc.relations(document), start=1):
        link = found.relation
        what = f"relation {link.id or number}"
        extras = _extras(schema, link.infons, what)
        nodes = list(link.nodes)
        if len(nodes) != 2:
            raise _BadError(f"{what} has {len(nodes)} nodes; a Caliper relation links two spans")
        roles = [(n.role or "").lower() for n in nodes]
        if roles[0] in _TO_ROLES and roles[1] in _FROM_ROLES:
            nodes.reverse()
        record.relations.append(
            RelationRecord(
                str(link.id or number),
                source=nodes[0].refid,
                target=nodes[1].refid,
                where=f"{where}, {what}",
                **extras,
            )
        )
    return record


def _candidates(documents: list[Any], target: ImportTarget, note: str, name: str) -> list[Any]:
    """The collection's only document, else the one with the item's id or the note's text
    (found before any annotation is read, so other notes' need not fit this one)."""
    if len(documents) < 2:
        return documents
    fitting: list[Any] = []
    for document in documents:
        try:
            if document.id == target.item.id or _document_text(document, note) == note:
                fitting.append(document)
        except _BadError:
            continue
    if len(fitting) != 1:
        raise AnnotationImportError(
            f"{name}: holds {len(documents)} documents, of which {len(fitting) or 'none'} "
            "match this note by id or text (one must)."
        )
    return fitting


class BiocImporter:
    """``bioc``: one document of a BioC XML collection onto the note."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.xml`` / ``.bioc`` files whose root is a ``<collection>``."""
        if not path.name.lower().endswith(SUFFIXES):
            return False
        with path.open("rb") as handle:
            head = handle.read(4096)
        return b"<collection" in head

    def siblings(self, data_file: Path) -> list[Path]:
        """None: a BioC file carries its own text, it is not picked up beside a note."""
        del data_file
        return []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """The annotations, relations and labels of the note's document, checked."""
        try:
            if path.stat().st_size > MAX_BYTES:
                raise AnnotationImportError(f"{path.name}: too large for a note's annotations.")
            data = path.read_bytes()
        except OSError as exc:
            raise AnnotationImportError(f"{path.name}: cannot be read ({exc}).") from None
        collection = parse_collection(data, path.name)
        note = target.payloads.text(target.item)
        documents: list[tuple[str, NoteRecord]] = []
        for number, document in enumerate(
            _candidates(collection.documents, target, note, path.name), 1
        ):
            where = f"document {document.id or number}"
            try:
                documents.append((where, _record(document, target.schema, note, where)))
            except _BadError as exc:
                raise AnnotationImportError(f"{path.name}, {where}: {exc}.") from None
        record = the_note(documents, target, path)
        return ReadAnnotations(annotations_from(record, target, path, FORMAT))


register_annotation_importer(BiocImporter())
