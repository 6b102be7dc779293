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
rejection carries the reviewer who opened it and their comments. Nor is there a way back from
``submitted`` to ``in_progress``: once submitted, the result is on its way to the manager.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from workspace.errors import WorkspaceError

__all__ = [
    "TRANSITIONS",
    "InvalidTransitionError",
    "TaskStatus",
    "can_transition",
    "check_transition",
    "is_final",
    "next_statuses",
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
