"""Cutting items into batch manifests and recording them: the manager's part that needs no server.

``queue push`` publishes the manifests made here on the queue server; ``batch create``
writes them to batch files for a site with no network at all.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storage.models import BlobRecord, QueueBatch
from workspace.annotations import now_iso
from workspace.items import ItemSummary
from workspace.schema import LabelSchema, schema_to_document
from workspace.sync import protocol
from workspace.sync.documents import encode

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workspace.workspace import Workspace


@dataclass(frozen=True)
class PushPlan:
    """What to send out: the items, how to cut them into batches, and where."""

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


def record_batch(
    workspace: Workspace,
    session: Session,
    manifest: dict[str, Any],
    gold: list[str],
    action: str = "queue.push",
) -> None:
    """Store a manifest the manager sends out (gold ids only here), audited as ``action``."""
    session.add(
        QueueBatch(
            batch_id=manifest["batch_id"],
            project=manifest["project"],
            track=manifest["track"],
            group_id=manifest["group"],
            issue=int(manifest["issue"]),
            manifest=manifest,
            gold_task_ids=gold,
            pushed_at=now_iso(),
        )
    )
    workspace.profile.audit.append(
        session,
        action,
        manifest["batch_id"],
        {"tasks": len(manifest["tasks"]), "track": manifest["track"]},
    )
