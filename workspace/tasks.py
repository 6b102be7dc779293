"""The task workflow: statuses and the moves allowed between them (DESIGN §5).

::

    new -> in_progress -> submitted -> in_review -> accepted
                ^                          |
                +------- rework <----------+

- An annotator opens a task (``new -> in_progress``) and submits it (``in_progress ->
  submitted``).
- A reviewer opens a submitted task (``submitted -> in_review``) and accepts it or sends it
  back with comments (``in_review -> accepted | rework``).
- The annotator reopens a task sent back (``rework -> in_progress``) and submits it again.
- ``accepted`` is final.

There is deliberately no ``submitted -> rework``: a task is only rejected from review, so every
rejection carries the reviewer who opened it and their comments. Nor is there a plain way back
from ``submitted`` to ``in_progress``: once submitted, the result is on its way to the manager.
The annotator may *reopen* it instead (:func:`check_reopen`), which starts a new **revision**
that must be submitted again; the revision sent before is kept as it was.

A task that is submitted, in review or accepted is read-only (:data:`READ_ONLY`): no edit of
its item is saved until it is reopened (or sent back for rework).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from workspace.errors import WorkspaceError

__all__ = [
    "EDITABLE",
    "READ_ONLY",
    "REOPENABLE",
    "TRANSITIONS",
    "InvalidTransitionError",
    "ReopenError",
    "TaskStatus",
    "can_transition",
    "check_reopen",
    "check_transition",
    "is_final",
    "next_statuses",
    "read_only_reason",
]


class TaskStatus(StrEnum):
    """Where a task stands in the annotate/review cycle; values are stored as text."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REWORK = "rework"


#: Every allowed move, from each status to the statuses it may go to (in display order).
TRANSITIONS: Mapping[TaskStatus, tuple[TaskStatus, ...]] = MappingProxyType(
    {
        TaskStatus.NEW: (TaskStatus.IN_PROGRESS,),
        TaskStatus.IN_PROGRESS: (TaskStatus.SUBMITTED,),
        TaskStatus.SUBMITTED: (TaskStatus.IN_REVIEW,),
        TaskStatus.IN_REVIEW: (TaskStatus.ACCEPTED, TaskStatus.REWORK),
        TaskStatus.ACCEPTED: (),
        TaskStatus.REWORK: (TaskStatus.IN_PROGRESS,),
    }
)


class InvalidTransitionError(WorkspaceError, ValueError):
    """A task was asked to move between two statuses that are not linked."""

    def __init__(self, old: TaskStatus, new: TaskStatus) -> None:
        self.old = old
        self.new = new
        allowed = TRANSITIONS[old]
        if old == new:
            reason = f"the task is already '{old}'"
        elif not allowed:
            reason = f"'{old}' is final"
        else:
            reason = "from '{}' it can only move to {}".format(
                old, " or ".join(f"'{s}'" for s in allowed)
            )
        super().__init__(f"cannot move a task from '{old}' to '{new}': {reason}")


def _status(value: TaskStatus | str) -> TaskStatus:
    """Coerce text to a status, naming the known ones if it is not one."""
    try:
        return TaskStatus(value)
    except ValueError:
        known = ", ".join(f"'{s}'" for s in TaskStatus)
        raise ValueError(f"unknown task status {value!r}; known: {known}") from None


def next_statuses(status: TaskStatus | str) -> tuple[TaskStatus, ...]:
    """The statuses a task in ``status`` may move to (empty when it is final)."""
    return TRANSITIONS[_status(status)]


def can_transition(old: TaskStatus | str, new: TaskStatus | str) -> bool:
    """Whether a task may move from ``old`` to ``new``."""
    return _status(new) in next_statuses(old)


def check_transition(old: TaskStatus | str, new: TaskStatus | str) -> None:
    """Raise :class:`InvalidTransitionError` unless a task may move from ``old`` to ``new``."""
    old_status, new_status = _status(old), _status(new)
    if new_status not in TRANSITIONS[old_status]:
        raise InvalidTransitionError(old_status, new_status)


def is_final(status: TaskStatus | str) -> bool:
    """Whether no move leads out of ``status``."""
    return not next_statuses(status)


#: Statuses whose task is read-only: its result is with the manager or a reviewer.
READ_ONLY = frozenset({TaskStatus.SUBMITTED, TaskStatus.IN_REVIEW, TaskStatus.ACCEPTED})
#: Statuses whose task may be edited.
EDITABLE = frozenset(TaskStatus) - READ_ONLY
#: Statuses an annotator may reopen (a new revision, back to ``in_progress``).
REOPENABLE = frozenset({TaskStatus.SUBMITTED, TaskStatus.REWORK})


class ReopenError(WorkspaceError, ValueError):
    """A task that cannot be reopened; the message says why."""


def check_reopen(status: TaskStatus | str) -> None:
    """Raise :class:`ReopenError` unless a task in ``status`` may be reopened."""
    old = _status(status)
    if old in REOPENABLE:
        return
    if old in (TaskStatus.NEW, TaskStatus.IN_PROGRESS):
        raise ReopenError(f"the task is '{old}': it is open already")
    if old == TaskStatus.IN_REVIEW:
        raise ReopenError("the task is in review: the reviewer has it")
    raise ReopenError(f"the task is '{old}', which is final")


def read_only_reason(status: TaskStatus | str, since: str | None) -> str:
    """Why a task in a read-only ``status`` (reached at ISO time ``since``) refuses edits."""
    when = _short_time(since)
    match _status(status):
        case TaskStatus.SUBMITTED:
            return f"Task submitted on {when}: reopen it to edit."
        case TaskStatus.IN_REVIEW:
            return f"Task in review since {when}: it cannot be edited."
        case TaskStatus.ACCEPTED:
            return f"Task accepted on {when}: it is final and cannot be edited."
        case other:
            return f"Task is '{other}'."


def _short_time(moment: str | None) -> str:
    """``2026-12-02 17:40 UTC`` from ISO text (the text itself if it does not parse)."""
    if not moment:
        return "an unknown date"
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return moment
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M UTC")
