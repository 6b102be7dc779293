"""The whole sync over TLS with per-user permissions (manager, ws-alice on ct-chest, ws-bob on
ecg), through workspace.sync's own connection code (ServerAccess with CA file and password).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from tests.sync.conftest import SecuredNats
from tests.sync.robust_support import (
    annotate_and_submit,
    collect_results,
    lease_holders,
    push_items,
    stream_counts,
    with_js,
)
from tests.sync.sync_support import (
    TRACK,
    join_project,
    make_workspace,
    manager_push,
    run,
    write_notes,
)
from workspace.sync import protocol
from workspace.sync.config import load_config
from workspace.sync.connection import QueueRefusedError, QueueUnavailableError, ServerAccess
from workspace.sync.permissions import inbox_prefix_for
from workspace.sync.queue_status import queue_status
from workspace.sync.session import holder_id, server_access, sync_once
from workspace.workspace import Workspace


def _access(secured: SecuredNats, user: str, **changes: str) -> ServerAccess:
    values = {
        "url": secured.url,
        "user": user,
        "password": secured.users[user].password,
        "ca_file": str(secured.ca.ca_file),
        "inbox_prefix": inbox_prefix_for(user),
    }
    values.update(changes)
    return ServerAccess(**values)


def _join(workstation: Workspace, manager: Workspace, secured: SecuredNats, user: str) -> None:
    join_project(
        workstation,
        manager,
        secured.url,
        user=user,
        password=secured.users[user].password,
        ca_file=str(secured.ca.ca_file),
        tracks=(TRACK,),
    )


def _site(secured: SecuredNats, tmp_path: Path) -> tuple[Workspace, ServerAccess, list[str]]:
    manager = make_workspace(tmp_path, "manager")
    access = _access(secured, "manager")
    batches = manager_push(manager, secured.url, write_notes(tmp_path / "notes", 4), access=access)
    return manager, access, batches


def test_push_checkout_submit_collect_over_tls(secured_nats: SecuredNats, tmp_path: Path) -> None:
    manager, access, batches = _site(secured_nats, tmp_path)
    alice = make_workspace(tmp_path, "alice")
    _join(alice, manager, secured_nats, "ws-alice")
    # The workstation's connection settings come from its stored configuration.
    assert server_access(load_config(alice.profile)) == _access(secured_nats, "ws-alice")

    report = run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    assert sorted(report.pulled) == sorted(batches) and report.messages == []
    # Lease renewal (KV compare-and-swap) is allowed on its own track.
    report = run(sync_once(alice.profile, load_config(alice.profile)))
    assert report.renewed == 2 and report.lost == [] and report.sent == 0
    result_ids = annotate_and_submit(alice)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    assert report.sent == 4 and report.pulled == []

    collected = collect_results(manager, access, tmp_path / "results")
    assert collected.received == 4 and collected.rejected == [] and collected.flagged == 0
    written = sorted(p.parent.name for p in (tmp_path / "results").rglob("result.json"))
    assert written == sorted(f"alice-{r}" for r in result_ids)
    status = with_js(access, lambda js: queue_status(js, manager.profile))
    assert status.by_state["returned"] == 2 and status.by_annotator["alice"] == 4


def test_bob_cannot_check_out_alices_track(secured_nats: SecuredNats, tmp_path: Path) -> None:
    manager, access, batches = _site(secured_nats, tmp_path)
    bob = make_workspace(tmp_path, "bob")
    _join(bob, manager, secured_nats, "ws-bob")  # ws-bob serves ecg, asks for ct-chest

    report = run(sync_once(bob.profile, load_config(bob.profile), pull=10))
    assert report.pulled == [] and bob.tasks() == []

    async def untouched(js: JetStreamContext):
        counts = await stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER)
        return counts, await lease_holders(js, manager, TRACK)

    counts, holders = with_js(access, untouched)
    assert counts == {"messages": len(batches), "pending": len(batches), "ack_pending": 0}
    assert holders == {}
    # Alice, whose track it is, gets every batch.
    alice = make_workspace(tmp_path, "alice")
    _join(alice, manager, secured_nats, "ws-alice")
    assert sorted(
        run(sync_once(alice.profile, load_config(alice.profile), pull=10)).pulled
    ) == sorted(batches)
    holders = with_js(access, lambda js: lease_holders(js, manager, TRACK))
    assert holders == dict.fromkeys(batches, holder_id(alice.profile))


def test_bob_is_told_why_he_gets_nothing(secured_nats: SecuredNats, tmp_path: Path) -> None:
    manager, _, _ = _site(secured_nats, tmp_path)
    bob = make_workspace(tmp_path, "bob")
    _join(bob, manager, secured_nats, "ws-bob")
    try:
        report = run(sync_once(bob.profile, load_config(bob.profile), pull=10))
    except Exception as exc:  # noqa: BLE001 - a clear error is one acceptable outcome
        message = str(exc)
    else:
        message = " ".join(report.messages)
    assert "ct-chest" in message and "\n" not in message
    assert "not allowed" in message or "refused" in message or "permission" in message.lower()


def test_workstation_is_refused_manager_actions(secured_nats: SecuredNats, tmp_path: Path) -> None:
    manager, access, batches = _site(secured_nats, tmp_path)
    alice = make_workspace(tmp_path, "alice")
    _join(alice, manager, secured_nats, "ws-alice")
    run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    annotate_and_submit(alice)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 4
    alice_access = _access(secured_nats, "ws-alice")

    # Collecting: the server refuses the collector's pull; alice is told, receives nothing.
    with pytest.raises(QueueRefusedError, match="refused user 'ws-alice' reading the results"):
        collect_results(alice, alice_access, tmp_path / "stolen")
    assert not (tmp_path / "stolen").exists()

    # Pushing: the server refuses the stream lookup; one line names the user and subject.
    (item,) = alice.import_paths([write_notes(tmp_path / "mine", 1, prefix="Alice")])
    with pytest.raises(QueueRefusedError, match="refused user 'ws-alice'") as refused:
        push_items(alice, alice_access, [item])
    assert "permissions violation" in str(refused.value) and "\n" not in str(refused.value)

    # Neither attempt changed anything: the manager still finds every result and batch.
    async def state(js: JetStreamContext):
        return await stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER)

    assert with_js(access, state)["messages"] == 0
    collected = collect_results(manager, access, tmp_path / "results")
    assert collected.received == 4 and collected.rejected == []
    assert sorted(collect_results(manager, access, tmp_path / "again").exported) == []
    assert len(batches) == 2


def test_workstation_manager_action_refusal_is_one_clear_line(
    secured_nats: SecuredNats, tmp_path: Path
) -> None:
    manager, _, _ = _site(secured_nats, tmp_path)
    alice = make_workspace(tmp_path, "alice")
    _join(alice, manager, secured_nats, "ws-alice")
    with pytest.raises(Exception) as refused:
        collect_results(alice, _access(secured_nats, "ws-alice"), tmp_path / "stolen")
    assert "ws-alice" in str(refused.value) and "\n" not in str(refused.value)


def test_wrong_password_is_one_clear_line(secured_nats: SecuredNats, tmp_path: Path) -> None:
    manager, _, _ = _site(secured_nats, tmp_path)
    alice = make_workspace(tmp_path, "alice")
    _join(alice, manager, secured_nats, "ws-alice")
    from dataclasses import replace

    from workspace.sync.config import save_config

    save_config(alice.profile, replace(load_config(alice.profile), password="not-the-password"))
    with pytest.raises(QueueUnavailableError) as refused:
        run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert str(refused.value) == (
        f"The queue server at {secured_nats.url} refused user 'ws-alice': "
        "wrong user name or password."
    )
    # A CA file that does not exist: named, one line.
    save_config(
        alice.profile, replace(load_config(alice.profile), ca_file=str(tmp_path / "missing.pem"))
    )
    with pytest.raises(QueueUnavailableError, match="Cannot read the CA certificate") as bad:
        run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert "\n" not in str(bad.value) and "missing.pem" in str(bad.value)


@pytest.mark.parametrize("scheme", ["tls", "nats"])
def test_missing_ca_is_one_clear_line(
    secured_nats: SecuredNats, tmp_path: Path, scheme: str
) -> None:
    manager, _, _ = _site(secured_nats, tmp_path)
    alice = make_workspace(tmp_path, "alice")
    _join(alice, manager, secured_nats, "ws-alice")
    from dataclasses import replace

    from workspace.sync.config import save_config

    url = secured_nats.url.replace("tls://", f"{scheme}://")
    save_config(alice.profile, replace(load_config(alice.profile), ca_file="", server_url=url))
    with pytest.raises(QueueUnavailableError, match="TLS failure") as refused:
        run(asyncio.wait_for(sync_once(alice.profile, load_config(alice.profile), pull=1), 12))
    assert "\n" not in str(refused.value)
