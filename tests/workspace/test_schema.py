"""Label schemas: presets, validation messages, lookups and attribute checks (no Qt)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workspace.schema import (
    PRESETS_DIR,
    AttributeValueError,
    LabelClass,
    LabelSchema,
    RelationType,
    SchemaError,
    UnknownAttributeError,
    UnknownLabelError,
    UnknownPresetError,
    list_presets,
    load_preset,
    load_schema,
    normalize_shortcut,
    parse_schema,
    schema_to_document,
)

REQUIRED_PRESETS = {"ct-abdomen-organs", "clinical-ner", "ecg-beats-rhythms", "audio-conversation"}


def make_document() -> dict[str, Any]:
    """A small valid schema that each test breaks in one place."""
    return {
        "id": "ct-organs",
        "name": "CT organs",
        "version": "1.0",
        "modalities": ["ct"],
        "code_systems": [{"id": "SCT", "name": "SNOMED CT", "uri": "http://snomed.info/sct"}],
        "classes": [
            {
                "name": "liver",
                "color": "#dd8265",
                "shortcut": "1",
                "code": {"system": "SCT", "code": "10200004"},
            },
            {"name": "spleen", "color": "#9d6ca2", "shortcut": "Ctrl+2"},
            {"name": "lesion", "color": "#f0e442"},
        ],
        "attributes": [
            {"name": "finding", "kind": "choice", "values": ["mass", "cyst"]},
            {
                "name": "severity",
                "kind": "choice",
                "values": ["none", "mild", "severe"],
                "default": "none",
            },
            {"name": "signs", "kind": "multi", "values": ["rim", "fat"], "applies_to": ["lesion"]},
            {"name": "size_mm", "kind": "number", "applies_to": ["lesion"]},
            {"name": "target", "kind": "bool", "default": False, "applies_to": ["lesion"]},
            {"name": "comment", "kind": "text"},
        ],
        "relation_types": [
            {"name": "inside", "from": ["lesion"], "to": ["liver", "spleen"]},
            {
                "name": "touches",
                "from": ["liver", "spleen"],
                "to": ["liver", "spleen"],
                "directed": False,
            },
        ],
    }


def problems_of(mutate: Callable[[dict[str, Any]], object]) -> list[str]:
    """The problem lines reported for the sample document after ``mutate``."""
    document = make_document()
    mutate(document)
    with pytest.raises(SchemaError) as caught:
        parse_schema(document, source="ct-organs.json")
    lines = str(caught.value).splitlines()
    assert all(line.startswith("ct-organs.json: ") for line in lines)
    return [line.removeprefix("ct-organs.json: ") for line in lines]


# ---------------------------------------------------------------- presets


def test_required_presets_ship_and_nothing_else() -> None:
    assert {path.stem for path in list_presets()} >= REQUIRED_PRESETS
    assert {p.suffix for p in PRESETS_DIR.iterdir() if p.name != "__pycache__"} == {".json"}


@pytest.mark.parametrize("path", list_presets(), ids=lambda p: p.stem)
def test_preset_loads_and_round_trips(path: Path) -> None:
    schema = load_preset(path.stem)
    assert schema.id == path.stem
    document = schema_to_document(schema)
    assert parse_schema(document, source="round-trip") == schema
    # Presets are kept in canonical form, so a saved schema diff-matches its preset.
    assert document == json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(document)) == document


def _verhoeff_valid(number: str) -> bool:
    """SNOMED CT identifiers end in a Verhoeff check digit."""
    d = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
    p = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = d[check][p[i % 8][int(digit)]]
    return check == 0


def test_preset_snomed_codes_are_well_formed_concept_ids() -> None:
    codes = [
        (schema.id, label.name, label.code.code)
        for schema in map(load_schema, list_presets())
        for label in schema.classes
        if label.code is not None and label.code.system == "SCT"
    ]
    assert len(codes) >= 5
    for schema_id, name, code in codes:
        assert code.isdigit() and 6 <= len(code) <= 18, (schema_id, name, code)
        assert code[-3:-1] == "00", f"{schema_id} {name}: {code} is not a concept id"
        assert _verhoeff_valid(code), f"{schema_id} {name}: {code} fails its check digit"


def test_known_snomed_codes_in_ct_preset() -> None:
    schema = load_preset("ct-abdomen-organs")
    codes = {c.name: c.code.code for c in schema.classes if c.code is not None}
    assert codes["liver"] == "10200004"
    assert codes["spleen"] == "78961009"
    assert codes["pancreas"] == "15776009"
    assert {"kidney_left", "kidney_right", "lesion"} <= set(codes)
    for name in ("finding", "severity", "laterality", "certainty"):
        assert schema.attribute_named(name).applies_to is None  # study level


def test_clinical_ner_preset_contents() -> None:
    schema = load_preset("clinical-ner")
    assertion = schema.attribute_named("assertion")
    assert set(assertion.values) == {
        "present",
        "absent",
        "possible",
        "historical",
        "family",
        "hypothetical",
    }
    assert {r.name for r in schema.relation_types} >= {"treats", "reveals"}
    assert "ICD10CM" in {s.id for s in schema.code_systems}
    assert any(c.group == "phi" for c in schema.classes)


def test_ecg_preset_uses_wfdb_symbols() -> None:
    schema = load_preset("ecg-beats-rhythms")
    beats = {c.code.code for c in schema.classes if c.group == "beat" and c.code}
    rhythms = {c.code.code for c in schema.classes if c.group == "rhythm" and c.code}
    assert {"N", "V", "S", "F", "Q"} <= beats
    assert {"(AFIB", "(SBR", "(N"} <= rhythms


def test_audio_preset_speaker_roles() -> None:
    schema = load_preset("audio-conversation")
    speakers = {c.name for c in schema.classes if c.group == "speaker"}
    assert {"clinician", "patient", "family", "other"} <= speakers


def test_unknown_preset_names_the_available_ones() -> None:
    with pytest.raises(UnknownPresetError) as caught:
        load_preset("clinical-nr")
    message = str(caught.value)
    assert message.startswith("unknown schema preset 'clinical-nr' (did you mean 'clinical-ner'?)")
    assert "ct-abdomen-organs" in message
    assert isinstance(caught.value, KeyError)


def test_preset_lookup_cannot_escape_the_presets_folder() -> None:
    with pytest.raises(UnknownPresetError):
        load_preset("../schemas/clinical-ner")


# ---------------------------------------------------------------- files


def test_load_schema_names_the_file_and_location(tmp_path: Path) -> None:
    document = make_document()
    document["classes"][2]["color"] = "red"
    path = tmp_path / "ct-organs.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert (
        str(caught.value) == f"{path}: classes[2].color: 'red' is not a colour of the form #rrggbb"
    )
    assert caught.value.source == str(path)


def test_load_schema_reports_invalid_json_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "x",\n  "name" "y"\n}\n', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"broken\.json: line 3, column 10: invalid JSON"):
        load_schema(path)


def test_load_schema_reports_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "Leber é"}'.encode("latin-1"))
    with pytest.raises(SchemaError, match=r"latin1\.json: byte 16: not UTF-8 text"):
        load_schema(path)


def test_sample_document_is_valid() -> None:
    schema = parse_schema(make_document(), source="ct-organs.json")
    assert schema.class_names == ("liver", "spleen", "lesion")
    assert schema.attribute_named("signs").applies_to == ("lesion",)
    assert parse_schema(schema_to_document(schema), source="again") == schema


# ---------------------------------------------------------------- validation rules


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets ``doc[a][b]...`` given 'a.b' (integers index lists)."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
        target: Any = document
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
        target: Any = document
        for key in parents:
            target = target[key]
        del target[last]

    return mutate


RULES: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("missing top-level key", _delete("name"), "missing required key 'name'"),
    ("missing class key", _delete("classes.1.color"), "classes[1]: missing required key 'color'"),
    ("wrong type", _set("version", 1), "version: expected text, got a number"),
    ("list expected", _set("classes", {}), "classes: expected a list, got an object"),
    ("object expected", _set("classes.1", "spleen"), "classes[1]: expected an object, got text"),
    ("empty name", _set("classes.0.name", " "), "classes[0].name: must not be empty"),
    ("bad id", _set("id", "CT Organs"), "id: 'CT Organs' is not a schema id"),
    ("bad version", _set("version", "v1"), "version: 'v1' is not a version"),
    (
        "unknown modality",
        _set("modalities", ["ct", "cat"]),
        "modalities[1]: unknown modality 'cat' (did you mean 'ct'?)",
    ),
    ("no modality", _set("modalities", []), "modalities: must name at least one modality"),
    (
        "colour",
        _set("classes.2.color", "red"),
        "classes[2].color: 'red' is not a colour of the form #rrggbb",
    ),
    ("short colour", _set("classes.0.color", "#fff"), "classes[0].color: '#fff' is not a colour"),
    (
        "duplicate class",
        _set("classes.2.name", "liver"),
        "classes[2].name: duplicate class name 'liver' (also classes[0])",
    ),
    (
        "duplicate shortcut",
        _set("classes.2.shortcut", "1"),
        "classes[2].shortcut: shortcut '1' is already used by classes[0] ('liver')",
    ),
    (
        "duplicate shortcut, other spelling",
        _set("classes.2.shortcut", "ctrl + 2"),
        "classes[2].shortcut: shortcut 'ctrl + 2' is already used by classes[1] ('spleen')",
    ),
    (
        "bad shortcut",
        _set("classes.2.shortcut", "Ctrl+"),
        "classes[2].shortcut: 'Ctrl+' is not a shortcut",
    ),
    (
        "unknown code system",
        _set("classes.0.code.system", "SNOMED"),
        "classes[0].code.system: unknown code system 'SNOMED' (known: SCT)",
    ),
    (
        "unknown coded_with",
        _set("classes.1.coded_with", ["ICD10CM"]),
        "classes[1].coded_with[0]: unknown code system 'ICD10CM' (known: SCT)",
    ),
    (
        "missing code",
        _delete("classes.0.code.code"),
        "classes[0].code: missing required key 'code'",
    ),
    (
        "duplicate code system",
        _set("code_systems", [{"id": "SCT", "name": "a", "uri": "b"}] * 2),
        "code_systems[1].id: duplicate code system 'SCT' (also code_systems[0])",
    ),
    ("unknown top-level key", _set("clases", []), "clases: unknown key (did you mean 'classes'?)"),
    (
        "unknown nested key",
        _set("classes.0.colour", "#000000"),
        "classes[0].colour: unknown key (did you mean 'color'?)",
    ),
    (
        "unknown applies_to class",
        _set("attributes.2.applies_to", ["lesoin"]),
        "attributes[2].applies_to[0]: unknown class 'lesoin' (did you mean 'lesion'?)",
    ),
    (
        "empty applies_to",
        _set("attributes.2.applies_to", []),
        "attributes[2].applies_to: must name at least one class",
    ),
    (
        "unknown relation class",
        _set("relation_types.0.to", ["liver", "kidney"]),
        "relation_types[0].to[1]: unknown class 'kidney' (known: liver, spleen, lesion)",
    ),
    (
        "relation without from",
        _delete("relation_types.0.from"),
        "relation_types[0]: missing required key 'from'",
    ),
    (
        "relation directed not bool",
        _set("relation_types.1.directed", "no"),
        "relation_types[1].directed: expected true or false, got 'no'",
    ),
    (
        "duplicate relation",
        _set("relation_types.1.name", "inside"),
        "relation_types[1].name: duplicate relation type 'inside' (also relation_types[0])",
    ),
    (
        "unknown kind",
        _set("attributes.0.kind", "enum"),
        "attributes[0].kind: 'enum' is not an attribute kind",
    ),
    (
        "choice without values",
        _delete("attributes.0.values"),
        "attributes[0].values: a choice attribute needs at least one value",
    ),
    (
        "choice with empty values",
        _set("attributes.0.values", []),
        "attributes[0].values: must name at least one value",
    ),
    (
        "multi with empty values",
        _set("attributes.2.values", []),
        "attributes[2].values: must name at least one value",
    ),
    (
        "duplicate value",
        _set("attributes.0.values", ["mass", "cyst", "mass"]),
        "attributes[0].values[2]: duplicate value 'mass' (also attributes[0].values[0])",
    ),
    (
        "values on text",
        _set("attributes.5.values", ["a"]),
        "attributes[5].values: only choice and multi attributes take values",
    ),
    (
        "choice default",
        _set("attributes.1.default", "extreme"),
        "attributes[1].default: 'extreme' is not one of 'none', 'mild', 'severe'",
    ),
    (
        "multi default",
        _set("attributes.2.default", ["rim", "halo"]),
        "attributes[2].default: 'halo' is not one of 'rim', 'fat'",
    ),
    (
        "number default",
        _set("attributes.3.default", "5"),
        "attributes[3].default: expected a number, got text",
    ),
    (
        "bool default",
        _set("attributes.4.default", "yes"),
        "attributes[4].default: expected true or false, got 'yes'",
    ),
    (
        "duplicate attribute",
        _set("attributes.5.name", "finding"),
        "attributes[5].name: duplicate attribute 'finding' (also attributes[0])",
    ),
    (
        "nothing to label",
        lambda d: d.update(classes=[], attributes=[], relation_types=[]),
        "classes: a schema needs at least one class or attribute",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule_reports_exact_location(
    mutate: Callable[[dict[str, Any]], object], expected: str
) -> None:
    problems = problems_of(mutate)
    assert any(p.startswith(expected) for p in problems), problems


def test_document_must_be_an_object() -> None:
    with pytest.raises(SchemaError) as caught:
        parse_schema([], source="x.json")  # type: ignore[arg-type]
    assert str(caught.value) == "x.json: (document): expected an object, got a list"


def test_every_problem_is_reported_one_per_line() -> None:
    def break_three_things(document: dict[str, Any]) -> None:
        document["classes"][2]["color"] = "red"
        document["attributes"][1]["default"] = "extreme"
        document["colour"] = "#000000"

    problems = problems_of(break_three_things)
    assert len(problems) == 3
    assert [p.split(":")[0] for p in problems] == [
        "colour",
        "classes[2].color",
        "attributes[1].default",
    ]


def test_schema_error_keeps_problems_and_is_a_value_error() -> None:
    document = make_document()
    document["classes"][0]["color"] = "red"
    with pytest.raises(ValueError) as caught:
        parse_schema(document, source="s.json")
    assert isinstance(caught.value, SchemaError)
    assert caught.value.problems == ("classes[0].color: 'red' is not a colour of the form #rrggbb",)


def test_parse_does_not_modify_the_document() -> None:
    document = make_document()
    before = copy.deepcopy(document)
    parse_schema(document, source="x")
    assert document == before


# ---------------------------------------------------------------- lookups and values


@pytest.fixture
def schema() -> LabelSchema:
    return parse_schema(make_document(), source="ct-organs.json")


def test_class_named(schema: LabelSchema) -> None:
    assert schema.class_named("liver").rgb == (0xDD, 0x82, 0x65)
    with pytest.raises(UnknownLabelError) as caught:
        schema.class_named("Livr")
    assert str(caught.value) == (
        "unknown label 'Livr' in schema ct-organs (did you mean 'liver'?);"
        " known: liver, spleen, lesion"
    )
    assert isinstance(caught.value, KeyError)


def test_unknown_label_in_a_preset_lists_known_labels() -> None:
    with pytest.raises(
        UnknownLabelError,
        match=r"^unknown label 'Livr' in schema ct-abdomen-organs .*known: liver, spleen",
    ):
        load_preset("ct-abdomen-organs").class_named("Livr")


def test_attributes_for(schema: LabelSchema) -> None:
    assert [a.name for a in schema.attributes_for(None)] == ["finding", "severity", "comment"]
    assert "size_mm" in [a.name for a in schema.attributes_for("lesion")]
    assert "size_mm" not in [a.name for a in schema.attributes_for("liver")]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("finding", "mass"),
        ("signs", ["rim", "fat"]),
        ("signs", ()),
        ("size_mm", 12),
        ("size_mm", 4.5),
        ("target", True),
        ("comment", ""),
    ],
)
def test_check_attribute_accepts_valid_values(
    schema: LabelSchema, name: str, value: object
) -> None:
    schema.check_attribute(name, value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "finding",
            "tumour",
            "attribute 'finding' in schema ct-organs: 'tumour' is not one of 'mass', 'cyst'",
        ),
        (
            "finding",
            None,
            "attribute 'finding' in schema ct-organs: expected one of 'mass', 'cyst', got null",
        ),
        ("signs", "rim", "expected a list of values among 'rim', 'fat', got text"),
        ("signs", ["rim", "rim"], "a value is listed twice"),
        ("size_mm", True, "expected a number, got true/false"),
        ("size_mm", math.nan, "nan is not a finite number"),
        ("target", 1, "expected true or false, got 1"),
        ("comment", 3, "expected text, got a number"),
    ],
)
def test_check_attribute_rejects_bad_values(
    schema: Any, name: str, value: object, message: str
) -> None:
    with pytest.raises(AttributeValueError) as caught:
        schema.check_attribute(name, value)
    assert message in str(caught.value)


def test_check_attribute_unknown_name(schema: LabelSchema) -> None:
    with pytest.raises(
        UnknownAttributeError,
        match=r"^unknown attribute 'severty' in schema ct-organs \(did you mean 'severity'\?\)",
    ):
        schema.check_attribute("severty", "mild")


def test_check_attribute_respects_applies_to(schema: LabelSchema) -> None:
    schema.check_attribute("size_mm", 3, label="lesion")
    schema.check_attribute("finding", "mass", label="liver")
    with pytest.raises(
        AttributeValueError, match="does not apply to label 'liver'; it applies to 'lesion'"
    ):
        schema.check_attribute("size_mm", 3, label="liver")
    with pytest.raises(UnknownLabelError):
        schema.check_attribute("size_mm", 3, label="kidney")


def test_relation_allows() -> None:
    inside = RelationType("inside", ("lesion",), ("liver",))
    touches = RelationType("touches", ("liver",), ("spleen",), directed=False)
    assert inside.allows("lesion", "liver") and not inside.allows("liver", "lesion")
    assert touches.allows("liver", "spleen") and touches.allows("spleen", "liver")


def test_label_class_rgb() -> None:
    assert LabelClass("x", "#0A10fF").rgb == (10, 16, 255)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "1"),
        ("a", "A"),
        ("A", "A"),
        ("ctrl+1", "Ctrl+1"),
        ("Shift + Ctrl + a", "Ctrl+Shift+A"),
        ("F5", "F5"),
        ("Alt+f12", "Alt+F12"),
        ("Ctrl+", None),
        ("Ctrl+Ctrl+1", None),
        ("Hyper+1", None),
        ("ab", None),
        ("F13", None),
        ("", None),
        ("é", None),
    ],
)
def test_normalize_shortcut(text: str, expected: str | None) -> None:
    assert normalize_shortcut(text) == expected


def test_the_medication_preset_links_every_n2c2_attribute_to_its_drug() -> None:
    """n2c2 2018 track 2: eight attribute types, each related to the drug it modifies."""
    schema = load_preset("medication-n2c2")
    attributes = {"strength", "dosage", "route", "frequency", "duration", "form", "reason", "ade"}
    assert set(schema.class_names) == attributes | {"drug"}
    for relation in schema.relation_types:
        (source,) = relation.from_classes
        assert source in attributes and relation.allows(source, "drug")
        attributes.discard(source)
    assert attributes == set()  # every one has its relation
