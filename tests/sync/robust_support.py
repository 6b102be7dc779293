"""Helpers of the sync robustness tests (claims, crashes, tampering, TLS, cluster)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from nats.js import JetStreamContext
from sqlalchemy import func, select

from storage.models import Batch, Item, QueueResult, SyncCheckout, SyncOutboxEntry, Task
from tests.sync.sync_support import PROJECT, TRACK, run
from workspace.annotations import AddAnnotation, Annotation
from workspace.items import ItemSummary
from workspace.schema import load_preset
from workspace.sync import protocol
from workspace.sync.config import project_key
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.leases import read_lease
from workspace.sync.outbox import submit_task
from workspace.sync.queue_collect import CollectReport, collect
from workspace.sync.queue_push import PushPlan, push
from workspace.workspace import Workspace

T = TypeVar("T")


def with_js(access: ServerAccess | str, body: Callable[[JetStreamContext], Awaitable[T]]) -> T:
    """Run ``body(js)`` on a fresh connection (``access`` or a plain URL)."""
    if isinstance(access, str):
        access = ServerAccess(access)

    async def go() -> T:
        async with jetstream(access) as (_client, js):
            return await body(js)

    return run(go())


def push_items(
    manager: Workspace,
    access: ServerAccess | str,
    items: list[ItemSummary],
    *,
    per_batch: int = 1,
    replicas: int = 1,
    track: str = TRACK,
) -> list[str]:
    """Push ``items`` (repeats allowed: one task each) as batches of ``per_batch``."""
    plan = PushPlan(
        project=PROJECT,
        track=track,
        schema=load_preset("clinical-ner"),
        items=items,
        gold=[],
        per_batch=per_batch,
    )
    return with_js(access, lambda js: push(js, manager.profile, plan, replicas=replicas))


def collect_results(manager: Workspace, access: ServerAccess | str, out: Path) -> CollectReport:
    """One ``caliper queue collect`` run."""
    return with_js(access, lambda js: collect(js, manager.profile, PROJECT, out))


def annotate_and_submit_task(workstation: Workspace, task_id: str, item_id: str) -> str:
    """Label the first word of the task's note and submit the task; the result id."""
    text = bytes(workstation.read_file(workstation.item_files(item_id)[0])).decode()
    end = max(1, text.find(" "))
    document = workstation.document(item_id)
    span = Annotation(item_id, "span", "problem", {"start": 0, "end": end}, author=workstation.user)
    workstation.command_stack(item_id).push(AddAnnotation(document, span))
    return submit_task(workstation.profile, task_id)


def annotate_and_submit(workstation: Workspace) -> list[str]:
    """Annotate and submit every task still new; the result ids."""
    return [
        annotate_and_submit_task(workstation, task.id, task.item_id)
        for task in workstation.tasks()
        if task.status == "new"
    ]


async def kv_key_names(js: JetStreamContext, bucket: str) -> list[str]:
    """The keys ever written to a KV bucket, read from its stream's subjects.

    Not ``KeyValue.keys()``: its watcher can signal "no more keys" before the first one arrives
    when the machine is loaded, and then reports none (a flaky ``NoKeysError``).
    """
    prefix = f"$KV.{bucket}."
    info = await js.stream_info(f"KV_{bucket}", subjects_filter=f"{prefix}>")
    return sorted(subject[len(prefix) :] for subject in info.state.subjects or {})


async def lease_holders(js: JetStreamContext, manager: Workspace, track: str) -> dict[str, str]:
    """Batch id -> lease holder, for every lease of ``track`` on the server."""
    kv = await js.key_value(protocol.LEASE_BUCKET)
    key = project_key(manager.profile, PROJECT)
    holders: dict[str, str] = {}
    for name in await kv_key_names(js, protocol.LEASE_BUCKET):
        lease_track, _, batch_id = name.partition(".")
        if lease_track != track:
            continue
        lease = await read_lease(kv, key, track, batch_id)
        if lease is not None:
            holders[batch_id] = lease.holder
    return holders


async def stream_counts(js: JetStreamContext, stream: str, consumer: str) -> dict[str, int]:
    """Messages stored in ``stream``; pending and unacknowledged for ``consumer``."""
    info = await js.stream_info(stream)
    consumer_info = await js.consumer_info(stream, consumer)
    return {
        "messages": int(info.state.messages),
        "pending": int(consumer_info.num_pending or 0),
        "ack_pending": int(consumer_info.num_ack_pending or 0),
    }


def local_counts(workspace: Workspace, batch_id: str | None = None) -> dict[str, int]:
    """Rows of the local store (all, or of one batch): checkouts, batches, tasks, outbox."""

    def count(model: Any, column: Any) -> int:
        query = select(func.count()).select_from(model)
        if batch_id is not None:
            query = query.where(column == batch_id)
        with workspace.profile.database.read() as session:
            return int(session.scalar(query) or 0)

    return {
        "checkouts": count(SyncCheckout, SyncCheckout.batch_id),
        "batches": count(Batch, Batch.id),
        "tasks": count(Task, Task.batch_id),
        "outbox": count(SyncOutboxEntry, SyncOutboxEntry.batch_id),
    }


def item_count(workspace: Workspace) -> int:
    """Items in the profile."""
    with workspace.profile.database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Item)) or 0)


def checkout_row(workspace: Workspace, batch_id: str) -> SyncCheckout | None:
    """The checkout record of ``batch_id`` (detached)."""
    with workspace.profile.database.read() as session:
        row = session.get(SyncCheckout, batch_id)
        if row is not None:
            session.expunge(row)
        return row


def unsent(workspace: Workspace) -> list[SyncOutboxEntry]:
    """Outbox entries not sent yet."""
    with workspace.profile.database.read() as session:
        rows = list(
            session.scalars(select(SyncOutboxEntry).where(SyncOutboxEntry.sent_at.is_(None)))
        )
        for row in rows:
            session.expunge(row)
        return rows


def collected_ids(manager: Workspace) -> list[str]:
    """Result ids the manager recorded (with repeats, were there any)."""
    with manager.profile.database.read() as session:
        return list(session.scalars(select(QueueResult.result_id)))


def collected_tasks(manager: Workspace) -> list[str]:
    """Task ids of the results the manager recorded (one per result)."""
    with manager.profile.database.read() as session:
        return list(session.scalars(select(QueueResult.task_id)))


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``predicate`` until true; AssertionError naming ``what`` otherwise."""
    import time

    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def gather(*coros: Awaitable[Any]) -> list[Any]:
    """Run coroutines concurrently on one fresh loop."""

    async def go() -> list[Any]:
        return list(await asyncio.gather(*coros))

    return run(go())
