"""What the text exporters write, line by line: brat's two .conf files, JSON Lines, BioC."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workspace.annotation_kinds.codes import AnnotationCode, with_codes
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.spans import span
from workspace.annotation_kinds.suggestions import suggested
from workspace.export.base import ExportError
from workspace.export.bioc import write_bioc
from workspace.export.text_jsonl import record_json, write_text_jsonl
from workspace.schema import load_preset
from workspace.text_formats.brat_conf import annotation_conf, declared_types, visual_conf
from workspace.text_formats.document_labels import document_labels
from workspace.text_formats.records import note_record

SCHEMA = load_preset("clinical-ner")


def test_annotation_conf_declares_the_schema_as_brat_reads_it() -> None:
    conf = annotation_conf(SCHEMA)
    sections = {}
    current = ""
    for line in conf.splitlines():
        if line.startswith("["):
            current = line
            sections[current] = []
        elif current and line:
            sections[current].append(line)
    assert sections["[entities]"] == list(SCHEMA.class_names)
    assert "treats\tArg1:medication|procedure, Arg2:problem" in sections["[relations]"]
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OL-TYPE>:<ANY>" in sections["[relations]"]
    assert sections["[events]"] == []
    assert sections["[attributes]"] == [
        "assertion\tArg:problem|medication|procedure|test, "
        "Value:present|absent|possible|historical|family|hypothetical",
        "certainty\tArg:problem|medication|procedure|test, Value:present|absent|possible",
        "temporality\tArg:problem|medication|procedure|test, Value:current|historical|hypothetical",
        "experiencer\tArg:problem|medication|procedure|test, Value:patient|family|other",
        "note_type\tArg:<ENTITY>, Value:discharge_summary|progress_note|consultation|"
        "radiology_report|pathology_report|operative_note|other",
    ]  # the free-text 'surrogate' is written as a note, which needs no declaration
    declared = declared_types(conf)
    assert declared.entities == list(SCHEMA.class_names)
    assert declared.relations == [r.name for r in SCHEMA.relation_types]


def test_visual_conf_gives_each_class_its_colour_and_a_readable_text_colour() -> None:
    lines = visual_conf(SCHEMA).splitlines()
    assert "problem | problem" in lines
    assert "problem\tfgColor:white, bgColor:#e6194b, borderColor:darken" in lines
    assert "phi_location\tfgColor:black, bgColor:#a9a9a9, borderColor:darken" in lines
    default = "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken"
    assert lines.index("[drawing]") < lines.index(default)


def test_declared_types_reads_brats_own_conf_syntax() -> None:
    conf = (
        "# a comment\n[entities]\nProtein\n!Abstract\n\tGene\n\t\tDNA\n-\n"
        "[relations]\n<POG>=Protein|Gene\nPart-of\tArg1:<POG>, Arg2:<POG>\n"
        "Equiv\tArg1:Protein, Arg2:Protein, <REL-TYPE>:symmetric-transitive\n"
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OL-TYPE>:<ANY>\n"
        "[events]\nBinding\tTheme+:Protein\n[attributes]\nNegation\tArg:<EVENT>\n"
    )
    declared = declared_types(conf)
    assert declared.entities == ["Protein", "Gene", "DNA"]
    assert declared.relations == ["Part-of", "Equiv"]


def _note_annotations() -> tuple[str, list]:
    text = "Ménière's disease; 糖尿病 on metformin.\r\n"
    disease = span("i", text, [(0, 17)], "problem", schema=SCHEMA)
    code = AnnotationCode("ICD10CM", "H81.09", "2025", "Ménière's disease, unspecified ear")
    disease = type(disease)("i", "span", "problem", with_codes(disease.data, [code]))
    drug = span("i", text, [(26, 35)], "medication", schema=SCHEMA, note="since 2019")
    proposal = span("i", text, [(19, 22)], "problem", data=suggested({}, "rules", "r1"))
    link = relation(drug, disease, "treats", schema=SCHEMA)
    dropped = relation(drug, proposal, "treats", schema=SCHEMA)  # ends on a suggestion
    labels = document_labels("i", SCHEMA, {"note_type": "consultation"})
    return text, [disease, drug, proposal, link, dropped, labels]


def test_a_jsonl_line_is_the_documented_layout(tmp_path: Path) -> None:
    text, annotations = _note_annotations()
    record = note_record(text, annotations, SCHEMA, note_id="i")

    (out,) = write_text_jsonl(record, tmp_path / "note.jsonl")

    content = out.read_text(encoding="utf-8")
    assert content.count("\n") == 1 and "Ménière" in content  # one line, characters as is
    line = json.loads(content)
    assert line == record_json(record)
    assert line["labels"] == {"note_type": "consultation"}
    assert [(s["id"], s["label"], s["fragments"], s["text"]) for s in line["spans"]] == [
        ("T1", "problem", [[0, 17]], "Ménière's disease"),
        ("T2", "medication", [[26, 35]], "metformin"),
    ]  # the suggestion is left out, and so is the relation to it
    assert line["spans"][0]["codes"][0]["code"] == "H81.09"
    assert line["spans"][1]["note"] == "since 2019"
    assert line["relations"] == [{"id": "R1", "label": "treats", "from": "T2", "to": "T1"}]


def test_bioc_refuses_a_character_xml_cannot_carry(tmp_path: Path) -> None:
    text = "Page one\x0cpage two\n"
    record = note_record(text, [span("i", text, [(0, 4)], "problem")], SCHEMA)
    with pytest.raises(ExportError, match=r"U\+000C at character 8, which XML cannot carry"):
        write_bioc(record, tmp_path / "note.xml")
    assert not (tmp_path / "note.xml").exists()


@pytest.mark.parametrize(("fmt", "name"), [("bioc", "note.txt"), ("jsonl", "note.json")])
def test_a_wrong_file_name_is_refused(tmp_path: Path, fmt: str, name: str) -> None:
    record = note_record("x", [], SCHEMA)
    writer = write_bioc if fmt == "bioc" else write_text_jsonl
    with pytest.raises(ExportError, match=f"a {fmt} file name ends with"):
        writer(record, tmp_path / name)
