"""The task workflow: statuses and the transitions allowed between them (DESIGN §5)."""

from __future__ import annotations

import itertools

import pytest

from workspace.tasks import (
    TRANSITIONS,
    InvalidTransitionError,
    TaskStatus,
    can_transition,
    check_transition,
    is_final,
    next_statuses,
)

S = TaskStatus
ALLOWED = {
    (S.NEW, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.SUBMITTED),
    (S.SUBMITTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.ACCEPTED),
    (S.IN_REVIEW, S.REWORK),
    (S.REWORK, S.IN_PROGRESS),
}


def test_status_values_are_the_stored_text() -> None:
    assert [s.value for s in TaskStatus] == [
        "new", "in_progress", "submitted", "in_review", "accepted", "rework"
    ]  # fmt: skip
    assert TaskStatus("in_review") is S.IN_REVIEW
    assert S.REWORK == "rework"
    assert f"{S.IN_PROGRESS}" == "in_progress"


def test_transition_table_is_exactly_the_design() -> None:
    table = {(old, new) for old, targets in TRANSITIONS.items() for new in targets}
    assert table == ALLOWED
    assert set(TRANSITIONS) == set(TaskStatus)


def test_annotate_review_rework_cycle() -> None:
    path = [S.NEW, S.IN_PROGRESS, S.SUBMITTED, S.IN_REVIEW, S.REWORK, S.IN_PROGRESS]
    path += [S.SUBMITTED, S.IN_REVIEW, S.ACCEPTED]
    for old, new in itertools.pairwise(path):
        check_transition(old, new)
    assert is_final(S.ACCEPTED)


@pytest.mark.parametrize(
    ("old", "new"),
    [pair for pair in itertools.product(TaskStatus, TaskStatus) if pair not in ALLOWED],
    ids=lambda s: str(s),
)
def test_every_other_transition_is_refused(old: TaskStatus, new: TaskStatus) -> None:
    assert not can_transition(old, new)
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(old, new)
    assert str(caught.value).startswith(f"cannot move a task from '{old}' to '{new}': ")
    assert (caught.value.old, caught.value.new) == (old, new)
    assert isinstance(caught.value, ValueError)


def test_messages_say_why() -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(S.SUBMITTED, S.REWORK)
    assert str(caught.value) == (
        "cannot move a task from 'submitted' to 'rework': from 'submitted' it can only move to"
        " 'in_review'"
    )
    with pytest.raises(InvalidTransitionError, match="'accepted' is final"):
        check_transition(S.ACCEPTED, S.REWORK)
    with pytest.raises(InvalidTransitionError, match="the task is already 'in_progress'"):
        check_transition(S.IN_PROGRESS, S.IN_PROGRESS)
    with pytest.raises(
        InvalidTransitionError, match="'in_review' it can only move to 'accepted' or 'rework'"
    ):
        check_transition(S.IN_REVIEW, S.NEW)


def test_next_statuses() -> None:
    assert next_statuses(S.NEW) == (S.IN_PROGRESS,)
    assert next_statuses("in_review") == (S.ACCEPTED, S.REWORK)
    assert next_statuses(S.ACCEPTED) == ()
    assert not is_final(S.REWORK)


def test_text_statuses_are_accepted_and_unknown_ones_named() -> None:
    check_transition("new", "in_progress")
    assert can_transition("rework", S.IN_PROGRESS)
    with pytest.raises(
        ValueError, match=r"unknown task status 'done'; known: 'new', 'in_progress'"
    ):
        check_transition("in_review", "done")
