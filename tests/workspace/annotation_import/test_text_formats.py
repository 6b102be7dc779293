"""brat, BioC and JSON Lines: export → import → export is lossless on hard characters.

A note with CRLF line ends, accents, a combining mark, an emoji (astral plane), CJK and a
U+2028 line separator carries spans (nested, overlapping, discontinuous, across a line
break), attributes, codes, notes, a relation, document labels and a suggestion. Each format
is written with the real exporter, checked with its field library (``bioc`` reads the XML
and validates every annotation against the passage text; ``bioc.brat`` reads the ``.ann``),
read onto a second item holding the same note, and written again: the two files must say
the same thing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.annotation_import.service import import_annotations
from workspace.annotation_kinds.base import source_of
from workspace.annotation_kinds.codes import AnnotationCode, codes_of, with_codes
from workspace.annotation_kinds.names import RELATION, SPAN
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.spans import span
from workspace.annotation_kinds.suggestions import suggested
from workspace.annotations import AddAnnotations, Annotation
from workspace.export.item_export import export_item
from workspace.text_formats.document_labels import document_labels, document_labels_of
from workspace.workspace import Workspace

NOTE = (
    "Patiënt: José Müller\r\n"
    "Dx: café-au-lait spots 😀 e\u0301dema and 糖尿病 (type 2)\r\n"
    "Rx: metformin 500 mg\u2028twice daily\r\n"
)
DIABETES = AnnotationCode("ICD10CM", "E11.9", "2025", "Type 2 diabetes mellitus, é 😀")


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


@pytest.fixture
def other(template_profile: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A second profile: the workstation the exported files are read on."""
    target = tmp_path / "other profile"
    shutil.copytree(template_profile, target)
    opened = Profile.unlock(target, PASSPHRASE)
    yield Workspace(opened)
    opened.lock()


def _item(workspace: Workspace, path: Path) -> str:
    path.write_bytes(NOTE.encode("utf-8"))
    (item,) = workspace.import_paths([path])
    return item.id


