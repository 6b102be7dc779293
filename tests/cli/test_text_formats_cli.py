"""``caliper export --format brat|bioc|jsonl`` and ``caliper import --annotations-of`` on notes.

A good file comes back as pre-annotations; a bad one (malformed, offsets outside the note,
another text, an unknown label, a code system or brat type the schema lacks, XML entities)
is one line on stderr and leaves the profile byte for byte as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from workspace.annotation_kinds.codes import AnnotationCode, with_codes
from workspace.annotation_kinds.relations import relation
from workspace.annotation_kinds.spans import span
from workspace.annotations import AddAnnotations
from workspace.workspace import Workspace

NOTE = "No fever. Mild cough since Monday.\n"


def _note(profile_dir: Path, tmp_path: Path) -> str:
    note = tmp_path / "visit.txt"
    note.write_text(NOTE, encoding="utf-8")
    result = caliper("import", str(note), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\t")[0]


def _annotate(profile_dir: Path, item_id: str) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        schema = workspace.schema_for(workspace.item(item_id))
        fever = span(item_id, NOTE, [(3, 8)], "problem", schema=schema,
                     attributes={"assertion": "absent"})  # fmt: skip
        code = AnnotationCode("ICD10CM", "R05.9", "2025", "Cough, unspecified")
        cough = span(item_id, NOTE, [(15, 20)], "problem", schema=schema)
        cough = type(cough)(item_id, "span", "problem", with_codes(cough.data, [code]))
        monday = span(item_id, NOTE, [(27, 33)], "test", schema=schema)
        link = relation(monday, cough, "reveals", schema=schema)
        document = workspace.document(item_id)
        workspace.command_stack(item_id).push(
            AddAnnotations(document, [fever, cough, monday, link])
        )
    finally:
        workspace.lock()


def _annotations(profile_dir: Path) -> list[dict]:
    result = caliper("list", "annotations", "--json", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["annotations"]


@pytest.mark.parametrize(
    ("fmt", "name", "files"),
    [
        ("brat", "visit.ann", ["visit.ann", "visit.txt", "annotation.conf", "visual.conf"]),
        ("bioc", "visit.xml", ["visit.xml"]),
        ("jsonl", "visit.jsonl", ["visit.jsonl"]),
    ],
)
def test_a_note_exports_and_reads_back_in_each_text_format(
    profile_dir: Path, tmp_path: Path, fmt: str, name: str, files: list[str]
) -> None:
    item_id = _note(profile_dir, tmp_path)
    _annotate(profile_dir, item_id)
    out = tmp_path / "out" / name
    out.parent.mkdir()

    exported = caliper(
        "export", item_id, "--format", fmt, "--out", str(out), "--profile", str(profile_dir)
    )
    assert exported.returncode == 0, exported.stderr
    assert [Path(line).name for line in exported.stdout.splitlines()] == files

    result = caliper("import", str(out), "--annotations-of", item_id, "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{item_id}\t{fmt}\t4 annotations from {name}\n"
    read = [a for a in _annotations(profile_dir) if a["data"].get("source")]
    assert sorted((a["label"], a["data"].get("text")) for a in read) == [
        ("problem", "cough"),
        ("problem", "fever"),
        ("reveals", None),
        ("test", "Monday"),
    ]
    coded = next(a for a in read if a["data"].get("text") == "cough")
    assert coded["data"]["codes"][0]["code"] == "R05.9"


def _bioc(passage: str, annotation: str = "", entity_header: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{entity_header}<collection><source/><date/>'
        f"<key/><document><id>d</id><passage><offset>0</offset><text>{passage}</text>"
        f"{annotation}</passage></document></collection>"
    )


def _bioc_annotation(label: str, offset: int, length: int, text: str) -> str:
    return (
        f'<annotation id="A1"><infon key="type">{label}</infon>'
        f'<location offset="{offset}" length="{length}"/><text>{text}</text></annotation>'
    )


def _jsonl(text: str, label: str, fragment: list[int], covered: str) -> str:
    spans = [{"id": "T1", "label": label, "fragments": [fragment], "text": covered}]
    return json.dumps({"id": "d", "text": text, "spans": spans}) + "\n"


BAD_FILES = [
    ("note.xml", "<collection><document>", "note.xml: not well-formed XML"),
    ("note.xml", _bioc(NOTE, _bioc_annotation("problem", 900, 5, "fever")), "not inside"),
    ("note.xml", _bioc("No fever. Mild cold", ""), "differs from the note at character 17"),
    (
        "note.xml",
        _bioc(NOTE, _bioc_annotation("diagnosis", 3, 5, "fever")),
        "annotation A1: unknown label 'diagnosis'",
    ),
    (
        "note.xml",
        _bioc("&x;", "", '<!DOCTYPE collection [<!ENTITY x "No fever">]>'),
        "declares XML entities",
    ),
    ("note.xml", "<notbioc/>", "formats for text items"),  # not claimed as BioC
    ("note.jsonl", '{"text": "No fever.", "spans": [\n', "note.jsonl, line 1: not JSON"),
    ("note.jsonl", _jsonl(NOTE, "problem", [3, 900], "fever"), "not inside the note"),
    ("note.jsonl", _jsonl(NOTE[:-1], "problem", [3, 8], "fever"), "has 34 characters where"),
    ("note.jsonl", _jsonl(NOTE, "diagnosis", [3, 8], "fever"), "unknown label 'diagnosis'"),
    ("note.jsonl", _jsonl(NOTE, "problem", [3, 8], "fewer"), "'fewer' differs from the note"),
    ("note.ann", "T1\tdiagnosis 3 8\tfever\n", "line 1: unknown label 'diagnosis'"),
    (
        "note.ann",
        "T1\tproblem 3 8\tfever\nN1\tReference T1 MESH:D005334\tFever\n",
        "code system 'MESH' is not declared",
    ),
]


@pytest.mark.parametrize(("name", "content", "fragment"), BAD_FILES)
def test_a_bad_text_annotation_file_is_one_line_and_changes_nothing(
    profile_dir: Path, tmp_path: Path, name: str, content: str, fragment: str
) -> None:
    item_id = _note(profile_dir, tmp_path)
    bad = tmp_path / name
    bad.write_text(content, encoding="utf-8")
    before = stored_state(profile_dir)

    result = caliper("import", str(bad), "--annotations-of", item_id, "--profile", str(profile_dir))

    assert_one_line_error(result, fragment)
    assert_nothing_stored_changed(before, profile_dir)


def test_an_annotation_conf_declaring_types_the_schema_lacks_is_refused(
    profile_dir: Path, tmp_path: Path
) -> None:
    item_id = _note(profile_dir, tmp_path)
    folder = tmp_path / "brat"
    folder.mkdir()
    ann = folder / "visit.ann"
    ann.write_text("T1\tproblem 3 8\tfever\n", encoding="utf-8")
    (folder / "annotation.conf").write_text(
        "[entities]\nproblem\n!abstract\n\tdiagnosis\n[relations]\nsuggests\tArg1:problem, "
        "Arg2:problem\n<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OL-TYPE>:<ANY>\n"
        "[events]\n[attributes]\n",
        encoding="utf-8",
    )
    before = stored_state(profile_dir)

    result = caliper("import", str(ann), "--annotations-of", item_id, "--profile", str(profile_dir))

    assert_one_line_error(
        result, "annotation.conf beside visit.ann declares types schema clinical-ner lacks: "
        "diagnosis, suggests."
    )  # fmt: skip
    assert_nothing_stored_changed(before, profile_dir)
