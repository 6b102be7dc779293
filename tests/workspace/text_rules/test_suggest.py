"""PHI suggestions and assertion hints on a stored note: one undo step each, saved at once,
accepted or rejected by a person, never duplicated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage.profile import Profile
from tests.bench.bench_phi_rules import NOTES
from workspace.annotation_kinds.spans import span
from workspace.annotation_kinds.suggestions import (
    accept_suggestions,
    is_suggestion,
    reject_suggestions,
    suggestion_of,
)
from workspace.annotations import AddAnnotation, AddAnnotations
from workspace.demo_data import write_ecg
from workspace.export.schema_check import check_schema
from workspace.text_rules.hints import (
    accept_attribute_hints,
    attribute_hints,
    reject_attribute_hints,
)
from workspace.text_rules.suggest import SuggestError, suggest_context, suggest_phi
from workspace.workspace import Workspace


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _import(workspace: Workspace, source: Path, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / source.name
    shutil.copy(source, path)
    (item,) = workspace.import_paths([path])
    return item.id, path.read_text(encoding="utf-8")


@pytest.fixture
def note(workspace: Workspace, tmp_path: Path) -> tuple[str, str]:
    return _import(workspace, NOTES / "01_discharge.txt", tmp_path)


def test_phi_suggestions_are_one_saved_undo_step(workspace: Workspace, note) -> None:
    item_id, text = note
    counts = suggest_phi(workspace, item_id)

    document = workspace.document(item_id)
    made = document.all()
    assert len(made) == sum(counts.values()) and all(is_suggestion(a) for a in made)
    assert counts["phi_name"] >= 5 and counts["phi_date"] >= 4 and counts["phi_contact"] == 1
    assert {suggestion_of(a)["by"] for a in made} == {"phi-rules"}
    assert "Margaret O'Connell" in {a.data["text"] for a in made if a.label == "phi_name"}
    assert all(text[a.data["start"] : a.data["end"]] == a.data["text"] for a in made)
    assert {a.id for a in workspace.annotations(item_id)} == {a.id for a in made}  # saved

    assert suggest_phi(workspace, item_id) == {}  # nothing new the second time
    stack = workspace.command_stack(item_id)
    assert stack.undo_text == f"suggest {len(made)} PHI span(s)"
    stack.undo()
    assert document.all() == [] and workspace.annotations(item_id) == []


def test_spans_already_drawn_are_not_suggested_again(workspace: Workspace, note) -> None:
    item_id, text = note
    start = text.index("Margaret O'Connell")
    drawn = span(item_id, text, [(start, start + 8)], "phi_name", author="tester")
    workspace.command_stack(item_id).push(AddAnnotation(workspace.document(item_id), drawn))

    suggest_phi(workspace, item_id)

    covering = [
        a
        for a in workspace.document(item_id).all()
        if a.data["start"] < start + 18 and start < a.data["end"]
    ]
    assert covering == [drawn]


def test_accepting_and_rejecting_in_bulk(workspace: Workspace, note) -> None:
    item_id, _ = note
    suggest_phi(workspace, item_id)
    document, stack = workspace.document(item_id), workspace.command_stack(item_id)
    names = [a.id for a in document.all() if a.label == "phi_name"]
    others = [a.id for a in document.all() if a.label != "phi_name"]

    stack.push(accept_suggestions(document, names))
    stack.push(reject_suggestions(document, others))

    stored = workspace.annotations(item_id)
    assert sorted(a.id for a in stored) == sorted(names)
    assert not any(is_suggestion(a) for a in stored)
    stack.undo()
    assert len(workspace.annotations(item_id)) == len(names) + len(others)


def test_a_recording_is_refused_in_one_sentence(workspace: Workspace, tmp_path: Path) -> None:
    (item,) = workspace.import_paths([write_ecg(tmp_path / "ecg" / "rec1", seed=1)])
    with pytest.raises(SuggestError, match=r"is a waveform item; the text rules run on text"):
        suggest_phi(workspace, item.id)
    assert workspace.annotations(item.id) == []


def test_assertion_hints_are_proposed_then_accepted_or_rejected(
    workspace: Workspace, tmp_path: Path
) -> None:
    source = tmp_path / "src" / "hpi.txt"
    source.parent.mkdir()
    source.write_text(
        "She denies chest pain. History of stroke. Mother had breast cancer.\n", encoding="utf-8"
    )
    item_id, text = _import(workspace, source, tmp_path)
    document, stack = workspace.document(item_id), workspace.command_stack(item_id)
    spans = {}
    for phrase in ("chest pain", "stroke", "breast cancer"):
        start = text.index(phrase)
        chosen = {"temporality": "historical"} if phrase == "stroke" else {}  # a person's
        spans[phrase] = span(
            item_id, text, [(start, start + len(phrase))], "problem", attributes=chosen
        )
    stack.push(AddAnnotations(document, list(spans.values())))

    counts = suggest_context(workspace, item_id)

    assert counts == {"certainty=absent": 1, "experiencer=family": 1}
    pain, stroke, cancer = (document.get(spans[p].id) for p in spans)
    assert attribute_hints(pain) == {
        "certainty": {"value": "absent", "by": "context-rules", "rule": "denies"}
    }
    assert attribute_hints(stroke) == {}  # already set by a person
    assert suggest_context(workspace, item_id) == {}

    stack.push(accept_attribute_hints(document, [pain.id]))
    stack.push(reject_attribute_hints(document, [cancer.id]))

    stored = {a.id: a for a in workspace.annotations(item_id)}
    assert stored[pain.id].data["attributes"] == {"certainty": "absent"}
    assert attribute_hints(stored[pain.id]) == {} and attribute_hints(stored[cancer.id]) == {}
    assert "attributes" not in stored[cancer.id].data  # the span stays, unchanged
    check_schema(workspace.schema_for(workspace.item(item_id)), list(stored.values()))
    stack.undo()
    assert attribute_hints(document.get(cancer.id))["experiencer"]["value"] == "family"
