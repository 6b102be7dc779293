"""Clinical-note annotations as BioC XML, written with the ``bioc`` package.

One collection holding one document (its id the item's): one passage at offset 0 with the
whole note as its text, the spans as its annotations and the relations as its relations.
Offsets are code points into the note (``len`` of a Python string), which is how the
``bioc`` library reads and validates them (``bioc.validate`` slices the passage text with
them); the collection says so in its ``offsets`` infon. Laid out as
``docs/formats/text-bioc.md`` describes:

- an annotation has one ``location`` per fragment and, as its ``text``, the note from its
  first location to the end of its last (what ``bioc.validate`` compares); infons ``type``
  (the label), one per attribute (text as is, other values as JSON), ``note``, and for codes
  ``identifier`` (``ICD10CM:E11.9``, ``;`` between several, as PubTator writes them) and
  ``codes`` (JSON, with version and display);
- a relation has infons ``type`` and the same extras, and two nodes, roles ``Arg1`` (from)
  and ``Arg2`` (to);
- the note's document labels are the document's infons.

A note holding a character XML 1.0 cannot carry (most control characters) is refused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.text_formats.records import NoteRecord, RelationRecord, SpanRecord, note_record

if TYPE_CHECKING:
    import bioc

FORMAT = "bioc"
SUFFIXES = (".xml", ".bioc")
OFFSETS = "code points"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def infon_value(value: Any) -> str:
    """An attribute or label value as infon text: text as is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _infons(entry: SpanRecord | RelationRecord) -> dict[str, str]:
    infons = {"type": entry.label}
    infons.update({name: infon_value(value) for name, value in entry.attributes.items()})
    if entry.codes:
        infons["identifier"] = ";".join(f"{c.system}:{c.code}" for c in entry.codes)
        infons["codes"] = json.dumps([c.as_json() for c in entry.codes], ensure_ascii=False)
    if entry.note:
        infons["note"] = entry.note
    return infons


def collection_of(record: NoteRecord) -> bioc.BioCCollection:
    """The BioC collection of one note's record."""
    import bioc

    bad = _NOT_XML.search(record.text)
    if bad is not None:
        raise ExportError(
            f"The note holds U+{ord(bad.group()):04X} at character {bad.start()}, which XML "
            "cannot carry; export it as brat or jsonl instead."
        )
    collection = bioc.BioCCollection()
    collection.source = "Caliper"
    collection.key = "caliper-text.key"
    collection.infons["offsets"] = OFFSETS
    document = bioc.BioCDocument()
    document.id = record.id
    document.infons.update({k: infon_value(v) for k, v in record.labels.items()})
    passage = bioc.BioCPassage.of_text(record.text, 0)
    passage.infons["type"] = "note"
    for entry in record.spans:
        annotation = bioc.BioCAnnotation()
        annotation.id = entry.key
        annotation.infons.update(_infons(entry))
        for start, end in entry.fragments:
            annotation.add_location(bioc.BioCLocation(start, end - start))
        annotation.text = record.text[entry.fragments[0][0] : entry.fragments[-1][1]]
        passage.add_annotation(annotation)
    for link in record.relations:
        relation = bioc.BioCRelation()
        relation.id = link.key
        relation.infons.update(_infons(link))
        relation.add_node(bioc.BioCNode(link.source, "Arg1"))
        relation.add_node(bioc.BioCNode(link.target, "Arg2"))
        passage.add_relation(relation)
    document.add_passage(passage)
    collection.add_document(document)
    return collection


def write_bioc(record: NoteRecord, out: Path) -> list[Path]:
    """Write ``record`` as a BioC XML collection to ``out``; returns ``[out]``."""
    import bioc

    require_suffix(out, FORMAT, SUFFIXES)
    try:
        xml = bioc.dumps(collection_of(record), pretty_print=True)
    except ValueError as exc:  # lxml: a string XML cannot hold
        raise ExportError(f"The note cannot be written as XML ({exc}).") from None
    try:
        out.write_text(xml, encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class BiocExporter:
    """``bioc``: a note, its spans, relations and document labels as BioC XML."""

    format_id = FORMAT
    result_file: str | None = "annotations.bioc.xml"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write the note's collection to ``out`` (``.xml``)."""
        require_suffix(out, FORMAT, SUFFIXES)
        text = source.payloads.text(source.item)
        record = note_record(text, source.annotations, source.schema, note_id=source.item.id)
        return write_bioc(record, out)


register_exporter(BiocExporter())
