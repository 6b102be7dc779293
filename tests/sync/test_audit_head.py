"""The audit head published at every sync catches a profile rolled back to an older copy.

A real TLS nats-server with per-user permissions (ws-alice), real profiles copied on disk:
copy the profile, sync, edit, sync, restore the copy, sync again: the sync and
``caliper audit verify --server`` both say the log was rolled back, and the event is recorded.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import nats.js.errors
import pytest
from nats.js import JetStreamContext

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.sync.conftest import SecuredNats, example_users
from tests.sync.nats_fixtures import NATS_SERVER, SKIP_REASON, LocalCA, NatsServer
from tests.sync.robust_support import annotate_and_submit, kv_key_names, with_js
from tests.sync.sync_support import join_project, make_workspace, manager_push, run, write_notes
from tests.sync.test_queue_access import expect_denied, session
from workspace.sync import protocol
from workspace.sync.audit_head import check_and_publish, head_key
from workspace.sync.config import SyncConfig, load_config, save_config
from workspace.sync.connection import ServerAccess
from workspace.sync.permissions import UserSpec, inbox_prefix_for
from workspace.sync.queue_setup import ensure_buckets
from workspace.sync.session import SyncReport, sync_once
from workspace.sync.signing import ensure_signing_key
from workspace.workspace import Workspace


def _sync(workspace: Workspace, pull: int = 0) -> SyncReport:
    return run(sync_once(workspace.profile, load_config(workspace.profile), pull=pull))


def _restore(copy: Path, profile: Path) -> Workspace:
    shutil.rmtree(profile)
    shutil.copytree(copy, profile)
    return Workspace.unlock(profile, PASSPHRASE)


def _verify_online(
    secured: SecuredNats, profile: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    password = tmp_path / "ws-alice.password"
    password.write_text(str(secured.users["ws-alice"].password))
    return caliper(
        "audit", "verify", "--profile", str(profile), "--server", secured.url,
        "--user", "ws-alice", "--password-file", str(password), "--ca", str(secured.ca.ca_file),
    )  # fmt: skip


def test_rolled_back_profile_is_detected(secured_nats: SecuredNats, tmp_path: Path) -> None:
    manager = make_workspace(tmp_path, "manager")
    manager_access = ServerAccess(
        secured_nats.url,
        "manager",
        str(secured_nats.users["manager"].password),
        str(secured_nats.ca.ca_file),
        inbox_prefix_for("manager"),
    )
    manager_push(
        manager, secured_nats.url, write_notes(tmp_path / "notes", 2), access=manager_access
    )
    alice = make_workspace(tmp_path, "alice")
    ensure_signing_key(alice.profile)  # as `caliper init` does
    join_project(
        alice,
        manager,
        secured_nats.url,
        user="ws-alice",
        password=secured_nats.users["ws-alice"].password,
        ca_file=str(secured_nats.ca.ca_file),
    )
    profile = tmp_path / "alice"
    alice.lock()
    shutil.copytree(profile, tmp_path / "alice-copy")
    alice = Workspace.unlock(profile, PASSPHRASE)

    first = _sync(alice, pull=5)
    assert first.audit is not None and first.audit.ok and first.audit.published is None
    annotate_and_submit(alice)
    second = _sync(alice)
    assert second.sent == 2 and second.audit is not None and second.audit.ok
    assert second.audit.published is not None
    published_row = alice.profile.audit.head()
    assert published_row.seq > 0
    alice.lock()
    intact = _verify_online(secured_nats, profile, tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert "queue: the chain extends the head published" in intact.stdout

    # Restore the copy taken before both syncs: the sync says so, and records it.
    alice = _restore(tmp_path / "alice-copy", profile)
    rolled = _sync(alice)
    assert rolled.audit_problem.startswith("Audit log rolled back:")
    assert f"published row {published_row.seq}" in rolled.audit_problem
    assert rolled.audit_problem in rolled.messages
    events = [e["event"] for e in alice.profile.audit.entries(5)]
    assert "sync.audit_head_mismatch" in events
    # The head on the queue is kept, so the next sync reports it again.
    assert _sync(alice).audit_problem.startswith("Audit log rolled back:")
    alice.lock()
    refused = _verify_online(secured_nats, profile, tmp_path)
    assert_one_line_error(refused, "queue: Audit log rolled back")

    # Once the restored log grows past the published row, that row differs: rewritten.
    alice = Workspace.unlock(profile, PASSPHRASE)
    while alice.profile.audit.head().seq < published_row.seq:
        alice.profile.audit.record("test.filler")
    assert _sync(alice).audit_problem.startswith(
        f"Audit log rewritten: row {published_row.seq} differs"
    )
    alice.lock()


def test_sync_cli_fails_clearly_after_a_rollback(nats_server: NatsServer, tmp_path: Path) -> None:
    manager = make_workspace(tmp_path, "manager")
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 1))
    alice = make_workspace(tmp_path, "alice")
    ensure_signing_key(alice.profile)
    join_project(alice, manager, nats_server.url)
    profile = tmp_path / "alice"
    alice.lock()
    shutil.copytree(profile, tmp_path / "alice-copy")
    alice = Workspace.unlock(profile, PASSPHRASE)
    _sync(alice, pull=1)
    annotate_and_submit(alice)
    assert _sync(alice).audit_problem == ""
    alice.lock()
    _restore(tmp_path / "alice-copy", profile).lock()
    synced = caliper("sync", "--profile", str(profile))
    assert_one_line_error(synced, "Audit log rolled back")
    assert "0 results sent" in synced.stdout
    # The sync recorded the event; the local chain itself is intact (only the queue knows).
    alice = Workspace.unlock(profile, PASSPHRASE)
    events = [e["event"] for e in alice.profile.audit.entries(5)]
    assert "sync.audit_head_mismatch" in events
    assert alice.profile.audit.verify().ok
    alice.lock()


def test_heads_are_per_profile_and_sealed(nats_server: NatsServer, tmp_path: Path) -> None:
    """Two profiles on one anonymous connection keep separate heads; the value is sealed."""
    manager = make_workspace(tmp_path, "manager")
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 2), per_batch=1)
    alice, bob = make_workspace(tmp_path, "alice"), make_workspace(tmp_path, "bob")
    for workstation in (alice, bob):
        join_project(workstation, manager, nats_server.url)
        for _ in range(2):
            report = _sync(workstation, pull=1)
            assert report.audit is not None and report.audit.ok, report.audit

    async def heads(js: JetStreamContext) -> dict[str, bytes]:
        kv = await js.key_value(protocol.audit_bucket(""))
        names = await kv_key_names(js, protocol.audit_bucket(""))
        return {key: (await kv.get(key)).value or b"" for key in names}

    stored = with_js(nats_server.url, heads)
    assert set(stored) == {head_key(alice.profile), head_key(bob.profile)}
    for value in stored.values():
        assert value.startswith(b"CLPE") and b"sequence" not in value


def test_a_workstation_cannot_erase_its_published_heads(
    secured_nats: SecuredNats, tmp_path: Path
) -> None:
    """ws-alice's account adds heads to its own bucket only: no purge, rollup, delete or
    config change, and ws-bob cannot read or write it."""
    alice = make_workspace(tmp_path, "alice")
    bucket = protocol.audit_bucket("ws-alice")
    stream = f"KV_{bucket}"

    async def scenario() -> None:
        async with session(secured_nats, "ws-alice") as ws:
            assert (await check_and_publish(ws.js, alice.profile, "ws-alice")).ok
            assert (await check_and_publish(ws.js, alice.profile, "ws-alice")).ok
            key = head_key(alice.profile)
            kv = await ws.js.key_value(bucket)
            with pytest.raises(nats.js.errors.APIError, match="rollup not permitted"):
                await kv.purge(key)  # a rollup: the stream refuses it
            await expect_denied(
                ws, ws.js.purge_stream(stream), "publish", f"$JS.API.STREAM.PURGE.{stream}"
            )
            await expect_denied(
                ws, ws.js.delete_msg(stream, 1), "publish", f"$JS.API.STREAM.MSG.DELETE.{stream}"
            )
            info = await ws.js.stream_info(stream)
            info.config.allow_rollup_hdrs = True
            await expect_denied(
                ws, ws.js.update_stream(info.config), "publish", f"$JS.API.STREAM.UPDATE.{stream}"
            )
        async with session(secured_nats, "ws-bob") as bob:
            await expect_denied(
                bob, bob.js.key_value(bucket), "publish", f"$JS.API.STREAM.INFO.{stream}"
            )
        async with session(secured_nats, "manager") as manager:
            state = (await manager.js.stream_info(stream)).state
            assert state.messages == 2  # both heads kept
            config = (await manager.js.stream_info(stream)).config
            assert not config.allow_rollup_hdrs and config.deny_purge and config.deny_delete

    run(scenario())


class _WorkstationBeforeAuditHeads(UserSpec):
    """A workstation user rendered by a Caliper from before audit heads."""

    def permissions(self) -> dict[str, object]:
        block: dict[str, Any] = super().permissions()
        allowed = block["publish"]["allow"]
        block["publish"]["allow"] = [s for s in allowed if protocol.AUDIT_BUCKET not in s]
        return block


@pytest.mark.slow
def test_a_server_configured_before_audit_heads_only_warns(
    tmp_path: Path, test_ca: LocalCA
) -> None:
    if NATS_SERVER is None:
        pytest.skip(SKIP_REASON)
    users = example_users()
    alice_user = users["ws-alice"]
    old = _WorkstationBeforeAuditHeads(
        alice_user.name, alice_user.password, "workstation", alice_user.tracks, alice_user.projects
    )
    with NatsServer(
        tmp_path / "nats", users=[users["manager"], old], tls=test_ca.server_tls
    ) as server:
        manager = users["manager"]
        access = ServerAccess(
            server.url,
            manager.name,
            str(manager.password),
            str(test_ca.ca_file),
            inbox_prefix_for(manager.name),
        )
        with_js(access, ensure_buckets)  # the leases bucket a sync renews from
        alice = make_workspace(tmp_path, "alice")
        save_config(
            alice.profile,
            SyncConfig(
                server_url=server.url,
                user="ws-alice",
                password=str(alice_user.password),
                ca_file=str(test_ca.ca_file),
                tracks=alice_user.tracks,
            ),
        )
        report = _sync(alice)
        assert report.audit is None and report.audit_problem == ""
        (message,) = report.messages
        assert message.startswith("Audit head not published: the queue server refused it")
        assert "\n" not in message
