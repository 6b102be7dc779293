"""The region commands without Qt: attributes set and cleared, tiers kept while empty."""

from __future__ import annotations

import pytest

from viewers.audio import regions as model
from viewers.audio.regions import Tier
from workspace.annotation_kinds.base import ATTRIBUTES, AnnotationKindError
from workspace.annotation_kinds.names import TIER_LIST
from workspace.annotation_kinds.tier_list import tier_list, without_tier_list
from workspace.annotations import Annotation, AnnotationDocument
from workspace.schema import load_preset

SCHEMA = load_preset("audio-conversation")


def _document_with_turn() -> tuple[AnnotationDocument, str]:
    document = AnnotationDocument("item")
    add = model.add_region(
        document, Tier("patient", "S2"), 1.0, 2.0, schema=SCHEMA, duration=4.0, author="ann"
    )
    add.do()
    return document, add.annotation.id


def test_an_attribute_is_set_changed_and_cleared_against_the_schema() -> None:
    document, turn = _document_with_turn()
    command = model.set_region_attribute(document, turn, "dialogue_act", "answer", schema=SCHEMA)
    assert command is not None
    command.do()
    assert document.get(turn).data[ATTRIBUTES]["dialogue_act"] == "answer"
    assert (
        model.set_region_attribute(document, turn, "dialogue_act", "answer", schema=SCHEMA) is None
    )
    with pytest.raises(AnnotationKindError, match="'shouting' is not one of"):
        model.set_region_attribute(document, turn, "dialogue_act", "shouting", schema=SCHEMA)
    cleared = model.set_region_attribute(document, turn, "dialogue_act", None, schema=SCHEMA)
    assert cleared is not None
    cleared.do()
    assert "dialogue_act" not in document.get(turn).data[ATTRIBUTES]
    cleared.undo()
    assert document.get(turn).data[ATTRIBUTES]["dialogue_act"] == "answer"
    # an event has no dialogue act: relabelling a turn as one drops it
    model.relabel_region(document, turn, "cough", schema=SCHEMA).do()
    assert "dialogue_act" not in document.get(turn).data.get(ATTRIBUTES, {})


def test_tiers_are_kept_once_in_order_and_renamed_in_the_list() -> None:
    document = AnnotationDocument("item")
    first = model.keep_tiers(
        document, [Tier("clinician", "S1"), Tier("family", "F1")], schema=SCHEMA, author="ann"
    )
    assert first is not None
    first.do()
    again = model.keep_tiers(document, [Tier("family", "F1")], schema=SCHEMA, author="ann")
    assert again is None
    more = model.keep_tiers(document, [Tier("laughter", "")], schema=SCHEMA, author="ann")
    assert more is not None
    more.do()
    (record,) = document.all()
    assert record.kind == TIER_LIST
    assert model.saved_tiers(document.all()) == [
        Tier("clinician", "S1"),
        Tier("family", "F1"),
        Tier("laughter", ""),
    ]
    rename = model.rename_tier(document, Tier("family", "F1"), Tier("family", "F2"), schema=SCHEMA)
    assert rename is not None
    rename.do()
    assert Tier("family", "F2") in model.saved_tiers(document.all())
    with pytest.raises(AnnotationKindError):  # an event tier names no speaker in this schema
        model.keep_tiers(document, [Tier("cough", "S1")], schema=SCHEMA, author="ann")
    assert without_tier_list(document.all()) == []


def test_a_damaged_tier_list_is_ignored_not_raised() -> None:
    bad = Annotation("item", TIER_LIST, None, {"tiers": [{"label": 3}]})
    assert model.saved_tiers([bad]) == []
    with pytest.raises(AnnotationKindError):
        tier_list("item", [("", "S1")])
