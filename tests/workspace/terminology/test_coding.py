"""Codes go on and come off an annotation as undoable commands, checked against the schema."""

from __future__ import annotations

import pytest

from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.codes import AnnotationCode, codes_of
from workspace.annotation_kinds.spans import span
from workspace.annotations import AnnotationDocument
from workspace.schema import load_preset
from workspace.terminology.coding import attach_code, detach_code, systems_for

NOTE = "History of type 2 diabetes and hypertension."
DIABETES = AnnotationCode("ICD10CM", "E11.9", "2026-04", "Type 2 diabetes mellitus")
HYPERTENSION = AnnotationCode("ICD10CM", "I10", "2026-04", "Essential (primary) hypertension")


def _document():
    schema = load_preset("clinical-ner")
    problem = span("n1", NOTE, [(11, 26)], "problem", schema=schema)
    return AnnotationDocument("n1", [problem]), problem, schema


def test_attach_then_detach_each_undoable() -> None:
    document, problem, schema = _document()
    first = attach_code(document, problem.id, DIABETES, schema=schema)
    first.do()
    second = attach_code(document, problem.id, HYPERTENSION, schema=schema)
    second.do()
    assert codes_of(document.get(problem.id)) == [DIABETES, HYPERTENSION]
    detach = detach_code(document, problem.id, DIABETES)
    detach.do()
    assert codes_of(document.get(problem.id)) == [HYPERTENSION]
    detach.undo()
    second.undo()
    assert codes_of(document.get(problem.id)) == [DIABETES]
    first.undo()
    assert "codes" not in document.get(problem.id).data
    assert document.get(problem.id).data["text"] == "type 2 diabetes"


def test_refusals() -> None:
    document, problem, schema = _document()
    attach_code(document, problem.id, DIABETES, schema=schema).do()
    with pytest.raises(AnnotationKindError, match="already attached"):
        attach_code(document, problem.id, DIABETES, schema=schema)
    with pytest.raises(AnnotationKindError, match="not attached"):
        detach_code(document, problem.id, HYPERTENSION)
    with pytest.raises(AnnotationKindError, match="coded with ICD10CM, SCT, not RXNORM"):
        attach_code(document, problem.id, AnnotationCode("RXNORM", "6809"), schema=schema)


def test_the_systems_a_class_may_use() -> None:
    schema = load_preset("clinical-ner")
    available = ["ICD10CM", "LOINC", "RXNORM", "SCT"]
    assert systems_for(schema, "problem", available) == ["ICD10CM", "SCT"]
    assert systems_for(schema, "medication", available) == ["RXNORM"]
    assert systems_for(schema, "no-such-class", available) == []
    assert systems_for(None, "anything", available) == available
    assert systems_for(schema, None, ["ICD10CM", "MESH"]) == ["ICD10CM"]
