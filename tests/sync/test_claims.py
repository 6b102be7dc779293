"""Two workstations pulling from one track at the same time: every batch goes to exactly one.

Real nats-server, two encrypted profiles of different users, each syncing on its own thread
(its own event loop, connection and SQLite store), started together by a barrier.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.sync.nats_fixtures import NatsServer
from tests.sync.robust_support import (
    lease_holders,
    local_counts,
    push_items,
    stream_counts,
    with_js,
)
from tests.sync.sync_support import (
    TRACK,
    join_project,
    make_workspace,
    run,
    write_notes,
)
from workspace.sync import protocol
from workspace.sync.checkout import BATCH_HEADER, PROJECT_HEADER, manifest_context
from workspace.sync.config import load_config, project_key
from workspace.sync.documents import encode
from workspace.sync.envelope import seal
from workspace.sync.session import SyncReport, holder_id, sync_once
from workspace.workspace import Workspace

BATCHES = 1000


def _pull_concurrently(workstations: list[Workspace], count: int) -> list[SyncReport]:
    """Each workstation runs one ``sync --pull count`` on its own thread, all at once."""
    barrier = threading.Barrier(len(workstations))
    reports: list[SyncReport | None] = [None] * len(workstations)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        workstation = workstations[index]
        config = load_config(workstation.profile)
        barrier.wait()
        try:
            reports[index] = run(sync_once(workstation.profile, config, pull=count, push=False))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workstations))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert all(r is not None for r in reports)
    return [r for r in reports if r is not None]


def _two_workstations(tmp_path: Path, url: str) -> tuple[Workspace, Workspace, Workspace]:
    manager = make_workspace(tmp_path, "manager")
    alice = make_workspace(tmp_path, "alice")
    bob = make_workspace(tmp_path, "bob")
    return manager, alice, bob


@pytest.mark.slow
def test_thousand_claims_each_batch_to_exactly_one_workstation(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice, bob = _two_workstations(tmp_path, nats_server.url)
    (note,) = manager.import_paths([write_notes(tmp_path / "notes", 1)])
    # 1,000 one-task batches of the same note: one object on the server, 1,000 manifests.
    started = time.monotonic()
    pushed = push_items(manager, nats_server.url, [note] * BATCHES)
    assert len(set(pushed)) == BATCHES
    push_s = time.monotonic() - started

    for workstation in (alice, bob):
        join_project(workstation, manager, nats_server.url)
    started = time.monotonic()
    reports = _pull_concurrently([alice, bob], BATCHES)
    pull_s = time.monotonic() - started
    by_alice, by_bob = reports[0].pulled, reports[1].pulled

    # No batch went to both, none twice to one, none lost.
    everything = by_alice + by_bob
    twice = [b for b, n in Counter(everything).items() if n > 1]
    assert twice == []
    assert sorted(everything) == sorted(pushed)
    # Both really competed for the same queue (neither drained it alone).
    assert min(len(by_alice), len(by_bob)) >= BATCHES // 10, (len(by_alice), len(by_bob))
    assert reports[0].messages == [] and reports[1].messages == []

    # Each profile holds exactly its own batches, fully materialised and acknowledged.
    for workstation, mine in ((alice, by_alice), (bob, by_bob)):
        counts = local_counts(workstation)
        assert counts["checkouts"] == counts["batches"] == counts["tasks"] == len(mine)
        assert {t.batch_id for t in workstation.tasks()} == set(mine)

    # The leases KV agrees: one lease per batch, held by the workstation that has it.
    async def server_state(js):
        holders = await lease_holders(js, manager, TRACK)
        counts = await stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER)
        return holders, counts

    holders, counts = with_js(nats_server.url, server_state)
    expected = {b: holder_id(alice.profile) for b in by_alice} | {
        b: holder_id(bob.profile) for b in by_bob
    }
    assert holders == expected
    assert counts == {"messages": 0, "pending": 0, "ack_pending": 0}
    print(f"push {push_s:.1f} s, two concurrent pulls {pull_s:.1f} s")


@pytest.mark.slow
def test_manifest_delivered_twice_is_still_checked_out_once(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    """A second copy of every manifest (a push retried outside the duplicate window, a
    reissue racing a late ack): the lease, not the work queue, must keep each batch to one
    workstation."""
    manager, alice, bob = _two_workstations(tmp_path, nats_server.url)
    (note,) = manager.import_paths([write_notes(tmp_path / "notes", 1)])
    count = 150
    pushed = push_items(manager, nats_server.url, [note] * count)
    key = project_key(manager.profile, "notes-2026")

    async def republish(js) -> None:
        from sqlalchemy import select

        from storage.models import QueueBatch

        with manager.profile.database.read() as session:
            manifests = [row.manifest for row in session.scalars(select(QueueBatch))]
        for manifest in manifests:
            batch_id = manifest["batch_id"]
            await js.publish(
                protocol.batch_subject(TRACK),
                seal(key, encode("manifest", manifest), manifest_context(batch_id)),
                headers={
                    "Nats-Msg-Id": f"{batch_id}.again",
                    PROJECT_HEADER: manifest["project"],
                    BATCH_HEADER: batch_id,
                },
            )

    with_js(nats_server.url, republish)
    for workstation in (alice, bob):
        join_project(workstation, manager, nats_server.url)
    reports = _pull_concurrently([alice, bob], 2 * count)
    by_alice, by_bob = reports[0].pulled, reports[1].pulled
    everything = by_alice + by_bob
    assert [b for b, n in Counter(everything).items() if n > 1] == []
    assert sorted(everything) == sorted(pushed)
    # A workstation that lost a lease race recorded nothing for that batch.
    assert {t.batch_id for t in alice.tasks()} == set(by_alice)
    assert {t.batch_id for t in bob.tasks()} == set(by_bob)
    assert local_counts(alice)["checkouts"] == len(by_alice)
    assert local_counts(bob)["checkouts"] == len(by_bob)
    holders = with_js(nats_server.url, lambda js: lease_holders(js, manager, TRACK))
    expected = {b: holder_id(alice.profile) for b in by_alice} | {
        b: holder_id(bob.profile) for b in by_bob
    }
    assert holders == expected
