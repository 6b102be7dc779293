"""The read-only rule: no edit of an item is saved while its task is submitted (or further).

An item is read-only when it belongs to at least one task and every task it belongs to is
read-only (:data:`workspace.tasks.READ_ONLY`). An item outside any task, or one with a task
still open (new, in progress, sent back for rework), stays editable. The rule is checked in
the transaction that would save the edit (:func:`check_editable`), so no path around the
viewers (a script, the CLI, a second window) can change a submitted result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import Task
from workspace.tasks import EDITABLE, TaskStatus, read_only_reason

_QUERY = "SELECT status, submitted_at, updated_at FROM tasks WHERE item_id = ?"
TaskRow = tuple[str, str | None, str]


class TaskReadOnlyError(StorageError):
    """An edit of an item whose task is submitted, in review or accepted; says why."""


def lock_reason(rows: Iterable[TaskRow]) -> str | None:
    """Why an item with these (status, submitted_at, updated_at) task rows is read-only."""
    found = list(rows)
    if not found or any(TaskStatus(status) in EDITABLE for status, _, _ in found):
        return None
    status, submitted_at, updated_at = max(found, key=lambda row: row[2])
    since = submitted_at if status == TaskStatus.SUBMITTED and submitted_at else updated_at
    return read_only_reason(status, since)


def edit_lock(session: Session, item_id: str) -> str | None:
    """Why ``item_id`` is read-only, or None when it may be edited."""
    rows = session.execute(
        select(Task.status, Task.submitted_at, Task.updated_at).where(Task.item_id == item_id)
    )
    return lock_reason((r[0], r[1], r[2]) for r in rows)


def check_editable(cursor: Any, item_id: str) -> None:
    """Raise :class:`TaskReadOnlyError` unless ``item_id`` may be edited (DBAPI ``cursor``)."""
    reason = lock_reason(cursor.execute(_QUERY, (item_id,)).fetchall())
    if reason is not None:
        raise TaskReadOnlyError(reason)
