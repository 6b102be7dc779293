"""Opening an item reads it, its task, schema, files and annotations in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from storage.profile import Profile
from workspace.annotations import AddAnnotation, Annotation
from workspace.errors import NotFoundError
from workspace.schema import load_preset
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace


@contextmanager
def counted_transactions(workspace: Workspace) -> Iterator[list[str]]:
    """The transactions begun on the profile's database while the block runs."""
    begun: list[str] = []

    def on_begin(conn: object) -> None:
        begun.append("begin")

    engine = workspace.profile.database.engine
    event.listen(engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", on_begin)


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


@pytest.fixture
def note_id(workspace: Workspace, tmp_path: Path) -> str:
    note = tmp_path / "note.txt"
    note.write_text("Chest pain, ruled out MI.\n", encoding="utf-8")
    (item,) = workspace.import_paths([note])
    return item.id


def test_opening_is_one_transaction_with_everything_a_viewer_shows(
    workspace: Workspace, note_id: str
) -> None:
    project = workspace.ensure_project("Notes", load_preset("clinical-ner"))
    workspace.create_batch(project, "Batch 1", [note_id])
    span = Annotation(note_id, "span", "Problem", {"start": 0, "end": 10})
    workspace.command_stack(note_id).push(AddAnnotation(workspace.document(note_id), span))
    fresh = Workspace(workspace.profile)  # nothing of the item cached yet
    started: list[bool] = []
    fresh.tasks_changed.connect(lambda: started.append(True))
    with counted_transactions(fresh) as begun:
        opened = fresh.open_item(note_id)
        document = fresh.document(note_id)  # loaded by the same transaction
        again = fresh.opened(opened.item)  # what the viewer made next reads
    assert len(begun) == 1
    assert again is opened
    assert opened.item.id == note_id and opened.item.modality == "text"
    assert opened.schema.id == project.schema_id
    assert [f.name for f in opened.files] == ["note.txt"]
    assert [a.id for a in opened.annotations] == [span.id] == [a.id for a in document.all()]
    # a new task is started by opening it, in that same transaction, and audited
    assert opened.started and started == [True]
    assert opened.state.task is not None
    assert opened.state.task.status is TaskStatus.IN_PROGRESS
    assert opened.state.read_only_reason is None
    assert fresh.task(opened.state.task.id).status is TaskStatus.IN_PROGRESS
    assert [i.id for i in fresh.recent_items()] == [note_id]
    events = [e["event"] for e in fresh.profile.audit.entries(10)]
    assert "item.view" in events and "task.status" in events


def test_the_opened_state_is_taken_once_then_read_afresh(
    workspace: Workspace, note_id: str
) -> None:
    opened = workspace.open_item(note_id)
    assert workspace.opened(opened.item) is opened
    project = workspace.ensure_project("Notes", load_preset("clinical-ner"))
    workspace.create_batch(project, "Batch 1", [note_id])
    with counted_transactions(workspace) as begun:
        later = workspace.opened(opened.item)
    assert len(begun) == 1
    assert later is not opened and later.state.task is not None


def test_a_submitted_task_opens_read_only_and_is_not_restarted(
    workspace: Workspace, note_id: str
) -> None:
    project = workspace.ensure_project("Notes", load_preset("clinical-ner"))
    workspace.create_batch(project, "Batch 1", [note_id])
    (task,) = workspace.tasks()
    workspace.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    workspace.set_task_status(task.id, TaskStatus.SUBMITTED)
    opened = workspace.open_item(note_id)
    assert not opened.started
    assert opened.state.task is not None and opened.state.task.status is TaskStatus.SUBMITTED
    assert opened.state.read_only_reason is not None
    assert opened.state == workspace.task_state(note_id)


def test_an_unknown_item_opens_nothing(workspace: Workspace, note_id: str) -> None:
    before = workspace.profile.audit.entries(100)
    with pytest.raises(NotFoundError, match="No item"):
        workspace.open_item("no-such-item")
    assert workspace.recent_items() == []
    assert workspace.profile.audit.entries(100) == before
