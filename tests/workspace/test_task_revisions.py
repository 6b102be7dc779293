"""A submitted task is read-only until reopened; reopening makes a new revision (Qt-free)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import SyncOutboxEntry
from storage.profile import Profile
from tests.workspace.task_support import add_span, check_out, local_task, note_item
from workspace.annotations import AddAnnotation, Annotation, DeleteAnnotation
from workspace.sync.outbox import EmptySubmitError, submit_concern, submit_task
from workspace.task_lock import TaskReadOnlyError
from workspace.tasks import ReopenError, TaskStatus, read_only_reason
from workspace.workspace import Workspace


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _outbox(workspace: Workspace) -> list[SyncOutboxEntry]:
    with workspace.profile.database.read() as session:
        rows = list(session.query(SyncOutboxEntry).order_by(SyncOutboxEntry.created_at))
        for row in rows:
            session.expunge(row)
        return rows


def _submit_locally(workspace: Workspace, task_id: str) -> None:
    workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    workspace.set_task_status(task_id, TaskStatus.SUBMITTED)


def test_submitted_task_refuses_every_edit_and_says_why(
    workspace: Workspace, tmp_path: Path
) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    span = add_span(workspace, item_id)
    _submit_locally(workspace, task_id)
    submitted_at = workspace.task(task_id).submitted_at
    assert submitted_at is not None
    reason = workspace.edit_lock(item_id)
    assert reason == read_only_reason(TaskStatus.SUBMITTED, submitted_at)
    assert reason.startswith("Task submitted on ") and reason.endswith("reopen it to edit.")
    stack = workspace.command_stack(item_id)
    document = workspace.document(item_id)
    other = Annotation(item_id, "span", "test", {"start": 6, "end": 10}, author="tester")
    with pytest.raises(TaskReadOnlyError, match="reopen it to edit"):
        stack.push(AddAnnotation(document, other))
    with pytest.raises(TaskReadOnlyError):
        stack.push(DeleteAnnotation(document, span.id))
    with pytest.raises(TaskReadOnlyError):
        stack.undo()  # undoing the edit made before the submit is an edit too
    # Nothing changed, in memory or in the store, and no save was audited.
    assert [a.id for a in document.all()] == [span.id]
    assert [a.id for a in workspace.annotations(item_id)] == [span.id]
    assert workspace.profile.audit.entries(1)[0]["event"] == "task.status"


def test_reopen_makes_a_new_revision_that_may_be_edited(
    workspace: Workspace, tmp_path: Path
) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    assert workspace.task(task_id).revision == 1
    _submit_locally(workspace, task_id)
    assert workspace.reopen_task(task_id) == 2
    task = workspace.task(task_id)
    assert (task.status, task.revision, task.submitted_at) == (TaskStatus.IN_PROGRESS, 2, None)
    assert workspace.edit_lock(item_id) is None
    add_span(workspace, item_id)
    audit = workspace.profile.audit.entries(2)
    assert audit[1]["event"] == "task.reopen"
    with pytest.raises(ReopenError, match="open already"):
        workspace.reopen_task(task_id)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ([], "open already"),
        ([TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED, TaskStatus.IN_REVIEW], "in review"),
        (
            [
                TaskStatus.IN_PROGRESS,
                TaskStatus.SUBMITTED,
                TaskStatus.IN_REVIEW,
                TaskStatus.ACCEPTED,
            ],
            "final",
        ),
    ],
    ids=["new", "in_review", "accepted"],
)
def test_only_a_submitted_or_sent_back_task_reopens(
    workspace: Workspace, tmp_path: Path, path: list[TaskStatus], why: str
) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    for status in path:
        workspace.set_task_status(task_id, status)
    before = workspace.task(task_id)
    with pytest.raises(ReopenError, match=why):
        workspace.reopen_task(task_id)
    assert workspace.task(task_id) == before


def test_sent_back_task_reopens_as_the_next_revision(workspace: Workspace, tmp_path: Path) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    _submit_locally(workspace, task_id)
    workspace.set_task_status(task_id, TaskStatus.IN_REVIEW)
    assert "in review since" in (workspace.edit_lock(item_id) or "")
    workspace.set_task_status(task_id, TaskStatus.REWORK)
    assert workspace.edit_lock(item_id) is None  # sent back: the annotator may fix it
    assert workspace.reopen_task(task_id) == 2


def test_item_with_an_open_task_stays_editable(workspace: Workspace, tmp_path: Path) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    done = local_task(workspace, item_id, "Batch 1")
    _submit_locally(workspace, done)
    assert workspace.edit_lock(item_id) is not None
    local_task(workspace, item_id, "Batch 2")  # the same item in a new task: editable for it
    assert workspace.edit_lock(item_id) is None
    add_span(workspace, item_id)


def test_items_outside_any_task_are_editable(workspace: Workspace, tmp_path: Path) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    assert workspace.edit_lock(item_id) is None
    add_span(workspace, item_id)


def test_queue_results_carry_each_revision(workspace: Workspace, tmp_path: Path) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    check_out(workspace, task_id)
    workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    first = add_span(workspace, item_id, end=5)
    first_id = submit_task(workspace.profile, task_id, allow_empty=False)
    with pytest.raises(TaskReadOnlyError):
        add_span(workspace, item_id, end=8)
    assert workspace.reopen_task(task_id) == 2
    second = add_span(workspace, item_id, end=8)
    second_id = submit_task(workspace.profile, task_id, allow_empty=False)
    rows = {row.result_id: row.document for row in _outbox(workspace)}
    assert set(rows) == {first_id, second_id}
    assert rows[first_id]["revision"] == 1
    assert [a["id"] for a in rows[first_id]["annotations"]] == [first.id]
    assert rows[second_id]["revision"] == 2
    assert [a["id"] for a in rows[second_id]["annotations"]] == [first.id, second.id]
    task = workspace.task(task_id)
    assert task.status is TaskStatus.SUBMITTED and task.submitted_at is not None


@pytest.mark.parametrize("annotate", [False, True], ids=["empty", "annotated"])
def test_never_opened_or_empty_task_needs_allow_empty(
    workspace: Workspace, tmp_path: Path, annotate: bool
) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    check_out(workspace, task_id)
    if annotate:
        add_span(workspace, item_id)
    concern = submit_concern(workspace.profile, task_id)
    assert concern is not None and "never opened" in concern
    assert ("no annotations" in concern) is not annotate
    with pytest.raises(EmptySubmitError):
        submit_task(workspace.profile, task_id, allow_empty=False)
    assert workspace.task(task_id).status is TaskStatus.NEW and _outbox(workspace) == []
    submit_task(workspace.profile, task_id, allow_empty=True)
    assert workspace.task(task_id).status is TaskStatus.SUBMITTED
    assert len(_outbox(workspace)) == 1


def test_opened_task_without_annotations_still_asks(workspace: Workspace, tmp_path: Path) -> None:
    item_id = note_item(workspace, tmp_path / "in")
    task_id = local_task(workspace, item_id)
    check_out(workspace, task_id)
    workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
    assert submit_concern(workspace.profile, task_id) == f"Task {task_id} has no annotations."
    add_span(workspace, item_id)
    assert submit_concern(workspace.profile, task_id) is None


def test_a_profile_from_before_revisions_opens_with_revision_1(
    profile: Profile, profile_dir: Path, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage import migrations
    from tests.conftest import PASSPHRASE

    workspace = Workspace(profile)
    task_id = local_task(workspace, note_item(workspace, tmp_path / "in"))
    with profile.database.engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(migrations.MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(tasks)"))]
        assert "revision" not in columns
    workspace.lock()
    reopened = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        task = reopened.task(task_id)
        assert (task.revision, task.submitted_at, task.status) == (1, None, TaskStatus.NEW)
    finally:
        reopened.lock()
