"""Command stack semantics, with a sink that records or refuses."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from workspace.annotations import (
    AddAnnotation,
    Annotation,
    AnnotationDocument,
    DeleteAnnotation,
    UpdateAnnotation,
)
from workspace.commands import Change, Command, CommandStack


class RecordingSink:
    def __init__(self) -> None:
        self.steps: list[tuple[str, str, list[Change]]] = []
        self.fail_next = False

    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.steps.append((action, command.kind, list(changes)))


@pytest.fixture
def document() -> AnnotationDocument:
    return AnnotationDocument("item-1")


def _span(label: str = "Problem") -> Annotation:
    return Annotation("item-1", "span", label, {"start": 0, "end": 4})


def test_push_undo_redo_persist_every_step(document: AnnotationDocument) -> None:
    sink = RecordingSink()
    stack = CommandStack(sink)
    span = _span()
    stack.push(AddAnnotation(document, span))
    assert span.id in document
    assert stack.undo_text == "add Problem"
    stack.undo()
    assert span.id not in document
    assert stack.redo_text == "add Problem"
    stack.redo()
    assert document.get(span.id) == span
    assert [(a, k) for a, k, _ in sink.steps] == [
        ("do", "annotation.add"),
        ("undo", "annotation.add"),
        ("redo", "annotation.add"),
    ]
    assert sink.steps[1][2] == [Change("annotations", span.id, None)]


def test_new_push_clears_redo(document: AnnotationDocument) -> None:
    stack = CommandStack(RecordingSink())
    stack.push(AddAnnotation(document, _span("A")))
    stack.undo()
    assert stack.can_redo
    stack.push(AddAnnotation(document, _span("B")))
    assert not stack.can_redo


def test_update_and_delete_round_trip(document: AnnotationDocument) -> None:
    stack = CommandStack(RecordingSink())
    span = _span()
    stack.push(AddAnnotation(document, span))
    stack.push(UpdateAnnotation(document, span.id, label="Medication"))
    assert document.get(span.id).label == "Medication"
    stack.push(DeleteAnnotation(document, span.id))
    assert len(document) == 0
    stack.undo()
    stack.undo()
    assert document.get(span.id).label == "Problem"


def test_update_keeps_or_removes_the_label(document: AnnotationDocument) -> None:
    stack = CommandStack(RecordingSink())
    span = _span()
    stack.push(AddAnnotation(document, span))
    stack.push(UpdateAnnotation(document, span.id, data={"start": 1, "end": 2}))
    assert document.get(span.id).label == "Problem"  # label left out: kept
    stack.push(UpdateAnnotation(document, span.id, label=None))
    assert document.get(span.id).label is None  # None: removed
    stack.undo()
    assert document.get(span.id).label == "Problem"


def test_failed_persist_rolls_the_model_back(document: AnnotationDocument) -> None:
    sink = RecordingSink()
    stack = CommandStack(sink)
    kept = _span("Kept")
    stack.push(AddAnnotation(document, kept))
    sink.fail_next = True
    with pytest.raises(OSError, match="disk full"):
        stack.push(AddAnnotation(document, _span("Lost")))
    assert [a.label for a in document.all()] == ["Kept"]
    assert stack.undo_text == "add Kept"
    sink.fail_next = True
    with pytest.raises(OSError):
        stack.undo()
    assert kept.id in document
    assert stack.can_undo


def test_events_fire_and_stack_changed(document: AnnotationDocument) -> None:
    seen: list[str] = []
    document.added.connect(lambda a: seen.append(f"added {a.label}"))
    document.removed.connect(lambda a: seen.append(f"removed {a.label}"))
    stack = CommandStack(RecordingSink())
    stack.changed.connect(lambda: seen.append("changed"))
    stack.push(AddAnnotation(document, _span()))
    stack.undo()
    assert seen == ["added Problem", "changed", "removed Problem", "changed"]


def test_limit_drops_the_oldest_steps(document: AnnotationDocument) -> None:
    stack = CommandStack(RecordingSink(), limit=3)
    for n in range(5):
        stack.push(AddAnnotation(document, _span(str(n))))
    for _ in range(5):
        stack.undo()
    assert sorted(a.label or "" for a in document.all()) == ["0", "1"]


def test_record_persists_a_completion_without_an_undo_step(document: AnnotationDocument) -> None:
    sink = RecordingSink()
    stack = CommandStack(sink)
    span = _span()
    stack.push(AddAnnotation(document, span))
    stack.record(UpdateAnnotation(document, span.id, data={"start": 0, "end": 5}))
    assert document.get(span.id).data["end"] == 5
    assert [(a, k) for a, k, _ in sink.steps][-1] == ("record", "annotation.update")
    assert stack.undo_text == "add Problem" and not stack.can_redo  # no step of its own
    sink.fail_next = True
    with pytest.raises(OSError, match="disk full"):
        stack.record(UpdateAnnotation(document, span.id, data={"start": 0, "end": 9}))
    assert document.get(span.id).data["end"] == 5  # rolled back
    stack.undo()
    assert span.id not in document and not stack.can_undo
