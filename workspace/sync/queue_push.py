"""The manager pushes batches: items split into batches, payloads uploaded, manifests queued.

Cutting items into manifests needs no server and lives in :mod:`workspace.sync.batching`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nats.js import JetStreamContext

from storage.models import QueueBatch
from workspace.errors import NotFoundError
from workspace.sync import protocol
from workspace.sync.batching import PushPlan, build_manifests, new_id, record_batch
from workspace.sync.checkout import BATCH_HEADER, PROJECT_HEADER, manifest_context
from workspace.sync.config import ensure_project_key
from workspace.sync.documents import encode, manifest_files
from workspace.sync.envelope import seal
from workspace.sync.payloads import PayloadError, download, has_object, upload
from workspace.sync.queue_setup import ensure_buckets, ensure_project, ensure_track

__all__ = ["PushPlan", "build_manifests", "new_id", "publish_manifest", "push", "repair_objects"]

if TYPE_CHECKING:
    from storage.profile import Profile


async def publish_manifest(js: JetStreamContext, key: bytes, manifest: dict[str, Any]) -> None:
    """Queue one manifest (its message id makes a retried push harmless)."""
    batch_id = manifest["batch_id"]
    await js.publish(
        protocol.batch_subject(manifest["track"]),
        seal(key, encode("manifest", manifest), manifest_context(batch_id)),
        headers={
            "Nats-Msg-Id": f"{batch_id}.{manifest['issue']}",
            PROJECT_HEADER: manifest["project"],
            BATCH_HEADER: batch_id,
        },
    )


async def push(
    js: JetStreamContext,
    profile: Profile,
    plan: PushPlan,
    replicas: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Upload every payload, then queue every manifest; returns the batch ids."""
    say = progress or (lambda _m: None)
    key = ensure_project_key(profile, plan.project)
    await ensure_buckets(js, replicas)
    await ensure_track(js, plan.track, replicas)
    await ensure_project(js, plan.project, replicas)
    manifests = build_manifests(profile, plan)
    store = await js.object_store(protocol.PAYLOAD_BUCKET)
    uploaded: set[str] = set()
    for manifest, _gold in manifests:
        for payload in manifest_files(manifest):
            if payload.digest in uploaded:
                continue
            data = bytes(profile.blobs.get(payload.digest))
            await upload(store, key, payload.digest, data)
            uploaded.add(payload.digest)
    say(f"Uploaded {len(uploaded)} objects.")
    ids = []
    for manifest, gold in manifests:
        with profile.database.write() as session:
            record_batch(profile, session, manifest, gold)
        await publish_manifest(js, key, manifest)
        ids.append(manifest["batch_id"])
    say(f"Queued {len(ids)} batches on {plan.track}.")
    return ids


async def repair_objects(js: JetStreamContext, profile: Profile, batch_id: str) -> list[str]:
    """Check every object of a pushed batch as a workstation would; replace the damaged ones.

    Returns the digests replaced. The batch itself stays as it is on the queue: workstations
    whose download stopped on a damaged object finish it at their next sync.
    """
    with profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        if row is None:
            raise NotFoundError(f"No batch {batch_id} was pushed from this profile.")
        project, manifest = row.project, dict(row.manifest)
    key = ensure_project_key(profile, project)
    store = await js.object_store(protocol.PAYLOAD_BUCKET)
    replaced = []
    for payload in manifest_files(manifest):
        try:
            await download(js, protocol.PAYLOAD_BUCKET, key, payload.digest)
            continue
        except PayloadError:
            pass
        if await has_object(store, payload.digest):
            await store.delete(payload.digest)
        await upload(store, key, payload.digest, bytes(profile.blobs.get(payload.digest)))
        replaced.append(payload.digest)
    profile.audit.record("queue.repair", batch_id, {"replaced": len(replaced)})
    return replaced
