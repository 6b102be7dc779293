"""Helpers for task tests: a note item, a local task, a task made to look checked out."""

from __future__ import annotations

from pathlib import Path

from storage.models import SyncCheckout
from workspace.annotations import AddAnnotation, Annotation, now_iso
from workspace.schema import load_preset
from workspace.workspace import Workspace

NOTE = "Chest pain, ruled out MI.\n"


def note_item(workspace: Workspace, folder: Path, name: str = "note.txt") -> str:
    """Import a short note; its item id."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(NOTE + name, encoding="utf-8")
    (item,) = workspace.import_paths([path])
    return item.id


def local_task(workspace: Workspace, item_id: str, title: str = "Batch 1") -> str:
    """A new local task of ``item_id`` in its own batch; the task id."""
    project = workspace.ensure_project("Notes", load_preset("clinical-ner"))
    workspace.create_batch(project, title, [item_id])
    return next(t.id for t in workspace.tasks() if t.batch_title == title)


def add_span(workspace: Workspace, item_id: str, end: int = 5) -> Annotation:
    """Label the first ``end`` characters "problem" (pushed, so persisted)."""
    span = Annotation(item_id, "span", "problem", {"start": 0, "end": end}, author="tester")
    workspace.command_stack(item_id).push(AddAnnotation(workspace.document(item_id), span))
    return span


def check_out(
    workspace: Workspace, task_id: str, due: str | None = None, instructions: str = ""
) -> None:
    """Make a local task look checked out from the queue (the outbox needs a checkout)."""
    task = workspace.task(task_id)
    digest = workspace.item(task.item_id).content_digest
    manifest = {
        "project": "notes",
        "group": "g1",
        "issue": 1,
        "due": due,
        "tasks": [{"task_id": task_id, "item": {"digest": digest}, "instructions": instructions}],
    }
    with workspace.profile.database.write() as session:
        session.add(
            SyncCheckout(
                batch_id=task.batch_id,
                project="notes",
                track="t",
                group_id="g1",
                issue=1,
                stream_seq=None,
                state="acked",
                manifest=manifest,
                lease_revision=None,
                lease_expires_at=None,
                lease_lost=0,
                bytes_total=0,
                bytes_done=0,
                checked_out_at=now_iso(),
                updated_at=now_iso(),
            )
        )
