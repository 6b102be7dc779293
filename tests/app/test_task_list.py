"""The task list: submit asks first for an unfinished task, reopen, due date and instructions."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import update

from app.docks.item_list import TASK_ID_ROLE, TASKS
from app.docks.sync_panel import BatchCard
from storage.models import Batch, Task
from tests.app.profiles import text_item_id
from tests.workspace.task_support import check_out, local_task
from workspace.sync.outbox import pending
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace

DUE = "2026-12-20"
INSTRUCTIONS = "Mark every problem."


def _queue_task(workspace: Workspace) -> str:
    task_id = local_task(workspace, text_item_id(workspace))
    check_out(workspace, task_id, due=DUE, instructions=INSTRUCTIONS)
    with workspace.profile.database.write() as session:  # as materialize_batch stores them
        session.execute(update(Task).where(Task.id == task_id).values(instructions=INSTRUCTIONS))
        batch_id = workspace.task(task_id).batch_id
        session.execute(update(Batch).where(Batch.id == batch_id).values(due=DUE))
    return task_id


def _row(window, task_id: str):
    tree = window.item_list.tree
    for index in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(index)
        if group.text(0).startswith(TASKS):
            for i in range(group.childCount()):
                if group.child(i).data(0, TASK_ID_ROLE) == task_id:
                    return group.child(i)
    raise AssertionError("task row not listed")


def _answer(button: QMessageBox.StandardButton, asked: list[str]) -> None:
    """Click ``button`` of the question box once it is shown."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        asked.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, click)


def test_submitting_an_unopened_empty_task_asks_first(
    qtbot, make_window, app_workspace: Workspace
) -> None:
    task_id = _queue_task(app_workspace)
    window = make_window()
    window.item_list.refresh()
    window.item_list.tree.setCurrentItem(_row(window, task_id))
    asked: list[str] = []
    _answer(QMessageBox.StandardButton.No, asked)
    window.item_list.submit_action.trigger()
    assert "never opened and has no annotations" in asked[0]
    assert window.statusBar().currentMessage() == "Not submitted."
    assert (
        app_workspace.task(task_id).status is TaskStatus.NEW
        and pending(app_workspace.profile) == []
    )

    _answer(QMessageBox.StandardButton.Yes, asked)
    window.item_list.submit_action.trigger()
    assert len(asked) == 2
    assert app_workspace.task(task_id).status is TaskStatus.SUBMITTED
    assert [e.document["revision"] for e in pending(app_workspace.profile)] == [1]

    window.item_list.tree.setCurrentItem(_row(window, task_id))
    window.item_list.reopen_action.trigger()
    assert "revision 2" in window.statusBar().currentMessage()
    assert _row(window, task_id).text(1) == "in progress r2"
    window.item_list.tree.setCurrentItem(_row(window, task_id))
    window.item_list.reopen_action.trigger()  # open already: says so, changes nothing
    assert "open already" in window.statusBar().currentMessage()
    assert app_workspace.task(task_id).revision == 2


def test_task_row_shows_due_date_and_instructions(
    qtbot, make_window, app_workspace: Workspace
) -> None:
    task_id = _queue_task(app_workspace)
    window = make_window()
    window.item_list.refresh()
    row = _row(window, task_id)
    assert row.text(2) == DUE
    assert f"Due {DUE}" in row.toolTip(0) and f"Instructions: {INSTRUCTIONS}" in row.toolTip(0)
    assert not window.item_list.tree.isColumnHidden(2)


def test_the_due_column_leaves_the_titles_room_when_nothing_is_due(
    qtbot, make_window, app_workspace: Workspace
) -> None:
    local_task(app_workspace, text_item_id(app_workspace))
    window = make_window()
    window.item_list.refresh()
    tree = window.item_list.tree
    assert tree.isColumnHidden(2)
    assert tree.columnWidth(0) > tree.columnWidth(1)  # the title is not squeezed to "Ch…"


def test_batch_card_shows_due_date_and_instructions(qtbot, app_workspace: Workspace) -> None:
    _queue_task(app_workspace)
    (row,) = app_workspace.checked_out()
    card = BatchCard()
    qtbot.addWidget(card)
    card.show()
    card.show_batch(row, None, False, datetime.now(UTC))
    assert card.brief.isVisible()
    assert card.brief.text() == f"Due {DUE} · Instructions: {INSTRUCTIONS}"
