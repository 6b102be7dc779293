"""Submit, reopen, edit, submit again: the manager keeps both revisions and marks the newest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import (
    PROJECT,
    join_project,
    make_workspace,
    manager_push,
    run,
    write_notes,
)
from tests.workspace.task_support import add_span
from workspace.sync.config import load_config
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.outbox import submit_task
from workspace.sync.queue_collect import CollectReport, collect
from workspace.sync.queue_status import queue_status
from workspace.sync.session import sync_once
from workspace.task_lock import TaskReadOnlyError
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace


def _collect(manager: Workspace, url: str, out: Path) -> CollectReport:
    async def go() -> CollectReport:
        async with jetstream(ServerAccess(url)) as (_client, js):
            return await collect(js, manager.profile, PROJECT, out)

    return run(go())


def test_reopened_task_sends_a_second_revision_and_collect_keeps_both(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager = make_workspace(tmp_path, "manager")
    alice = make_workspace(tmp_path, "alice")
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 1), per_batch=1)
    join_project(alice, manager, nats_server.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    (task,) = alice.tasks()
    alice.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    add_span(alice, task.item_id, end=3)
    first = submit_task(alice.profile, task.id, allow_empty=False)
    with pytest.raises(TaskReadOnlyError, match="reopen it to edit"):
        add_span(alice, task.item_id, end=7)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 1

    out = tmp_path / "results"
    assert _collect(manager, nats_server.url, out).received == 1

    assert (
        run(sync_once(alice.profile, load_config(alice.profile))).renewed == 0
    )  # every task submitted
    assert alice.reopen_task(task.id) == 2
    assert (
        run(sync_once(alice.profile, load_config(alice.profile))).renewed == 1
    )  # the lease is kept again
    add_span(alice, task.item_id, end=7)
    second = submit_task(alice.profile, task.id, allow_empty=False)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 1

    collected = _collect(manager, nats_server.url, out)
    assert collected.received == 1 and collected.rejected == [] and collected.flagged == 0
    folder = out / task.batch_id / task.id  # type: ignore[operator]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"alice-{first}", f"alice-r2-{second}", "newest.json"]
    )
    old = json.loads((folder / f"alice-{first}" / "result.json").read_text())
    new = json.loads((folder / f"alice-r2-{second}" / "result.json").read_text())
    assert (old["revision"], len(old["annotations"])) == (1, 1)
    assert (new["revision"], len(new["annotations"])) == (2, 2)
    newest = json.loads((folder / "newest.json").read_text())
    assert newest == {"alice": {"revision": 2, "result_id": second, "folder": f"alice-r2-{second}"}}

    async def status():  # one task returned, counted once although two results arrived
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            return await queue_status(js, manager.profile)

    state = run(status())
    assert state.by_state["returned"] == 1 and state.by_annotator["alice"] == 1
