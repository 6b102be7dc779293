"""Submitting a task: its result is written to the outbox in the same transaction that marks
it submitted; a worker drains the outbox, each result published once by its UUID.

A crash between "submitted" and "sent" leaves the entry in the outbox; a crash between
"published" and "marked sent" republishes with the same ``Nats-Msg-Id``, which the results
stream drops as a duplicate (and the manager's collector dedupes by result id as well).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import NotFoundError
from nats.js.object_store import ObjectStore

from storage.models import SyncCheckout, SyncOutboxEntry, Task
from workspace.annotation_rows import read_annotations
from workspace.annotations import Annotation, now_iso
from workspace.errors import NoSegmentationError, WorkspaceError
from workspace.segmentation.snapshots import KIND as SEGMENTATION_KIND
from workspace.segmentation.snapshots import pack_labels
from workspace.segmentation.store import load_segmentation
from workspace.sync import protocol
from workspace.sync.checkout import PROJECT_HEADER, Clock, utc_now
from workspace.sync.config import load_config, project_key
from workspace.sync.documents import encode
from workspace.sync.envelope import seal
from workspace.sync.outbox_rows import pending
from workspace.sync.payloads import upload
from workspace.sync.signing import sign_result
from workspace.tasks import TaskStatus, check_transition

if TYPE_CHECKING:
    from storage.profile import Profile

RESULT_ID_HEADER = "Nats-Msg-Id"


class SubmitError(WorkspaceError, ValueError):
    """A task that cannot be submitted to the queue; the message says why."""


class EmptySubmitError(SubmitError):
    """A task with no annotations, or never opened, submitted without ``allow_empty``."""


def submit_concern(profile: Profile, task_id: str) -> str | None:
    """Why submitting ``task_id`` deserves a second thought (no annotations, never opened)."""
    with profile.database.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            raise SubmitError(f"No task with id {task_id}.")
        status, item_id = TaskStatus(task.status), task.item_id
        empty = not read_annotations(session, item_id)
    if empty and status == TaskStatus.NEW:
        return f"Task {task_id} was never opened and has no annotations."
    if empty:
        return f"Task {task_id} has no annotations."
    if status == TaskStatus.NEW:
        return f"Task {task_id} was never opened."
    return None


def _annotations(profile: Profile, item_id: str) -> list[Annotation]:
    with profile.database.read() as session:
        return read_annotations(session, item_id)


def result_context(result_id: str) -> str:
    """The envelope context of a result message."""
    return f"result:{result_id}"


def _labelmap(profile: Profile, item_id: str, bucket: str) -> dict[str, Any] | None:
    try:
        labels = load_segmentation(profile, item_id)
    except NoSegmentationError:
        return None
    array = np.ascontiguousarray(labels.labels)
    packed = pack_labels(array)
    digest = profile.blobs.put(packed)
    return {
        "digest": digest,
        "size": len(packed),
        "shape": list(array.shape),
        "dtype": array.dtype.name,
        "segments": [asdict(s) for s in labels.segments],
        "geometry": labels.geometry.to_json(),
        "bucket": bucket,
    }


def submit_task(
    profile: Profile, task_id: str, clock: Clock = utc_now, *, allow_empty: bool = True
) -> str:
    """Mark a checked-out task submitted and queue its result; returns the result id.

    The result carries the task's revision (1, then one more per reopen). With
    ``allow_empty=False`` a task that :func:`submit_concern` questions is refused
    (:class:`EmptySubmitError`); the GUI asks first, the CLI wants ``--allow-empty``.
    """
    if not allow_empty:
        concern = submit_concern(profile, task_id)
        if concern is not None:
            raise EmptySubmitError(concern)
    with profile.database.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            raise SubmitError(f"No task with id {task_id}.")
        checkout = session.get(SyncCheckout, task.batch_id) if task.batch_id else None
        if checkout is None:
            raise SubmitError(f"Task {task_id} is local: it did not come from the queue.")
        item_id, batch_id = task.item_id, checkout.batch_id
        manifest, expires, lost = checkout.manifest, checkout.lease_expires_at, checkout.lease_lost
        status = TaskStatus(task.status)
        revision = task.revision or 1
    if status == TaskStatus.NEW:
        status = TaskStatus.IN_PROGRESS
    check_transition(status, TaskStatus.SUBMITTED)
    entry = next(t for t in manifest["tasks"] if t["task_id"] == task_id)
    now = clock()
    late = bool(lost) or (expires is not None and now >= datetime.fromisoformat(expires))
    annotations = [
        {
            "id": a.id,
            "kind": a.kind,
            "label": a.label,
            "data": a.data,
            "author": a.author,
            "updated_at": a.updated_at,
        }
        for a in _annotations(profile, item_id)
        if a.kind != SEGMENTATION_KIND
    ]
    result_id = str(uuid.uuid4())
    document = {
        "protocol": protocol.PROTOCOL_VERSION,
        "result_id": result_id,
        "project": manifest["project"],
        "batch_id": batch_id,
        "group": manifest["group"],
        "issue": manifest["issue"],
        "task_id": task_id,
        "revision": revision,
        "item_digest": entry["item"]["digest"],
        "annotator": profile.user,
        "submitted_at": now.isoformat(),
        "late": late,
        "lease_expires_at": expires,
        "annotations": annotations,
        "labelmap": _labelmap(profile, item_id, protocol.result_bucket(load_config(profile).user)),
    }
    encode("result", document)  # validate before anything is written
    with profile.database.write() as session:
        row = session.get(Task, task_id)
        assert row is not None
        row.status = TaskStatus.SUBMITTED.value
        row.updated_at = row.submitted_at = now_iso()
        session.add(
            SyncOutboxEntry(
                result_id=result_id,
                project=manifest["project"],
                batch_id=batch_id,
                task_id=task_id,
                document=document,
                created_at=now_iso(),
                sent_at=None,
                attempts=0,
                last_error="",
            )
        )
        profile.audit.append(
            session,
            "sync.submit",
            task_id,
            {"result": result_id, "late": late, "revision": revision},
        )
    return result_id


async def drain(js: JetStreamContext, profile: Profile) -> int:
    """Send every pending result (label maps first), signed; returns how many were sent."""
    sent = 0
    for entry in pending(profile):
        key = project_key(profile, entry.project)
        labelmap = entry.document.get("labelmap")
        try:
            if labelmap is not None:
                results_store = await _results_store(js, labelmap["bucket"])
                data = bytes(profile.blobs.get(labelmap["digest"]))
                await upload(results_store, key, labelmap["digest"], data)
            signed = sign_result(profile, entry.document)
            payload = seal(key, encode("result", signed), result_context(entry.result_id))
            await js.publish(
                protocol.result_subject(entry.project),
                payload,
                headers={RESULT_ID_HEADER: entry.result_id, PROJECT_HEADER: entry.project},
            )
        except Exception as exc:
            _failed(profile, entry.result_id, exc)
            raise
        with profile.database.write() as session:
            row = session.get(SyncOutboxEntry, entry.result_id)
            assert row is not None
            row.sent_at = now_iso()
            row.attempts += 1
            profile.audit.append(session, "sync.sent", entry.result_id, {})
        sent += 1
    return sent


async def _results_store(js: JetStreamContext, bucket: str) -> ObjectStore:
    """This workstation's results bucket, created on first use."""
    try:
        return await js.object_store(bucket)
    except NotFoundError:
        return await js.create_object_store(bucket, ObjectStoreConfig(storage=StorageType.FILE))


def _failed(profile: Profile, result_id: str, exc: BaseException) -> None:
    with profile.database.write() as session:
        row = session.get(SyncOutboxEntry, result_id)
        if row is not None:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
