"""Codes on spans are checked against the schema's code systems and the class's coded_with."""

from __future__ import annotations

import pytest

from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.codes import AnnotationCode, codes_of, with_codes
from workspace.annotation_kinds.spans import span
from workspace.schema import load_preset

NOTE = "History of type 2 diabetes."
DIABETES = AnnotationCode("ICD10CM", "E11.9", "2025", "Type 2 diabetes mellitus")


def test_codes_round_trip_through_the_stored_layout() -> None:
    ner = load_preset("clinical-ner")
    data = with_codes({}, [DIABETES, DIABETES], schema=ner, label="problem")
    problem = span("n1", NOTE, [(11, 26)], "problem", schema=ner, data=data)
    assert codes_of(problem) == [DIABETES]
    assert codes_of(span("n1", NOTE, [(11, 26)], "problem")) == []
    assert "codes" not in with_codes(data, [])


def test_a_code_outside_the_schema_or_the_class_is_refused() -> None:
    ner = load_preset("clinical-ner")
    with pytest.raises(AnnotationKindError, match="RXNORM, not ICD10CM"):
        with_codes({}, [DIABETES], schema=ner, label="medication")
    with pytest.raises(AnnotationKindError, match="not declared"):
        with_codes({}, [AnnotationCode("MESH", "D003924")], schema=ner, label="problem")
    with pytest.raises(AnnotationKindError, match="needs a code"):
        with_codes({}, [AnnotationCode("ICD10CM", " ")])
