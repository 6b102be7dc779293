"""What the manager sees of the queue: batches available, leased, expired, returned.

A batch exported to a file is leased to ``file:<name>@<id>``: the file holds it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from storage.models import QueueBatch, QueueResult
from workspace.sync import protocol
from workspace.sync.checkout import Clock, utc_now
from workspace.sync.config import project_key
from workspace.sync.file_leases import file_only_batches
from workspace.sync.leases import read_lease

if TYPE_CHECKING:
    from storage.profile import Profile


@dataclass(frozen=True)
class BatchState:
    """One pushed batch as the manager sees it now."""

    batch_id: str
    project: str
    track: str
    issue: int
    tasks: int
    returned: int
    state: str  # available | leased | expired | returned
    holder: str = ""
    expires_at: str = ""


@dataclass
class QueueStatus:
    """Every batch, plus counts per state, per annotator and results not yet collected."""

    batches: list[BatchState] = field(default_factory=list)
    by_state: Counter[str] = field(default_factory=Counter)
    by_annotator: Counter[str] = field(default_factory=Counter)
    waiting_results: dict[str, int] = field(default_factory=dict)
    queued_manifests: dict[str, int] = field(default_factory=dict)


async def queue_status(
    js: JetStreamContext, profile: Profile, clock: Clock = utc_now
) -> QueueStatus:
    """The state of every batch this manager pushed."""
    status = QueueStatus()
    now = clock()
    kv = await js.key_value(protocol.LEASE_BUCKET)
    with profile.database.read() as session:
        batches = list(session.scalars(select(QueueBatch).order_by(QueueBatch.pushed_at)))
        returned = dict(
            session.execute(
                # tasks returned, not results: a reopened task sends one result per revision
                select(
                    QueueResult.batch_id, func.count(func.distinct(QueueResult.task_id))
                ).group_by(QueueResult.batch_id)
            ).all()
        )
        for annotator, count in session.execute(
            select(
                QueueResult.annotator,
                func.count(func.distinct(QueueResult.batch_id + "/" + QueueResult.task_id)),
            ).group_by(QueueResult.annotator)
        ).all():
            status.by_annotator[annotator] = count
        for row in batches:
            session.expunge(row)
    files_only = file_only_batches(profile)
    for row in batches:
        tasks = len(row.manifest["tasks"])
        done = returned.get(row.batch_id, 0)
        if row.batch_id in files_only:  # made for files: its lease is kept here
            holder = files_only[row.batch_id].get("holder", "")
            expires_at = files_only[row.batch_id].get("expires_at", "") if holder else ""
        else:
            key = project_key(profile, row.project)
            lease = await read_lease(kv, key, row.track, row.batch_id)
            holder, expires_at = (lease.holder, lease.expires_at) if lease else ("", "")
        if done >= tasks:
            state = "returned"
        elif not holder:
            state = "available"
        else:
            expired = now >= datetime.fromisoformat(expires_at) if expires_at else False
            state = "expired" if expired else "leased"
        status.batches.append(
            BatchState(
                row.batch_id,
                row.project,
                row.track,
                row.issue,
                tasks,
                done,
                state,
                holder,
                expires_at,
            )
        )
        status.by_state[state] += 1
    for project in sorted({b.project for b in batches}):
        try:
            info = await js.consumer_info(protocol.result_stream(project), protocol.RESULT_CONSUMER)
            status.waiting_results[project] = int(info.num_pending or 0)
        except NotFoundError:
            status.waiting_results[project] = 0
    for track in sorted({b.track for b in batches}):
        try:
            stream = await js.stream_info(protocol.batch_stream(track))
            status.queued_manifests[track] = int(stream.state.messages)
        except NotFoundError:
            status.queued_manifests[track] = 0
    return status


def pushed_projects(profile: Profile) -> list[str]:
    """The projects this manager profile pushed batches of, sorted."""
    with profile.database.read() as session:
        return sorted(set(session.scalars(select(QueueBatch.project))))
