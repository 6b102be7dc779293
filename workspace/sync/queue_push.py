"""The manager pushes batches: items split into batches, payloads uploaded, manifests queued."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nats.js import JetStreamContext
from sqlalchemy import select

from storage.models import BlobRecord, QueueBatch
from workspace.annotations import now_iso
from workspace.items import ItemSummary
from workspace.schema import LabelSchema, schema_to_document
from workspace.sync import protocol
from workspace.sync.checkout import BATCH_HEADER, PROJECT_HEADER, manifest_context
from workspace.sync.config import ensure_project_key
from workspace.sync.documents import encode, manifest_files
from workspace.sync.envelope import seal
from workspace.sync.payloads import PayloadError, download, has_object, upload
from workspace.sync.queue_setup import ensure_buckets, ensure_project, ensure_track

if TYPE_CHECKING:
    from workspace.workspace import Workspace


@dataclass(frozen=True)
class PushPlan:
    """What to push: the items, how to cut them into batches, and where."""

    project: str
    track: str
    schema: LabelSchema
    items: list[ItemSummary]
    gold: list[ItemSummary]
    per_batch: int = 10
    redundancy: int = 1
    due: str | None = None
    instructions: str = ""


def new_id(prefix: str) -> str:
    """A protocol-safe id such as ``b-3f2a…``."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def _chunks(plan: PushPlan) -> list[list[tuple[ItemSummary, bool]]]:
    """Regular items in batches of ``per_batch``, gold items spread among them at random."""
    size = max(1, plan.per_batch)
    groups = [
        [(item, False) for item in plan.items[i : i + size]]
        for i in range(0, len(plan.items), size)
    ] or [[]]
    rng = random.SystemRandom()
    for index, item in enumerate(plan.gold):
        groups[index % len(groups)].append((item, True))
    for group in groups:
        rng.shuffle(group)
    return [g for g in groups if g]


def _file_entries(workspace: Workspace, item: ItemSummary) -> list[dict[str, Any]]:
    files = workspace.item_files(item.id)
    with workspace.profile.database.read() as session:
        sizes = dict(
            session.execute(
                select(BlobRecord.digest, BlobRecord.size).where(
                    BlobRecord.digest.in_([f.digest for f in files])
                )
            ).all()
        )
    return [{"name": f.name, "digest": f.digest, "size": int(sizes[f.digest])} for f in files]


def build_manifests(workspace: Workspace, plan: PushPlan) -> list[tuple[dict[str, Any], list[str]]]:
    """Every manifest of the plan (all copies), each with the ids of its gold tasks."""
    protocol.check_name("Project", plan.project)
    protocol.check_name("Track", plan.track)
    schema_document = schema_to_document(plan.schema)
    out: list[tuple[dict[str, Any], list[str]]] = []
    for chunk in _chunks(plan):
        group = new_id("g")
        tasks, gold = [], []
        for item, is_gold in chunk:
            task_id = str(uuid.uuid4())
            tasks.append(
                {
                    "task_id": task_id,
                    "instructions": plan.instructions,
                    "item": {
                        "digest": item.content_digest,
                        "modality": item.modality,
                        "title": item.title,
                        "meta": item.meta,
                        "files": _file_entries(workspace, item),
                    },
                }
            )
            if is_gold:
                gold.append(task_id)
        for copy in range(1, plan.redundancy + 1):
            manifest = {
                "protocol": protocol.PROTOCOL_VERSION,
                "batch_id": new_id("b"),
                "group": group,
                "copy": copy,
                "redundancy": plan.redundancy,
                "issue": 1,
                "project": plan.project,
                "track": plan.track,
                "due": plan.due,
                "created_at": now_iso(),
                "schema": schema_document,
                "tasks": tasks,
            }
            encode("manifest", manifest)
            out.append((manifest, gold))
    return out


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
    workspace: Workspace,
    plan: PushPlan,
    replicas: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Upload every payload, then queue every manifest; returns the batch ids."""
    say = progress or (lambda _m: None)
    key = ensure_project_key(workspace, plan.project)
    await ensure_buckets(js, replicas)
    await ensure_track(js, plan.track, replicas)
    await ensure_project(js, plan.project, replicas)
    manifests = build_manifests(workspace, plan)
    store = await js.object_store(protocol.PAYLOAD_BUCKET)
    uploaded: set[str] = set()
    for manifest, _gold in manifests:
        for payload in manifest_files(manifest):
            if payload.digest in uploaded:
                continue
            data = bytes(workspace.profile.blobs.get(payload.digest))
            await upload(store, key, payload.digest, data)
            uploaded.add(payload.digest)
    say(f"Uploaded {len(uploaded)} objects.")
    ids = []
    for manifest, gold in manifests:
        with workspace.profile.database.write() as session:
            session.add(
                QueueBatch(
                    batch_id=manifest["batch_id"],
                    project=plan.project,
                    track=plan.track,
                    group_id=manifest["group"],
                    issue=1,
                    manifest=manifest,
                    gold_task_ids=gold,
                    pushed_at=now_iso(),
                )
            )
            workspace.profile.audit.append(
                session,
                "queue.push",
                manifest["batch_id"],
                {"tasks": len(manifest["tasks"]), "track": plan.track},
            )
        await publish_manifest(js, key, manifest)
        ids.append(manifest["batch_id"])
    say(f"Queued {len(ids)} batches on {plan.track}.")
    return ids


async def repair_objects(js: JetStreamContext, workspace: Workspace, batch_id: str) -> list[str]:
    """Check every object of a pushed batch as a workstation would; replace the damaged ones.

    Returns the digests replaced. The batch itself stays as it is on the queue: workstations
    whose download stopped on a damaged object finish it at their next sync.
    """
    with workspace.profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        if row is None:
            raise PayloadError(f"No batch {batch_id} was pushed from this profile.")
        project, manifest = row.project, dict(row.manifest)
    key = ensure_project_key(workspace, project)
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
        await upload(store, key, payload.digest, bytes(workspace.profile.blobs.get(payload.digest)))
        replaced.append(payload.digest)
    workspace.profile.audit.record("queue.repair", batch_id, {"replaced": len(replaced)})
    return replaced
