"""Edits through the workspace reach the encrypted store and survive a reopen."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation, UpdateAnnotation
from workspace.schema import load_preset
from workspace.tasks import InvalidTransitionError, TaskStatus
from workspace.workspace import Workspace


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


@pytest.fixture
def note_item_id(workspace: Workspace, tmp_path: Path) -> str:
    note = tmp_path / "note.txt"
    note.write_text("Chest pain, ruled out MI.\n", encoding="utf-8")
    (item,) = workspace.import_paths([note])
    return item.id


def test_every_push_is_in_the_store_at_once(workspace: Workspace, note_item_id: str) -> None:
    document = workspace.document(note_item_id)
    stack = workspace.command_stack(note_item_id)
    span = Annotation(note_item_id, "span", "Problem", {"start": 0, "end": 10}, author="tester")
    stack.push(AddAnnotation(document, span))
    assert [a.id for a in workspace.annotations(note_item_id)] == [span.id]
    stack.push(UpdateAnnotation(document, span.id, label="Test"))
    assert workspace.annotations(note_item_id)[0].label == "Test"
    stack.undo()
    assert workspace.annotations(note_item_id)[0].label == "Problem"
    stack.undo()
    assert workspace.annotations(note_item_id) == []
    stack.redo()
    assert workspace.annotations(note_item_id)[0] == span
    events = [e["event"] for e in workspace.profile.audit.entries(10)]
    assert events.count("annotation.save") == 5


def test_reopen_sees_the_same_annotations(
    workspace: Workspace, note_item_id: str, profile_dir: Path
) -> None:
    document = workspace.document(note_item_id)
    span = Annotation(note_item_id, "span", "Problem", {"start": 1, "end": 5})
    workspace.command_stack(note_item_id).push(AddAnnotation(document, span))
    workspace.lock()
    reopened = Workspace.unlock(profile_dir, PASSPHRASE)
    assert reopened.document(note_item_id).get(span.id) == span
    reopened.lock()


def test_reimport_of_the_same_file_is_not_duplicated(
    workspace: Workspace, tmp_path: Path, note_item_id: str
) -> None:
    again = workspace.import_paths([tmp_path / "note.txt"])
    assert [i.id for i in again] == [note_item_id]
    assert len(workspace.items()) == 1


def test_tasks_move_through_the_workflow(workspace: Workspace, note_item_id: str) -> None:
    project = workspace.ensure_project("Notes", load_preset("clinical-ner"))
    workspace.create_batch(project, "Batch 1", [note_item_id])
    (task,) = workspace.tasks()
    assert task.status is TaskStatus.NEW
    workspace.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    with pytest.raises(InvalidTransitionError):
        workspace.set_task_status(task.id, TaskStatus.ACCEPTED)
    assert workspace.tasks()[0].status is TaskStatus.IN_PROGRESS


def test_settings_and_recent_items(workspace: Workspace, note_item_id: str) -> None:
    assert workspace.setting("ui.idle_lock_minutes", 15) == 15
    workspace.set_setting("ui.idle_lock_minutes", 5)
    assert workspace.setting("ui.idle_lock_minutes") == 5
    workspace.open_item(note_item_id)
    assert [i.id for i in workspace.recent_items()] == [note_item_id]


def test_schema_for_item_uses_its_modality_preset(workspace: Workspace, note_item_id: str) -> None:
    schema = workspace.schema_for(workspace.item(note_item_id))
    assert schema.id == "clinical-ner"


def test_an_unknown_id_is_a_not_found_error_fit_to_show(workspace: Workspace) -> None:
    from workspace.errors import NotFoundError, WorkspaceError
    from workspace.projects import load_schema

    with pytest.raises(NotFoundError) as item:
        workspace.item("nope")
    assert str(item.value) == "No item with id nope in this profile."  # no KeyError quotes
    with pytest.raises(NotFoundError, match="No task with id nope"):
        workspace.set_task_status("nope", TaskStatus.IN_PROGRESS)
    with workspace.profile.database.read() as session, pytest.raises(NotFoundError):
        load_schema(session, "nope")
    assert isinstance(item.value, WorkspaceError) and not isinstance(item.value, KeyError)
