"""Projects, their label schemas, batches and tasks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Batch, Item, LabelSchemaRecord, Project, Task
from workspace.annotations import now_iso
from workspace.errors import NotFoundError
from workspace.schema import LabelSchema, parse_schema, schema_to_document
from workspace.tasks import EDITABLE, ReopenError, TaskStatus, check_reopen, check_transition


@dataclass(frozen=True)
class ProjectInfo:
    """A project and the id of its label schema."""

    id: str
    name: str
    schema_id: str


@dataclass(frozen=True)
class TaskSummary:
    """A task as the task list shows it."""

    id: str
    item_id: str
    item_title: str
    modality: str
    status: TaskStatus
    batch_id: str | None
    batch_title: str
    assignee: str | None
    revision: int = 1
    submitted_at: str | None = None
    updated_at: str = ""
    instructions: str = ""
    due: str | None = None
    schema_id: str | None = None
    project: str | None = None


def save_schema(session: Session, schema: LabelSchema) -> None:
    """Store (or replace) a label schema document."""
    session.merge(
        LabelSchemaRecord(
            id=schema.id,
            name=schema.name,
            version=schema.version,
            document=schema_to_document(schema),
        )
    )


def load_schema(session: Session, schema_id: str) -> LabelSchema:
    """A stored label schema (:class:`NotFoundError` if absent)."""
    row = session.get(LabelSchemaRecord, schema_id)
    if row is None:
        raise NotFoundError(f"No label schema '{schema_id}' in this profile.")
    return parse_schema(dict(row.document), source=f"profile:{schema_id}")


def ensure_project(session: Session, name: str, schema: LabelSchema) -> ProjectInfo:
    """The project called ``name``, made with ``schema`` if it does not exist yet."""
    row = session.scalars(select(Project).where(Project.name == name)).first()
    if row is None:
        save_schema(session, schema)
        row = Project(id=str(uuid.uuid4()), name=name, schema_id=schema.id, created_at=now_iso())
        session.add(row)
        session.flush()
    return ProjectInfo(row.id, row.name, row.schema_id)


def list_projects(session: Session) -> list[ProjectInfo]:
    """Every project, by name."""
    rows = session.scalars(select(Project).order_by(Project.name))
    return [ProjectInfo(r.id, r.name, r.schema_id) for r in rows]


def create_batch(
    session: Session,
    project_id: str,
    title: str,
    item_ids: list[str],
    track: str | None = None,
    assignee: str | None = None,
) -> str:
    """A batch with one new task per item; returns the batch id."""
    batch_id = str(uuid.uuid4())
    session.add(
        Batch(id=batch_id, project_id=project_id, title=title, track=track, created_at=now_iso())
    )
    session.flush()
    for item_id in item_ids:
        session.add(
            Task(
                id=str(uuid.uuid4()),
                batch_id=batch_id,
                item_id=item_id,
                status=TaskStatus.NEW.value,
                assignee=assignee,
                instructions="",
                updated_at=now_iso(),
            )
        )
    return batch_id


def _task_query() -> Any:
    """Tasks with their item, batch and project columns (as :func:`_summary` reads them)."""
    return (
        select(
            Task, Item.title, Item.modality, Batch.title, Batch.due, Project.schema_id, Project.name
        )
        .join(Item, Item.id == Task.item_id)
        .outerjoin(Batch, Batch.id == Task.batch_id)
        .outerjoin(Project, Project.id == Batch.project_id)
    )


def _summary(row: Any) -> TaskSummary:
    task, item_title, modality, batch_title, due, schema_id, project = row
    return TaskSummary(
        id=task.id,
        item_id=task.item_id,
        item_title=item_title,
        modality=modality,
        status=TaskStatus(task.status),
        batch_id=task.batch_id,
        batch_title=batch_title or "",
        assignee=task.assignee,
        revision=task.revision or 1,
        submitted_at=task.submitted_at,
        updated_at=task.updated_at,
        instructions=task.instructions or "",
        due=due,
        schema_id=schema_id,
        project=project,
    )


def list_tasks(session: Session) -> list[TaskSummary]:
    """Every task with its item and batch titles."""
    query = _task_query().order_by(Batch.created_at, Item.title)
    return [_summary(row) for row in session.execute(query)]


def get_task(session: Session, task_id: str) -> TaskSummary:
    """One task (KeyError with a clear message if absent)."""
    row = session.execute(_task_query().where(Task.id == task_id)).first()
    if row is None:
        raise NotFoundError(f"No task with id {task_id}.")
    return _summary(row)


def item_task(session: Session, item_id: str) -> TaskSummary | None:
    """The task ``item_id`` is worked on in: an open one (new, in progress, rework) if it has
    one, else the one changed last; None outside any task."""
    tasks = [_summary(row) for row in session.execute(_task_query().where(Task.item_id == item_id))]
    tasks.sort(key=lambda t: (t.status in EDITABLE, t.updated_at))
    return tasks[-1] if tasks else None


def reopen_task(session: Session, task_id: str) -> tuple[TaskStatus, int]:
    """Reopen a submitted or sent-back task as its next revision; (old status, revision)."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"No task with id {task_id}.")
    old = TaskStatus(task.status)
    try:
        check_reopen(old)
    except ReopenError as error:
        raise ReopenError(f"Cannot reopen task {task_id}: {error}.") from None
    task.status = TaskStatus.IN_PROGRESS.value
    task.revision = (task.revision or 1) + 1
    task.submitted_at = None
    task.updated_at = now_iso()
    return old, task.revision


def set_task_status(session: Session, task_id: str, status: TaskStatus) -> TaskStatus:
    """Move a task to ``status`` if the workflow allows it; returns the old status."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"No task with id {task_id} in this profile.")
    old = TaskStatus(task.status)
    check_transition(old, status)
    task.status = status.value
    task.updated_at = now_iso()
    if status == TaskStatus.SUBMITTED:
        task.submitted_at = task.updated_at
    return old
