"""Turning a downloaded manifest into local project, items, batch and tasks (one transaction)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Batch, Item, ItemBlob, Task
from workspace import item_schemas, projects
from workspace.annotations import now_iso
from workspace.schema import LabelSchema, parse_schema
from workspace.sync.documents import task_schema_documents
from workspace.tasks import TaskStatus


def _ensure_item(session: Session, project_id: str, item: dict[str, Any]) -> str:
    existing = session.scalars(select(Item).where(Item.content_digest == item["digest"])).first()
    if existing is not None:
        return existing.id
    row = Item(
        id=str(uuid.uuid4()),
        project_id=project_id,
        modality=item["modality"],
        title=item["title"],
        content_digest=item["digest"],
        meta=item["meta"],
        created_at=now_iso(),
    )
    session.add(row)
    session.flush()
    session.add_all(
        ItemBlob(item_id=row.id, position=i, name=f["name"], digest=f["digest"])
        for i, f in enumerate(item["files"])
    )
    return row.id


def materialize_batch(session: Session, manifest: dict[str, Any], assignee: str) -> list[str]:
    """Create what ``manifest`` describes (items whose blobs are stored); returns task ids.

    An item whose task's schema is not its project's (a mixed batch, or a project first made
    by a batch of another modality) has that schema recorded for it.
    """
    source = f"batch {manifest['batch_id']}"
    schema = parse_schema(manifest["schema"], source)
    project = projects.ensure_project(session, manifest["project"], schema)
    parsed: dict[str, LabelSchema] = {schema.id: schema}
    documents = task_schema_documents(manifest)
    batch_id = manifest["batch_id"]
    if session.get(Batch, batch_id) is None:
        title = f"{manifest['track']} {batch_id}"
        if manifest["redundancy"] > 1:
            title += f" (copy {manifest['copy']} of {manifest['redundancy']})"
        session.add(
            Batch(
                id=batch_id,
                project_id=project.id,
                title=title,
                track=manifest["track"],
                due=manifest["due"],
                created_at=now_iso(),
            )
        )
        session.flush()
    task_ids: list[str] = []
    for task in manifest["tasks"]:
        item_id = _ensure_item(session, project.id, task["item"])
        document = documents[task["task_id"]]
        if document["id"] not in parsed:
            parsed[document["id"]] = parse_schema(document, source)
        if document["id"] != project.schema_id:
            item_schemas.assign_schema(session, item_id, parsed[document["id"]])
        if session.get(Task, task["task_id"]) is None:
            session.add(
                Task(
                    id=task["task_id"],
                    batch_id=batch_id,
                    item_id=item_id,
                    status=TaskStatus.NEW.value,
                    assignee=assignee,
                    instructions=task["instructions"],
                    updated_at=now_iso(),
                )
            )
        task_ids.append(task["task_id"])
    return task_ids
