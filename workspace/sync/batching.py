"""Cutting items into batch manifests and recording them: the manager's part that needs no server.

``queue push`` publishes the manifests made here on the queue server; ``batch create``
writes them to batch files for a site with no network at all.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storage.models import BlobRecord, QueueBatch
from workspace import item_schemas
from workspace.annotations import now_iso
from workspace.errors import WorkspaceError
from workspace.items import ItemSummary, item_files, shared_meta
from workspace.modalities import modality
from workspace.schema import LabelSchema, load_preset, schema_to_document
from workspace.sync import protocol
from workspace.sync.documents import encode

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.profile import Profile


@dataclass(frozen=True)
class PushPlan:
    """What to send out: the items, how to cut them into batches, and where.

    ``schema`` is the project's; ``item_schemas`` gives an item (by id) another one, e.g. each
    item of a mixed folder its modality's. Tasks then carry their schema (protocol 3).
    """

    project: str
    track: str
    schema: LabelSchema
    items: list[ItemSummary]
    gold: list[ItemSummary]
    per_batch: int = 10
    redundancy: int = 1
    due: str | None = None
    instructions: str = ""
    item_schemas: Mapping[str, LabelSchema] = field(default_factory=dict)

    def schema_of(self, item: ItemSummary) -> LabelSchema:
        """The schema ``item``'s task is annotated with."""
        return self.item_schemas.get(item.id, self.schema)


class SchemaChoiceError(WorkspaceError, ValueError):
    """``--schema`` overrides that do not fit the items being sent."""


def choose_schemas(
    profile: Profile, items: Sequence[ItemSummary], overrides: Mapping[str | None, str]
) -> tuple[LabelSchema, dict[str, LabelSchema]]:
    """The project's schema and each item's (by id) for a push of ``items``.

    Each item gets its modality's default (by :func:`~workspace.modalities.default_schema_id`:
    an ECG and an EEG differ) unless ``overrides`` names a preset for its modality; the key
    None names one for every item, allowed only when the items share one modality. The first
    item's schema is the project's.
    """
    if not items:
        raise SchemaChoiceError("nothing to send")
    present = list(dict.fromkeys(item.modality for item in items))
    if None in overrides and len(present) > 1:
        raise SchemaChoiceError(
            f"the folder mixes {', '.join(sorted(present))}: give --schema MODALITY=ID to "
            "override one modality's schema (each modality has its own by default)"
        )
    for modality_id in overrides:
        if modality_id is not None and modality_id not in present:
            modality(modality_id)  # UnknownModalityError names the known ones
            raise SchemaChoiceError(
                f"--schema {modality_id}=…: the folder has no {modality_id} items "
                f"(it has {', '.join(sorted(present))})"
            )
    presets: dict[str, LabelSchema] = {}
    chosen: dict[str, LabelSchema] = {}
    for item in items:
        override = overrides.get(item.modality, overrides.get(None))
        if override is None:
            with profile.database.read() as session:
                schema = item_schemas.schema_for(session, item)
        else:
            schema = presets[override] if override in presets else load_preset(override)
        presets.setdefault(schema.id, schema)
        chosen[item.id] = schema
    return chosen[items[0].id], chosen


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


def _file_entries(profile: Profile, item: ItemSummary) -> list[dict[str, Any]]:
    with profile.database.read() as session:
        files = item_files(session, item.id)
        sizes = dict(
            session.execute(
                select(BlobRecord.digest, BlobRecord.size).where(
                    BlobRecord.digest.in_([f.digest for f in files])
                )
            ).all()
        )
    return [{"name": f.name, "digest": f.digest, "size": int(sizes[f.digest])} for f in files]


def build_manifests(profile: Profile, plan: PushPlan) -> list[tuple[dict[str, Any], list[str]]]:
    """Every manifest of the plan (all copies), each with the ids of its gold tasks."""
    protocol.check_name("Project", plan.project)
    protocol.check_name("Track", plan.track)
    schema_document = schema_to_document(plan.schema)
    out: list[tuple[dict[str, Any], list[str]]] = []
    for chunk in _chunks(plan):
        group = new_id("g")
        tasks: list[dict[str, Any]] = []
        gold: list[str] = []
        others: dict[str, dict[str, Any]] = {}  # the schemas of this batch beside the project's
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
                        "meta": shared_meta(item.meta),
                        "files": _file_entries(profile, item),
                    },
                }
            )
            schema = plan.schema_of(item)
            if schema.id != plan.schema.id:
                others.setdefault(schema.id, schema_to_document(schema))
            if is_gold:
                gold.append(task_id)
        per_task: dict[str, Any] = {}
        if others:  # each task names its schema
            for task, (item, _gold) in zip(tasks, chunk, strict=True):
                task["schema_id"] = plan.schema_of(item).id
            per_task = {
                "protocol": protocol.PER_TASK_SCHEMA_PROTOCOL,
                "schemas": [*others.values()],
            }
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
                **per_task,
            }
            encode("manifest", manifest)
            out.append((manifest, gold))
    return out


def record_batch(
    profile: Profile,
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
    profile.audit.append(
        session,
        action,
        manifest["batch_id"],
        {"tasks": len(manifest["tasks"]), "track": manifest["track"]},
    )
