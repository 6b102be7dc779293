"""BioC and JSON Lines files from elsewhere: corpora of many notes, PubTator-style BioC."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.profile import Profile
from workspace.annotation_import.base import AnnotationImportError
from workspace.annotation_import.service import import_annotations
from workspace.annotation_kinds.codes import codes_of
from workspace.workspace import Workspace

TITLE = "Fever of unknown origin"
ABSTRACT = "A febrile café owner 😀 had cough."
NOTE = f"{TITLE}\n{ABSTRACT}\n"


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


@pytest.fixture
def item_id(workspace: Workspace, tmp_path: Path) -> str:
    path = tmp_path / "note.txt"
    path.write_text(NOTE, encoding="utf-8", newline="")
    (item,) = workspace.import_paths([path])
    return item.id


def _line(text: str, label: str, phrase: str) -> str:
    start = text.index(phrase)
    spans = [{"id": "T1", "label": label, "fragments": [[start, start + len(phrase)]]}]
    return json.dumps({"id": phrase, "text": text, "spans": spans}, ensure_ascii=False)


def test_the_jsonl_line_holding_the_note_is_read_from_a_corpus(
    workspace: Workspace, item_id: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [_line("Other note.\n", "problem", "note"), _line(NOTE, "problem", "cough"), ""]
    corpus.write_text("\n".join(lines), encoding="utf-8")

    result = import_annotations(workspace, item_id, corpus)

    assert result.count == 1
    (read,) = workspace.annotations(item_id)
    assert read.data["text"] == "cough"


def test_a_corpus_without_the_note_is_one_clear_message(
    workspace: Workspace, item_id: str, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [_line("Other note.\n", "problem", "note"), _line("Third.\n", "test", "Third")]
    corpus.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(AnnotationImportError, match="holds 2 documents, of which none match"):
        import_annotations(workspace, item_id, corpus)
    assert workspace.annotations(item_id) == []


def _pubtator_bioc() -> str:
    """Two passages (title, abstract) at document offsets, annotations at passage and
    sentence level, a PubTator ``identifier`` infon, touching locations; another document
    whose annotation (no ``type``) would not be read."""
    cafe = NOTE.index("café")
    cough = NOTE.index("cough")
    febrile = NOTE.index("febrile")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE collection SYSTEM "BioC.dtd">
<collection><source>PubTator</source><date>2024</date><key>BioC.key</key>
<document><id>other</id><passage><offset>0</offset><text>Something else</text>
<annotation id="9"><location offset="0" length="4"/><text>Some</text></annotation></passage>
</document>
<document><id>12345</id>
<passage><infon key="type">title</infon><offset>0</offset><text>{TITLE}</text>
<annotation id="1"><infon key="type">problem</infon>
<infon key="identifier">ICD10CM:R50.9</infon>
<location offset="0" length="5"/><text>Fever</text></annotation>
</passage>
<passage><infon key="type">abstract</infon><offset>{len(TITLE) + 1}</offset>
<sentence><offset>{len(TITLE) + 1}</offset><text>{ABSTRACT}</text>
<annotation id="2"><infon key="type">problem</infon>
<location offset="{cough}" length="2"/><location offset="{cough + 2}" length="3"/>
<text>cough</text></annotation>
</sentence>
<annotation id="3"><infon key="type">problem</infon><infon key="assertion">possible</infon>
<location offset="{febrile}" length="7"/><text>febrile</text></annotation>
<annotation id="4"><infon key="type">anatomy</infon>
<location offset="{cafe}" length="4"/><text>café</text></annotation>
<relation id="R1"><infon key="type">located_in</infon>
<node refid="4" role="Arg2"/><node refid="3" role="Arg1"/></relation>
</passage></document></collection>
"""


def test_pubtator_style_bioc_reads_onto_the_note(
    workspace: Workspace, item_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "pubtator.xml"
    path.write_text(_pubtator_bioc(), encoding="utf-8")

    result = import_annotations(workspace, item_id, path)

    assert (result.format, result.count) == ("bioc", 5)
    found = {a.data.get("text"): a for a in workspace.annotations(item_id)}
    assert [c.code for c in codes_of(found["Fever"])] == ["R50.9"]
    assert "fragments" not in found["cough"].data  # touching locations merged
    assert found["febrile"].data["attributes"] == {"assertion": "possible"}
    link = found[None]
    assert (link.label, link.data["from"], link.data["to"]) == (
        "located_in",
        found["febrile"].id,
        found["café"].id,
    )  # node roles, not their order, give the direction


def test_bioc_counting_utf8_bytes_is_refused_at_the_first_shifted_annotation(
    workspace: Workspace, item_id: str, tmp_path: Path
) -> None:
    owner = len(NOTE[: NOTE.index("owner")].encode("utf-8"))  # past é: one byte more
    path = tmp_path / "bytes.xml"
    path.write_text(
        f"<collection><document><id>d</id><passage><offset>0</offset><text>{NOTE}</text>"
        f'<annotation id="7"><infon key="type">problem</infon>'
        f'<location offset="{owner}" length="5"/><text>owner</text></annotation>'
        "</passage></document></collection>",
        encoding="utf-8",
    )
    with pytest.raises(AnnotationImportError, match=r"annotation 7: its text 'owner' differs"):
        import_annotations(workspace, item_id, path)
    assert workspace.annotations(item_id) == []