def _at(phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = NOTE.index(phrase, start + 1)
    return start, start + len(phrase)


def _draw(workspace: Workspace, item_id: str) -> list[Annotation]:
    schema = workspace.schema_for(workspace.item(item_id))

    def make(phrases: list[tuple[int, int]], label: str, **kw: Any) -> Annotation:
        return span(item_id, NOTE, phrases, label, schema=schema, **kw)

    name = make([_at("José Müller")], "phi_name", attributes={"surrogate": "Ann Smith"})
    spots = make([_at("café-au-lait spots")], "problem", attributes={"assertion": "absent"})
    nested = make([_at("café")], "anatomy", note="naïve note, 😀 and 漢字")
    emoji = make([_at("😀")], "problem")
    split = make([_at("e\u0301dema"), _at("糖尿病")], "problem", attributes={"assertion": "family"})
    diabetes = Annotation(
        item_id, SPAN, "problem", with_codes(make([_at("糖尿病 (type 2)")], "problem").data,
                                             [DIABETES], schema=schema, label="problem"),
    )  # fmt: skip
    crossing = make([_at("(type 2)\r\nRx")], "test")  # across a CRLF
    metformin = make([_at("metformin 500 mg\u2028twice")], "medication")
    rxnorm = AnnotationCode("RXNORM", "6809", "", "metformin")
    metformin = Annotation(
        item_id, SPAN, "medication",
        with_codes(metformin.data, [rxnorm], schema=schema, label="medication"),
    )  # fmt: skip
    treats = relation(metformin, diabetes, "treats", schema=schema, note="first line")
    labels = document_labels(item_id, schema, {"note_type": "discharge_summary"})
    proposal = make([_at("Patiënt")], "phi_name", data=suggested({}, "phi-rules", "title"))
    drawn = [name, spots, nested, emoji, split, diabetes, crossing, metformin, treats, labels]
    document = workspace.document(item_id)
    workspace.command_stack(item_id).push(AddAnnotations(document, [*drawn, proposal]))
    return drawn


def _shape(annotation: Annotation, names: dict[str, Any], *, brat: bool) -> str:
    """What must survive: kind, label, data without the source mark (relation ends by span)."""
    data = {k: v for k, v in annotation.data.items() if k != "source"}
    if annotation.kind == RELATION:
        data["from"], data["to"] = names[data["from"]], names[data["to"]]
    if brat and "codes" in data:  # brat's normalizations have no version
        data["codes"] = [{**code, "version": ""} for code in data["codes"]]
    return json.dumps([annotation.kind, annotation.label, data], sort_keys=True)


def _shapes(annotations: list[Annotation], *, brat: bool = False) -> list[str]:
    names = {a.id: _shape(a, {}, brat=brat) for a in annotations if a.kind == SPAN}
    return sorted(_shape(a, names, brat=brat) for a in annotations)


def _read(workspace: Workspace, item_id: str, name: str) -> list[Annotation]:
    return [
        a
        for a in workspace.annotations(item_id)
        if (source := source_of(a.data)) is not None and source["file"] == name
    ]


def test_brat_round_trip_is_lossless_on_hard_characters(
    workspace: Workspace, other: Workspace, tmp_path: Path
) -> None:
    import bioc.brat

    first = _item(workspace, tmp_path / "note.txt")
    drawn = _draw(workspace, first)
    out = tmp_path / "one" / "note.ann"
    out.parent.mkdir()

    written = export_item(workspace, first, "brat", out)

    assert [p.name for p in written] == ["note.ann", "note.txt", "annotation.conf", "visual.conf"]
    assert (tmp_path / "one" / "note.txt").read_bytes() == NOTE.encode("utf-8")
    ann = out.read_text(encoding="utf-8")
    parsed = bioc.brat.loads(NOTE, ann)  # the field library's reader
    for entity in parsed.entities:  # brat offsets are code points of the .txt
        pieces = sorted((i.begin, i.end) for i in entity.locations)
        assert entity.text == " ".join(NOTE[a:b] for a, b in pieces)
    assert len(parsed.entities) == 8  # the suggestion is left out
    assert "N1\tReference T" in ann and "ICD10CM:E11.9\tType 2 diabetes mellitus, é 😀" in ann
    # the exported .txt with its .ann is picked up as a new item's pre-annotations
    (second,) = other.import_paths([tmp_path / "one" / "note.txt"])
    read = _read(other, second.id, "note.ann")
    kept = [a for a in drawn if a.label is not None]  # brat has no document labels
    assert _shapes(read, brat=True) == _shapes(kept, brat=True)
    again = tmp_path / "two" / "note.ann"
    again.parent.mkdir()
    export_item(other, second.id, "brat", again)
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize(("fmt", "name"), [("bioc", "note.xml"), ("jsonl", "note.jsonl")])
def test_bioc_and_jsonl_round_trips_are_lossless_on_hard_characters(
    workspace: Workspace, other: Workspace, tmp_path: Path, fmt: str, name: str
) -> None:
    first = _item(workspace, tmp_path / "note.txt")
    drawn = _draw(workspace, first)
    out = tmp_path / "one" / name
    out.parent.mkdir()
    export_item(workspace, first, fmt, out)
    second = _item(other, tmp_path / "same note.txt")

    result = import_annotations(other, second, out)

    assert (result.format, result.count) == (fmt, len(drawn))
    read = _read(other, second, name)
    assert _shapes(read) == _shapes(drawn)
    assert document_labels_of(read) == {"note_type": "discharge_summary"}
    assert [codes_of(a) for a in read if a.data.get("codes") and a.label == "problem"] == [
        [DIABETES]
    ]
    again = tmp_path / "two" / name
    again.parent.mkdir()
    export_item(other, second, fmt, again)
    assert again.read_text(encoding="utf-8").replace(second, first) == out.read_text(
        encoding="utf-8"
    ).replace(_date_of(out), _date_of(again))


def _date_of(path: Path) -> str:
    """The BioC collection's date (written on export), or '' for other formats."""
    text = path.read_text(encoding="utf-8")
    if "<date>" not in text:
        return "\x00"
    return text.split("<date>", 1)[1].split("</date>", 1)[0]


def test_bioc_offsets_are_code_points_as_the_bioc_library_reads_them(
    workspace: Workspace, tmp_path: Path
) -> None:
    import bioc

    item_id = _item(workspace, tmp_path / "note.txt")
    _draw(workspace, item_id)
    out = tmp_path / "note.xml"
    export_item(workspace, item_id, "bioc", out)

    with out.open("rb") as handle:
        collection = bioc.load(handle)
    bioc.validate(collection)  # each annotation's text is the passage's at its offsets
    (document,) = collection.documents
    (passage,) = document.passages
    assert passage.text == NOTE  # the CRLFs survive XML (written as &#13;)
    assert collection.infons["offsets"] == "code points"
    assert document.infons == {"note_type": "discharge_summary"}
    found = {
        ann.infons["type"]
        + ":"
        + "|".join(passage.text[loc.offset : loc.offset + loc.length] for loc in ann.locations)
        for ann in passage.annotations
    }
    assert "problem:e\u0301dema|糖尿病" in found
    assert "problem:😀" in found
    assert "test:(type 2)\r\nRx" in found
    (link,) = passage.relations
    by_id = {a.id: a.infons["type"] for a in passage.annotations}
    assert [(n.role, by_id[n.refid]) for n in link.nodes] == [
        ("Arg1", "medication"),
        ("Arg2", "problem"),
    ]
    coded = next(a for a in passage.annotations if "E11.9" in a.infons.get("identifier", ""))
    assert coded.infons["identifier"] == "ICD10CM:E11.9"
    assert json.loads(coded.infons["codes"]) == [DIABETES.as_json()]
