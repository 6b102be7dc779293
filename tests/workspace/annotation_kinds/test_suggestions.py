"""Suggestions are accepted or rejected in one undo step each, and only suggestions are."""

from __future__ import annotations

import pytest

from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.spans import span
from workspace.annotation_kinds.suggestions import (
    accept_suggestions,
    is_suggestion,
    reject_suggestions,
    suggested,
    suggestion_of,
)
from workspace.annotations import AnnotationDocument

NOTE = "Seen by Dr Alice Smith on 03/04/2021."


def _document():
    name = span("n1", NOTE, [(11, 22)], "phi_name", data=suggested({}, "phi-rules", "titled-name"))
    date = span("n1", NOTE, [(26, 36)], "phi_date", data=suggested({}, "phi-rules", "date-mdy"))
    drawn = span("n1", NOTE, [(0, 4)], "problem")
    return AnnotationDocument("n1", [name, date, drawn]), name, date, drawn


def test_accepting_drops_the_mark_and_undo_restores_it() -> None:
    document, name, date, drawn = _document()
    assert suggestion_of(name) == {"by": "phi-rules", "rule": "titled-name"}
    command = accept_suggestions(document, [name.id, date.id, drawn.id])
    command.do()
    assert not any(is_suggestion(a) for a in document.all())
    assert document.get(name.id).data["text"] == "Alice Smith"
    command.undo()
    assert is_suggestion(document.get(name.id)) and is_suggestion(document.get(date.id))


def test_rejecting_deletes_only_suggestions() -> None:
    document, name, date, drawn = _document()
    command = reject_suggestions(document, [name.id, drawn.id])
    command.do()
    assert [a.id for a in document.all()] == [a.id for a in (date, drawn) if a.id in document]
    assert name.id not in document and drawn.id in document
    command.undo()
    assert name.id in document


def test_nothing_to_accept_is_an_error() -> None:
    document, _, _, drawn = _document()
    with pytest.raises(AnnotationKindError, match="suggestion"):
        accept_suggestions(document, [drawn.id])
    with pytest.raises(AnnotationKindError, match="rule"):
        suggested({}, "", "x")
