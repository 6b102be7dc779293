"""Crashes mid-batch: a workstation killed with SIGKILL while downloading or submitting, and the
queue server itself killed and restarted, against real nats-server processes.

After every recovery: each batch is checked out once, no stored object is fetched again, and
every result reaches the manager exactly once (a second collect finds nothing new).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import nats.errors
import pytest
from nats.js.client import JetStreamContext

from tests.sync.nats_fixtures import NatsServer
from tests.sync.robust_support import (
    annotate_and_submit,
    checkout_row,
    collect_results,
    collected_ids,
    collected_tasks,
    item_count,
    lease_holders,
    local_counts,
    stream_counts,
    unsent,
    wait_until,
    with_js,
)
from tests.sync.sync_support import (
    PROJECT,
    TRACK,
    join_project,
    manager_push,
    run,
    write_notes,
)
from workspace.sync import protocol
from workspace.sync.config import load_config
from workspace.sync.connection import QueueUnavailableError
from workspace.sync.documents import manifest_files
from workspace.sync.session import holder_id, sync_once
from workspace.workspace import Workspace

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIG_NOTE_BYTES = 16 * 1024 * 1024
BIG_NOTES = 4
WORKER_TIMEOUT_S = 90.0


# ----------------------------------------------------------------------------- helpers


def write_big_notes(folder: Path, count: int, size: int) -> Path:
    """``count`` distinct text notes of ``size`` bytes (random letters and spaces)."""
    folder.mkdir(parents=True, exist_ok=True)
    alphabet = b"abcdefghijklmnopqrstuvwxyz     \n"
    table = bytes(alphabet[i % len(alphabet)] for i in range(256))
    for index in range(count):
        body = os.urandom(size).translate(table)
        (folder / f"scan-report-{index}.txt").write_bytes(f"Report {index}\n".encode() + body)
    return folder


class Worker:
    """``python -m tests.sync.crash_worker`` on a profile, with its JSON-lines log."""

    def __init__(self, profile: Path, log: Path, **args: Any) -> None:
        self.log = log
        payload = json.dumps({"profile": str(profile), "log": str(log), **args})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.crash_worker", payload],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def wait_for(self, event: str, timeout_s: float = WORKER_TIMEOUT_S) -> dict[str, Any]:
        def seen() -> bool:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise AssertionError(f"worker exited before {event!r}:\n{output}")
            return any(e["event"] == event for e in self.events())

        wait_until(seen, timeout_s, f"worker event {event!r}")
        return next(e for e in self.events() if e["event"] == event)

    def kill9(self) -> None:
        self.process.kill()  # SIGKILL: no cleanup, no finally blocks
        self.process.wait(10)
        assert self.process.returncode == -9

    def finish(self, timeout_s: float = WORKER_TIMEOUT_S) -> None:
        output, _ = self.process.communicate(timeout=timeout_s)
        assert self.process.returncode == 0, output.decode()


def worker_log(tmp_path: Path, name: str) -> Path:
    return tmp_path / f"{name}.jsonl"


def assert_collected_exactly_once(
    manager: Workspace, url: str, tmp_path: Path, workstation: Workspace, tasks: int
) -> None:
    """Collect twice: every submitted result once, the second run finds nothing new."""
    outbox = {r.result_id for r in sent_entries(workstation)}
    assert len(outbox) == tasks
    assert unsent(workstation) == []
    first = collect_results(manager, url, tmp_path / "results")
    assert first.rejected == []
    assert first.received == tasks and first.duplicates == 0
    again = collect_results(manager, url, tmp_path / "results-again")
    assert again.received == 0 and again.rejected == []
    ids = collected_ids(manager)
    assert sorted(ids) == sorted(outbox)
    assert len(set(collected_tasks(manager))) == tasks  # one result per task
    written = sorted(p.parent.name for p in (tmp_path / "results").rglob("result.json"))
    assert written == sorted(f"{workstation.user}-{r}" for r in outbox)
    # The server itself kept each result once (retries carried the same Nats-Msg-Id).
    counts = with_js(
        url,
        lambda js: stream_counts(js, protocol.result_stream(PROJECT), protocol.RESULT_CONSUMER),
    )
    assert counts == {"messages": tasks, "pending": 0, "ack_pending": 0}


def sent_entries(workspace: Workspace) -> list[Any]:
    from sqlalchemy import select

    from storage.models import SyncOutboxEntry

    with workspace.profile.database.read() as session:
        rows = list(session.scalars(select(SyncOutboxEntry)))
        for row in rows:
            session.expunge(row)
        return rows


# ----------------------------------------------------------------------------- workstation


@pytest.mark.parametrize("how", ["stopped-at-second-object", "raced"])
def test_kill9_mid_download_resumes_without_refetching(
    nats_server: NatsServer, tmp_path: Path, how: str, manager: Workspace, alice: Workspace
) -> None:
    folder = write_big_notes(tmp_path / "big", BIG_NOTES, BIG_NOTE_BYTES)
    (batch_id,) = manager_push(manager, nats_server.url, folder, per_batch=BIG_NOTES)
    join_project(alice, manager, nats_server.url)
    profile = tmp_path / "alice"

    first = Worker(
        profile,
        worker_log(tmp_path, "download-1"),
        mode="download",
        **({"hang_at_fetch": 2} if how == "stopped-at-second-object" else {}),
    )
    try:
        if how == "stopped-at-second-object":
            first.wait_for("hanging")
        else:

            def partly_downloaded() -> bool:
                assert first.process.poll() is None, "the download finished before the kill"
                row = checkout_row(alice, batch_id)
                return row is not None and row.state == "downloading" and row.bytes_done > 0

            wait_until(partly_downloaded, WORKER_TIMEOUT_S, "a partly downloaded batch")
    finally:
        first.kill9()

    row = checkout_row(alice, batch_id)
    assert row is not None and row.state == "downloading"
    assert 0 < row.bytes_done < row.bytes_total
    files = manifest_files(row.manifest)
    stored_before = [f.digest for f in files if alice.profile.blobs.contains(f.digest)]
    assert 1 <= len(stored_before) < len(files)
    assert row.bytes_done == sum(f.size for f in files if f.digest in stored_before)
    # Nothing of the batch exists locally yet, and the server still holds it for us.
    assert local_counts(alice, batch_id) | {"checkouts": 1} == {
        "checkouts": 1,
        "batches": 0,
        "tasks": 0,
        "outbox": 0,
    }
    holders = with_js(nats_server.url, lambda js: lease_holders(js, manager, TRACK))
    assert holders == {batch_id: holder_id(alice.profile)}

    second = Worker(profile, worker_log(tmp_path, "download-2"), mode="download")
    second.finish()
    events = second.events()
    fetched = [e["digest"] for e in events if e["event"] == "fetched"]
    # Only the objects missing after the crash were downloaded again.
    assert sorted(fetched) == sorted(f.digest for f in files if f.digest not in stored_before)
    done = events[-1]
    assert done == {"event": "done", "resumed": [batch_id], "pulled": []}

    row = checkout_row(alice, batch_id)
    assert row is not None and row.state == "acked" and row.bytes_done == row.bytes_total
    assert local_counts(alice) == {"checkouts": 1, "batches": 1, "tasks": BIG_NOTES, "outbox": 0}
    assert item_count(alice) == BIG_NOTES
    for payload in files:
        alice.profile.blobs.verify(payload.digest)
    counts = with_js(
        nats_server.url,
        lambda js: stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER),
    )
    assert counts == {"messages": 0, "pending": 0, "ack_pending": 0}
    # Another sync neither re-downloads nor duplicates anything.
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=5))
    assert report.pulled == [] and report.resumed == []
    assert local_counts(alice)["tasks"] == BIG_NOTES


@pytest.mark.parametrize(
    "hang", [{"hang_after_submit": 3}, {"hang_after_publish": 1}, {"hang_after_publish": 4}]
)
def test_kill9_mid_submit_every_result_exactly_once(
    nats_server: NatsServer,
    tmp_path: Path,
    hang: dict[str, int],
    manager: Workspace,
    alice: Workspace,
) -> None:
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 6), per_batch=2)
    join_project(alice, manager, nats_server.url)
    assert len(run(sync_once(alice.profile, load_config(alice.profile), pull=10)).pulled) == 3
    profile = tmp_path / "alice"

    first = Worker(profile, worker_log(tmp_path, "submit-1"), mode="submit", **hang)
    try:
        first.wait_for("hanging")
    finally:
        first.kill9()
    events = first.events()
    submitted = [e["result"] for e in events if e["event"] == "submitted"]
    published = [e["result"] for e in events if e["event"] == "published"]
    if "hang_after_submit" in hang:
        assert len(submitted) == 3 and published == []
        assert len(unsent(alice)) == 3
    else:
        # Killed after the server stored a result, before the outbox row was marked sent.
        assert len(submitted) == 6 and len(published) == hang["hang_after_publish"]
        assert published[-1] in {r.result_id for r in unsent(alice)}
        assert len(unsent(alice)) == 6 - (len(published) - 1)

    second = Worker(profile, worker_log(tmp_path, "submit-2"), mode="submit")
    second.finish()
    resubmitted = [e["result"] for e in second.events() if e["event"] == "submitted"]
    assert len(submitted) + len(resubmitted) == 6
    assert_collected_exactly_once(manager, nats_server.url, tmp_path, alice, tasks=6)


# ----------------------------------------------------------------------------- server


def test_server_killed_between_download_and_submit(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    batches = manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 6))
    join_project(alice, manager, nats_server.url)
    assert sorted(
        run(sync_once(alice.profile, load_config(alice.profile), pull=10)).pulled
    ) == sorted(batches)

    nats_server.kill()
    annotate_and_submit(alice)  # offline: the results wait in the outbox
    with pytest.raises(QueueUnavailableError) as refused:
        run(sync_once(alice.profile, load_config(alice.profile)))
    assert "\n" not in str(refused.value)
    assert "connection refused" in str(refused.value)
    assert len(unsent(alice)) == 6

    nats_server.restart()
    # The server lost nothing it had acknowledged: leases and the empty work queue survive.
    holders = with_js(nats_server.url, lambda js: lease_holders(js, manager, TRACK))
    assert holders == dict.fromkeys(batches, holder_id(alice.profile))
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    assert report.sent == 6 and report.pulled == [] and report.lost == []
    assert_collected_exactly_once(manager, nats_server.url, tmp_path, alice, tasks=6)


def _patch_result_publish(
    monkeypatch: pytest.MonkeyPatch, after: int, action: Any, *, lose_ack: bool
) -> list[str]:
    """Run ``action()`` once the ``after``-th result publish was stored by the server; with
    ``lose_ack`` that publish then fails as if its acknowledgement never arrived."""
    real_publish = JetStreamContext.publish
    stored: list[str] = []

    async def publish(self: JetStreamContext, subject: str, *args: Any, **kwargs: Any) -> Any:
        ack = await real_publish(self, subject, *args, **kwargs)
        if subject.startswith(protocol.RESULT_SUBJECT_PREFIX):
            stored.append((kwargs.get("headers") or {})["Nats-Msg-Id"])
            if len(stored) == after:
                action()
                if lose_ack:
                    raise nats.errors.TimeoutError
        return ack

    monkeypatch.setattr(JetStreamContext, "publish", publish)
    return stored


def test_server_killed_during_drain_ack_lost(
    nats_server: NatsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    manager: Workspace,
    alice: Workspace,
) -> None:
    """The server dies right after storing the 3rd result, before its ack arrives."""
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 6))
    join_project(alice, manager, nats_server.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    annotate_and_submit(alice)

    stored = _patch_result_publish(monkeypatch, 3, nats_server.kill, lose_ack=True)
    with pytest.raises(nats.errors.TimeoutError):
        run(sync_once(alice.profile, load_config(alice.profile)))
    monkeypatch.undo()
    pending = unsent(alice)
    assert len(pending) == 4 and stored[-1] in {r.result_id for r in pending}
    failed = next(r for r in pending if r.result_id == stored[-1])
    assert failed.attempts == 1 and "TimeoutError" in failed.last_error

    nats_server.restart()
    report = run(sync_once(alice.profile, load_config(alice.profile)))
    assert report.sent == 4
    assert_collected_exactly_once(manager, nats_server.url, tmp_path, alice, tasks=6)


def test_server_bounced_during_drain(
    nats_server: NatsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    manager: Workspace,
    alice: Workspace,
) -> None:
    """The server is killed after the 2nd result and back a second later, mid-drain."""
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 6))
    join_project(alice, manager, nats_server.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    annotate_and_submit(alice)

    restarted = threading.Event()

    def bounce() -> None:
        nats_server.kill()

        def later() -> None:
            threading.Event().wait(1.0)
            nats_server.restart()
            restarted.set()

        threading.Thread(target=later, daemon=True).start()

    _patch_result_publish(monkeypatch, 2, bounce, lose_ack=False)
    outcome: BaseException | int
    try:
        outcome = run(sync_once(alice.profile, load_config(alice.profile))).sent
    except Exception as exc:  # noqa: BLE001 - either outcome is acceptable, checked below
        outcome = exc
    monkeypatch.undo()
    assert restarted.wait(15)
    print(f"drain across the bounce: {outcome!r}")
    # Whatever the first sync managed, the next one sends the rest and nothing twice.
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, nats.errors.Error | TimeoutError), repr(outcome)
    run(sync_once(alice.profile, load_config(alice.profile)))
    assert_collected_exactly_once(manager, nats_server.url, tmp_path, alice, tasks=6)


def test_server_killed_mid_download_resumes(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    """The server dies while a batch downloads; after its restart the download resumes."""
    folder = write_big_notes(tmp_path / "big", 3, 4 * 1024 * 1024)
    (batch_id,) = manager_push(manager, nats_server.url, folder, per_batch=3)
    join_project(alice, manager, nats_server.url)

    killed = []

    def progress(p: Any) -> None:
        if p.files_done == 1 and not killed:
            nats_server.kill()
            killed.append(p.bytes_done)

    with pytest.raises(Exception) as failed:
        run(sync_once(alice.profile, load_config(alice.profile), pull=1, progress=progress))
    print(f"sync when the server died mid-download: {type(failed.value).__name__}: {failed.value}")
    row = checkout_row(alice, batch_id)
    assert row is not None and row.state == "downloading" and row.bytes_done == killed[0]

    nats_server.restart()
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.resumed == [batch_id] and report.pulled == []
    assert local_counts(alice) == {"checkouts": 1, "batches": 1, "tasks": 3, "outbox": 0}
    annotate_and_submit(alice)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 3
    assert_collected_exactly_once(manager, nats_server.url, tmp_path, alice, tasks=3)
