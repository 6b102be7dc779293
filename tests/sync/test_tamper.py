"""Tampered and truncated data on the queue server: refused with a message naming it, nothing
half-imported, and a later sync succeeds once the manager puts a good copy back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from nats.js.api import ObjectMeta, ObjectMetaOptions
from sqlalchemy import select

from storage.models import QueueBatch
from tests.sync.nats_fixtures import NatsServer
from tests.sync.robust_support import (
    annotate_and_submit,
    checkout_row,
    collect_results,
    item_count,
    lease_holders,
    local_counts,
    stream_counts,
    unsent,
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
from workspace.sync.checkout import BATCH_HEADER, PROJECT_HEADER, manifest_context
from workspace.sync.config import load_config, project_key
from workspace.sync.documents import encode, manifest_files
from workspace.sync.envelope import new_project_key, seal
from workspace.sync.payloads import OBJECT_CHUNK, object_context, upload
from workspace.sync.session import holder_id, sync_once
from workspace.workspace import Workspace

Tamper = Callable[[bytes, bytes, str], bytes]


def _other_key(sealed: bytes, plaintext: bytes, digest: str) -> bytes:
    return seal(new_project_key(), plaintext, object_context(digest))


def _flipped(sealed: bytes, plaintext: bytes, digest: str) -> bytes:
    middle = len(sealed) // 2
    return sealed[:middle] + bytes([sealed[middle] ^ 0x01]) + sealed[middle + 1 :]


def _truncated(sealed: bytes, plaintext: bytes, digest: str) -> bytes:
    return sealed[: len(sealed) - 100]


def _manifest(manager: Workspace, batch_id: str) -> dict:
    with manager.profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        assert row is not None
        return dict(row.manifest)


async def _replace_object(js: JetStreamContext, digest: str, data: bytes) -> None:
    """What an attacker with write access (or a bad disk) does: a new object, same name."""
    store = await js.object_store(protocol.PAYLOAD_BUCKET)
    meta = ObjectMeta(name=digest, options=ObjectMetaOptions(max_chunk_size=OBJECT_CHUNK))
    await store.put(digest, data, meta=meta)


async def _flip_stored_chunk(js: JetStreamContext, digest: str) -> None:
    """Rewrite the object's chunks on the server with one bit flipped, keeping its metadata
    (size, chunk count, SHA-256 of the stored bytes): corruption below the object store."""
    store = await js.object_store(protocol.PAYLOAD_BUCKET)
    info = await store.get_info(digest)
    sealed = bytearray((await store.get(digest)).data or b"")
    sealed[len(sealed) // 3] ^= 0x80
    subject = f"$O.{protocol.PAYLOAD_BUCKET}.C.{info.nuid}"
    stream = f"OBJ_{protocol.PAYLOAD_BUCKET}"
    await js.purge_stream(stream, subject=subject)
    for start in range(0, len(sealed), OBJECT_CHUNK):
        await js.publish(subject, bytes(sealed[start : start + OBJECT_CHUNK]), stream=stream)


def _push_one_batch(manager: Workspace, alice: Workspace, url: str, tmp_path: Path):
    (batch_id,) = manager_push(manager, url, write_notes(tmp_path / "notes", 3), per_batch=3)
    join_project(alice, manager, url)
    files = manifest_files(_manifest(manager, batch_id))
    return batch_id, files


def _assert_nothing_imported(alice: Workspace, batch_id: str) -> None:
    counts = local_counts(alice, batch_id)
    assert counts["batches"] == 0 and counts["tasks"] == 0 and counts["outbox"] == 0
    assert item_count(alice) == 0
    assert alice.tasks() == []


@pytest.mark.parametrize(
    "how",
    ["other-key", "flipped", "truncated", "chunk-flipped-on-server", "deleted"],
)
def test_tampered_object_fails_checkout_cleanly_then_recovers(
    nats_server: NatsServer, tmp_path: Path, how: str, manager: Workspace, alice: Workspace
) -> None:
    batch_id, files = _push_one_batch(manager, alice, nats_server.url, tmp_path)
    bad = files[-1]  # the earlier objects download fine first
    key = project_key(manager.profile, PROJECT)
    plaintext = bytes(manager.profile.blobs.get(bad.digest))

    async def tamper(js: JetStreamContext) -> None:
        store = await js.object_store(protocol.PAYLOAD_BUCKET)
        if how == "deleted":
            await store.delete(bad.digest)
        elif how == "chunk-flipped-on-server":
            await _flip_stored_chunk(js, bad.digest)
        else:
            sealed = (await store.get(bad.digest)).data or b""
            change: Tamper = {"other-key": _other_key, "flipped": _flipped}.get(how, _truncated)
            await _replace_object(js, bad.digest, change(sealed, plaintext, bad.digest))

    with_js(nats_server.url, tamper)

    # The sync goes on (other batches, results); the damaged batch is named in one message.
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.pulled == []
    (message,) = report.messages
    print(f"{how}: {message}")
    assert f"Object {bad.digest[:12]}" in message and "\n" not in message
    expected = {
        "other-key": "different project key",
        "flipped": "tampered",
        "truncated": "truncated",
        # nats-py's digest check ("damaged") or the envelope's ("tampered"), whichever first
        "chunk-flipped-on-server": "damaged" if "damaged" in message else "tampered",
        "deleted": "not on the queue server",
    }[how]
    assert expected in message

    # Nothing of the batch was imported; the checkout waits, the server still holds it for us.
    _assert_nothing_imported(alice, batch_id)
    row = checkout_row(alice, batch_id)
    assert row is not None and row.state == "downloading"
    assert not alice.profile.blobs.contains(bad.digest)
    holders = with_js(nats_server.url, lambda js: lease_holders(js, manager, TRACK))
    assert holders == {batch_id: holder_id(alice.profile)}

    # Retrying before the repair fails the same way and still imports nothing.
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.resumed == [] and bad.digest[:12] in " ".join(report.messages)
    _assert_nothing_imported(alice, batch_id)

    # The manager puts a good copy back (a push uploads only names the server lacks, so a
    # damaged object is deleted first), and the next sync finishes the same checkout.
    async def repair(js: JetStreamContext) -> None:
        store = await js.object_store(protocol.PAYLOAD_BUCKET)
        if how != "deleted":
            await store.delete(bad.digest)
        assert await upload(store, key, bad.digest, plaintext) > 0

    with_js(nats_server.url, repair)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.resumed == [batch_id] and report.pulled == []
    assert local_counts(alice) == {"checkouts": 1, "batches": 1, "tasks": 3, "outbox": 0}
    assert item_count(alice) == 3
    for payload in files:
        alice.profile.blobs.verify(payload.digest)
    assert checkout_row(alice, batch_id).state == "acked"
    counts = with_js(
        nats_server.url,
        lambda js: stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER),
    )
    assert counts == {"messages": 0, "pending": 0, "ack_pending": 0}


def test_repush_replaces_a_tampered_object(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    batch_id, files = _push_one_batch(manager, alice, nats_server.url, tmp_path)
    bad = files[0]
    key = project_key(manager.profile, PROJECT)
    plaintext = bytes(manager.profile.blobs.get(bad.digest))

    async def tamper_then_repush(js: JetStreamContext) -> None:
        store = await js.object_store(protocol.PAYLOAD_BUCKET)
        sealed = (await store.get(bad.digest)).data or b""
        await _replace_object(js, bad.digest, _truncated(sealed, plaintext, bad.digest))
        await upload(store, key, bad.digest, plaintext)  # what `caliper queue push` does again

    with_js(nats_server.url, tamper_then_repush)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.pulled == [batch_id]


def test_damaged_batch_does_not_block_sending_results(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    good = manager_push(manager, nats_server.url, write_notes(tmp_path / "good", 2), per_batch=2)
    join_project(alice, manager, nats_server.url)
    assert run(sync_once(alice.profile, load_config(alice.profile), pull=1)).pulled == good
    annotate_and_submit(alice)

    (bad_batch,) = manager_push(
        manager, nats_server.url, write_notes(tmp_path / "bad", 1, prefix="Other"), per_batch=1
    )
    (bad,) = manifest_files(_manifest(manager, bad_batch))

    async def truncate(js: JetStreamContext) -> None:
        store = await js.object_store(protocol.PAYLOAD_BUCKET)
        sealed = (await store.get(bad.digest)).data or b""
        await _replace_object(js, bad.digest, sealed[:-10])

    with_js(nats_server.url, truncate)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1, push=False))
    assert report.pulled == []
    (message,) = report.messages
    assert message.startswith("Batch download stopped: Object ") and "truncated" in message
    # The annotator keeps working; the next sync sends the finished results all the same.
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=0, push=True))
    assert report.sent == 2
    assert any(m.startswith(f"Batch {bad_batch} is still incomplete") for m in report.messages)
    assert unsent(alice) == []
    assert collect_results(manager, nats_server.url, tmp_path / "out").received == 2


# ----------------------------------------------------------------------------- manifests


def _publish_raw_manifest(
    js_url: str, manager: Workspace, manifest: dict, payload: bytes, headers: dict[str, str]
) -> None:
    async def go(js: JetStreamContext) -> None:
        await js.publish(protocol.batch_subject(TRACK), payload, headers=headers)

    with_js(js_url, go)


@pytest.mark.parametrize("how", ["other-key", "flipped", "wrong-batch-header", "not-json"])
def test_tampered_manifest_is_rejected_with_a_message(
    nats_server: NatsServer, tmp_path: Path, how: str, manager: Workspace, alice: Workspace
) -> None:
    batches = manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 4))
    join_project(alice, manager, nats_server.url)
    key = project_key(manager.profile, PROJECT)
    good = _manifest(manager, batches[0])
    forged = {**good, "batch_id": "b-forged", "group": "g-forged"}
    batch_id = forged["batch_id"]
    body = encode("manifest", forged)
    headers = {PROJECT_HEADER: PROJECT, BATCH_HEADER: batch_id, "Nats-Msg-Id": "forged"}
    if how == "other-key":
        payload = seal(new_project_key(), body, manifest_context(batch_id))
        expected = "sealed with a different project key"
    elif how == "flipped":
        sealed = bytearray(seal(key, body, manifest_context(batch_id)))
        sealed[-20] ^= 0x01
        payload = bytes(sealed)
        expected = "failed authentication (tampered)"
    elif how == "wrong-batch-header":
        # A genuine manifest of another batch, relabelled: the envelope binds the batch id.
        payload = seal(key, encode("manifest", good), manifest_context(good["batch_id"]))
        expected = "failed authentication (tampered)"
    else:
        payload = seal(key, b"{not json", manifest_context(batch_id))
        expected = "not JSON"
    _publish_raw_manifest(nats_server.url, manager, forged, payload, headers)

    report = run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    # The genuine batches are checked out; the forged one is refused with one message.
    assert sorted(report.pulled) == sorted(batches)
    (message,) = report.messages
    print(f"{how}: {message}")
    assert message.startswith(f"Rejected batch {batch_id} on {TRACK}:")
    assert expected in message and "\n" not in message
    assert checkout_row(alice, batch_id) is None
    assert local_counts(alice, batch_id) == {"checkouts": 0, "batches": 0, "tasks": 0, "outbox": 0}

    async def server(js: JetStreamContext):
        holders = await lease_holders(js, manager, TRACK)
        counts = await stream_counts(js, protocol.batch_stream(TRACK), protocol.BATCH_CONSUMER)
        return holders, counts

    holders, counts = with_js(nats_server.url, server)
    assert batch_id not in holders  # no lease was claimed for it
    assert set(holders) == set(batches)
    # Terminated: never delivered again (it may stay stored, but nobody is offered it).
    assert counts["pending"] == 0 and counts["ack_pending"] == 0
    again = run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    assert again.pulled == [] and again.messages == []
    with manager.profile.database.read() as session:
        assert batch_id not in set(session.scalars(select(QueueBatch.batch_id)))


def test_repair_replaces_a_flipped_object(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    from workspace.sync.queue_push import repair_objects

    batch_id, files = _push_one_batch(manager, alice, nats_server.url, tmp_path)
    bad = files[1]
    plaintext = bytes(manager.profile.blobs.get(bad.digest))

    async def flip(js: JetStreamContext) -> None:
        store = await js.object_store(protocol.PAYLOAD_BUCKET)
        sealed = (await store.get(bad.digest)).data or b""
        await _replace_object(js, bad.digest, _flipped(sealed, plaintext, bad.digest))

    with_js(nats_server.url, flip)
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.pulled == [] and "tampered" in report.messages[0]

    replaced = with_js(nats_server.url, lambda js: repair_objects(js, manager.profile, batch_id))
    assert replaced == [bad.digest]  # the same size: only a full check finds it
    assert with_js(nats_server.url, lambda js: repair_objects(js, manager.profile, batch_id)) == []
    report = run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    assert report.resumed == [batch_id] and report.messages == []
    assert len(alice.tasks()) == 3
