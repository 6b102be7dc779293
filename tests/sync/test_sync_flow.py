"""Manager push → workstation checkout → submit → manager collect, against a real nats-server."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import (
    PROJECT,
    join_project,
    manager_push,
    run,
    write_notes,
)
from workspace.annotations import AddAnnotation, Annotation
from workspace.sync.checkout import utc_now
from workspace.sync.config import load_config
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.outbox import submit_task
from workspace.sync.queue_collect import collect
from workspace.sync.queue_status import queue_status
from workspace.sync.session import sync_once
from workspace.workspace import Workspace


def _annotate_and_submit(workstation: Workspace, clock=utc_now) -> list[str]:
    """Label the first word of every task's note and submit every task."""
    result_ids = []
    for task in workstation.tasks():
        text = bytes(workstation.read_file(workstation.item_files(task.item_id)[0])).decode()
        end = text.index(" ")
        document = workstation.document(task.item_id)
        span = Annotation(
            task.item_id, "span", "problem", {"start": 0, "end": end}, author=workstation.user
        )
        workstation.command_stack(task.item_id).push(AddAnnotation(document, span))
        result_ids.append(submit_task(workstation.profile, task.id, clock=clock))
    return result_ids


def _collect(manager: Workspace, url: str, out: Path):
    async def go():
        async with jetstream(ServerAccess(url)) as (_client, js):
            return await collect(js, manager.profile, PROJECT, out)

    return run(go())


def test_push_checkout_submit_collect(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    batches = manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 5))
    assert len(batches) == 3  # 2 + 2 + 1

    join_project(alice, manager, nats_server.url)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    assert sorted(report.pulled) == sorted(batches)
    tasks = alice.tasks()
    assert len(tasks) == 5
    # Every item arrived intact: same content digests as the manager's.
    assert {i.content_digest for i in alice.items()} == {i.content_digest for i in manager.items()}
    for item in alice.items():
        for file in alice.item_files(item.id):
            alice.profile.blobs.verify(file.digest)

    result_ids = _annotate_and_submit(alice)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=0))
    assert report.sent == 5

    out = tmp_path / "results"
    collected = _collect(manager, nats_server.url, out)
    assert collected.received == 5 and collected.rejected == [] and collected.flagged == 0
    written = sorted(p.parent.name for p in out.rglob("result.json"))
    assert written == sorted(f"alice-{r}" for r in result_ids)
    one = next(out.rglob("result.json"))
    document = json.loads(one.read_text())
    assert document["annotations"][0]["label"] == "problem"
    ann = (one.parent / "annotations.ann").read_text()
    assert "\tproblem 0 " in ann

    # A second collect finds nothing new and writes nothing twice.
    again = _collect(manager, nats_server.url, tmp_path / "again")
    assert again.received == 0 and not (tmp_path / "again").exists()

    async def status():
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            return await queue_status(js, manager.profile)

    state = run(status())
    assert state.by_state["returned"] == 3
    assert state.by_annotator["alice"] == 5


def test_offline_week_submits_late_and_is_flagged(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 2), per_batch=2)
    join_project(alice, manager, nats_server.url, lease_days=3.0)
    run(sync_once(alice.profile, load_config(alice.profile), pull=1))

    week_later = utc_now() + timedelta(days=7)
    _annotate_and_submit(alice, clock=lambda: week_later)  # offline: nothing is sent yet
    report = run(sync_once(alice.profile, load_config(alice.profile), clock=lambda: week_later))
    assert report.sent == 2

    collected = _collect(manager, nats_server.url, tmp_path / "results")
    assert collected.received == 2 and collected.flagged == 2
    document = json.loads(next((tmp_path / "results").rglob("result.json")).read_text())
    assert document["late"] is True
    assert "lease expired" in document["flag"]


def test_reissue_after_expiry_keeps_both_results(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace, bob: Workspace
) -> None:
    from workspace.sync.queue_reissue import ReissueError, reissue

    (batch_id,) = manager_push(manager, nats_server.url, write_notes(tmp_path / "n", 2))
    join_project(alice, manager, nats_server.url, lease_days=2.0)
    join_project(bob, manager, nats_server.url)
    assert run(sync_once(alice.profile, load_config(alice.profile), pull=1)).pulled == [batch_id]
    assert (
        run(sync_once(bob.profile, load_config(bob.profile), pull=1)).pulled == []
    )  # nothing else queued

    async def manage(action, when):
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            if action == "status":
                return await queue_status(js, manager.profile, clock=lambda: when)
            return await reissue(js, manager.profile, batch_id, clock=lambda: when)

    now = utc_now()
    assert run(manage("status", now)).by_state["leased"] == 1
    try:
        run(manage("reissue", now))
        raise AssertionError("a current lease must not be reissued without --force")
    except ReissueError as exc:
        assert "leased to alice@" in str(exc)
    later = now + timedelta(days=3)
    assert run(manage("status", later)).by_state["expired"] == 1
    assert run(manage("reissue", later)) == 2

    assert run(sync_once(bob.profile, load_config(bob.profile), pull=1)).pulled == [batch_id]
    _annotate_and_submit(bob)
    run(sync_once(bob.profile, load_config(bob.profile)))
    # Alice comes back after the reissue: her lease is gone; her work is accepted, flagged.
    report = run(sync_once(alice.profile, load_config(alice.profile), clock=lambda: later))
    assert report.lost == [batch_id]
    _annotate_and_submit(alice, clock=lambda: later)
    assert run(sync_once(alice.profile, load_config(alice.profile), clock=lambda: later)).sent == 2

    collected = _collect(manager, nats_server.url, tmp_path / "results")
    assert collected.received == 4 and collected.flagged == 2
    documents = [json.loads(p.read_text()) for p in (tmp_path / "results").rglob("result.json")]
    flags = {d["annotator"]: d["flag"] for d in documents}
    assert flags["bob"] == ""
    assert "reissued" in flags["alice"] and "lease is held by bob@" in flags["alice"]


def test_gold_tasks_are_known_only_to_the_manager(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    from workspace.schema import load_preset
    from workspace.sync.queue_push import PushPlan, push

    items = manager.import_paths([write_notes(tmp_path / "notes", 4)])
    gold = manager.import_paths([write_notes(tmp_path / "gold", 2, prefix="Gold")])
    plan = PushPlan(PROJECT, "ct-chest", load_preset("clinical-ner"), items, gold, per_batch=2)

    async def do_push() -> list[str]:
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            return await push(js, manager.profile, plan)

    assert len(run(do_push())) == 2  # gold items are spread among the regular batches
    join_project(alice, manager, nats_server.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=5))
    assert len(alice.tasks()) == 6
    from storage.models import SyncCheckout

    with alice.profile.database.read() as session:
        manifests = [row.manifest for row in session.query(SyncCheckout)]
    assert "gold" not in json.dumps(manifests).lower().replace("gold zyxwv", "")
    metas = [t["item"]["meta"] for m in manifests for t in m["tasks"]]
    assert metas and not any("source" in meta for meta in metas)  # file names stay local

    _annotate_and_submit(alice)
    run(sync_once(alice.profile, load_config(alice.profile)))
    _collect(manager, nats_server.url, tmp_path / "results")
    documents = [json.loads(p.read_text()) for p in (tmp_path / "results").rglob("result.json")]
    gold_digests = {g.content_digest for g in gold}
    assert sorted(d["gold"] for d in documents) == [False] * 4 + [True] * 2
    assert all(d["gold"] == (d["item_digest"] in gold_digests) for d in documents)
