"""An item as a viewer opens it: the item, its task, schema, files and annotations, read at once.

:func:`open_item` reads all of it, marks the item recently opened, audits the view and starts
a new task (new → in progress), in one write transaction: a viewer never shows an item with
the task or schema of another moment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from storage.audit import AuditLog
from workspace import item_schemas, projects, settings
from workspace import items as item_store
from workspace.annotation_rows import read_annotations
from workspace.annotations import Annotation
from workspace.items import ItemFile, ItemSummary
from workspace.projects import TaskSummary
from workspace.schema import LabelSchema
from workspace.task_lock import edit_lock
from workspace.tasks import TaskStatus

VIEW_EVENT = "item.view"
STATUS_EVENT = "task.status"


@dataclass(frozen=True)
class TaskState:
    """The task an item is worked on in (None outside any) and why edits are refused."""

    task: TaskSummary | None
    read_only_reason: str | None


@dataclass(frozen=True)
class OpenedItem:
    """Everything a viewer needs of one item, from one consistent snapshot of the store."""

    item: ItemSummary
    state: TaskState
    schema: LabelSchema
    files: list[ItemFile]
    annotations: list[Annotation]
    #: Opening it started its task (new → in progress).
    started: bool = False


def task_state(session: Session, item_id: str) -> TaskState:
    """The item's task and its read-only reason, read in ``session``."""
    return TaskState(projects.item_task(session, item_id), edit_lock(session, item_id))


def describe(session: Session, item: ItemSummary) -> OpenedItem:
    """All a viewer shows of ``item``, read in ``session``."""
    return OpenedItem(
        item=item,
        state=task_state(session, item.id),
        schema=item_schemas.schema_for(session, item),
        files=item_store.item_files(session, item.id),
        annotations=read_annotations(session, item.id),
    )


def open_item(session: Session, audit: AuditLog, item_id: str) -> OpenedItem:
    """:func:`describe` the item, marked recently opened, its view audited and its task
    started if it was new (:attr:`OpenedItem.started` says so).

    ``session`` is a write transaction; nothing is marked if the item cannot be read.
    """
    item = item_store.get_item(session, item_id)
    settings.touch_recent(session, item_id)
    audit.append(session, VIEW_EVENT, item_id)
    task = projects.item_task(session, item_id)
    started = task is not None and task.status is TaskStatus.NEW
    if task is not None and started:
        projects.set_task_status(session, task.id, TaskStatus.IN_PROGRESS)
        payload = {"from": TaskStatus.NEW.value, "to": TaskStatus.IN_PROGRESS.value}
        audit.append(session, STATUS_EVENT, task.id, payload)
    return replace(describe(session, item), started=started)
