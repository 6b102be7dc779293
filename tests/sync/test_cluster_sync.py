"""A 3-node JetStream cluster (replicas 3) losing a node mid-batch: the workstation carries on
through the surviving nodes and the manager collects every result exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from nats.js import JetStreamContext

from tests.sync.nats_fixtures import NatsCluster
from tests.sync.robust_support import (
    annotate_and_submit,
    collect_results,
    collected_ids,
    lease_holders,
    push_items,
    stream_counts,
    unsent,
    with_js,
)
from tests.sync.sync_support import PROJECT, TRACK, join_project, make_workspace, run, write_notes
from workspace.sync import protocol
from workspace.sync.config import load_config
from workspace.sync.session import SyncReport, holder_id, sync_once
from workspace.workspace import Workspace

pytestmark = pytest.mark.slow
T = TypeVar("T")


def _sync_until_done(
    workstation: Workspace, pull: int, want_pulled: int = 0, timeout_s: float = 90.0
) -> SyncReport:
    """Sync again while the cluster elects new leaders (a sync may fail, or pull nothing);
    what each attempt saw is printed for the report. On a loaded 2-core CI machine the
    surviving nodes can take tens of seconds to notice the loss and elect, hence 90 s."""
    deadline = time.monotonic() + timeout_s
    pulled: list[str] = []
    sent = attempts = 0
    while True:
        attempts += 1
        try:
            report = run(
                sync_once(workstation.profile, load_config(workstation.profile), pull=pull)
            )
        except Exception as exc:
            print(f"sync attempt {attempts} during failover: {type(exc).__name__}: {exc}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
            continue
        pulled += report.pulled + report.resumed  # a failed attempt's checkout resumes
        sent += report.sent
        if len(pulled) < want_pulled and time.monotonic() < deadline:
            print(f"sync attempt {attempts} during failover: {report.summary()}")
            time.sleep(0.5)
            continue
        print(f"sync attempt {attempts}: done")
        report.pulled, report.sent = pulled, sent
        return report


def _retry_during_failover(check: Callable[[], T], timeout_s: float = 90.0) -> T:
    """Run a read-only check again while a stream still elects its leader (a timeout)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return check()
        except TimeoutError as exc:  # nats-py's timeout is a TimeoutError
            if time.monotonic() > deadline:
                raise
            print(f"check during failover: {type(exc).__name__}: {exc}")
            time.sleep(0.5)


def test_node_lost_mid_batch(nats_cluster: NatsCluster, tmp_path: Path) -> None:
    manager = make_workspace(tmp_path, "manager")
    alice = make_workspace(tmp_path, "alice")
    items = manager.import_paths([write_notes(tmp_path / "notes", 4)])
    batches = push_items(manager, nats_cluster.urls[0], items, per_batch=2, replicas=3)
    assert len(batches) == 2

    async def placement(js: JetStreamContext) -> dict[str, object]:
        out: dict[str, object] = {}
        for stream in (
            protocol.batch_stream(TRACK),
            protocol.result_stream(PROJECT),
            f"KV_{protocol.LEASE_BUCKET}",
            f"OBJ_{protocol.PAYLOAD_BUCKET}",
        ):
            info = await js.stream_info(stream)
            assert info.config.num_replicas == 3
            assert info.cluster is not None
            out[stream] = info.cluster.leader
        return out

    leaders = with_js(nats_cluster.urls[0], placement)
    # Lose the node leading the results stream (a leader election happens mid-batch).
    victim = next(
        i
        for i, node in enumerate(nats_cluster.nodes)
        if node.name == leaders[protocol.result_stream(PROJECT)]
    )
    survivors = [url for i, url in enumerate(nats_cluster.urls) if i != victim]
    # The workstation knows every node, the one about to die first.
    join_project(alice, manager, ",".join([nats_cluster.urls[victim], *survivors]))

    first = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert len(first.pulled) == 1

    nats_cluster.kill(victim)
    second = _sync_until_done(alice, pull=5, want_pulled=1)
    assert second.pulled == [b for b in batches if b not in first.pulled]
    assert len(alice.tasks()) == 4
    annotate_and_submit(alice)
    third = _sync_until_done(alice, pull=0)
    assert third.sent == 4 and unsent(alice) == []

    manager_url = survivors[1]
    # Collecting is safe to repeat (each result is recorded once), as a manager would.
    collected = _retry_during_failover(
        lambda: collect_results(manager, manager_url, tmp_path / "results")
    )
    assert collected.rejected == [] and collected.flagged == 0
    assert len(collected_ids(manager)) == 4  # whether one collect or a retried one got them
    again = collect_results(manager, manager_url, tmp_path / "again")
    assert again.received == 0
    assert len(collected_ids(manager)) == len(set(collected_ids(manager))) == 4

    async def after(js: JetStreamContext):
        results = await stream_counts(js, protocol.result_stream(PROJECT), protocol.RESULT_CONSUMER)
        work = await stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER)
        return results, work, await lease_holders(js, manager, TRACK)

    results, work, holders = _retry_during_failover(lambda: with_js(manager_url, after))
    assert results == {"messages": 4, "pending": 0, "ack_pending": 0}
    assert work == {"messages": 0, "pending": 0, "ack_pending": 0}
    assert holders == dict.fromkeys(batches, holder_id(alice.profile))

    # The lost node comes back and catches up: every node then holds the same results.
    nats_cluster.restart(victim)
    results = _retry_during_failover(
        lambda: with_js(
            nats_cluster.urls[victim],
            lambda js: stream_counts(js, protocol.result_stream(PROJECT), protocol.RESULT_CONSUMER),
        )
    )
    assert results["messages"] == 4
