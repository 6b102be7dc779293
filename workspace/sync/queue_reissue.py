"""Reissuing a batch whose lease expired: old manifest removed, lease dropped, issue + 1.

The previous holder can still submit; its results arrive flagged (issue too old), never lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from storage.models import QueueBatch
from workspace import errors
from workspace.errors import WorkspaceError
from workspace.sync import protocol
from workspace.sync.checkout import BATCH_HEADER, Clock, utc_now
from workspace.sync.config import project_key
from workspace.sync.leases import read_lease
from workspace.sync.queue_push import publish_manifest

if TYPE_CHECKING:
    from storage.profile import Profile


class ReissueError(WorkspaceError, ValueError):
    """A batch that cannot be reissued now; the message says why."""


async def _drop_queued_copies(js: JetStreamContext, track: str, batch_id: str) -> int:
    """Delete manifests of ``batch_id`` still waiting in the track's stream."""
    stream = protocol.batch_stream(track)
    info = await js.stream_info(stream)
    dropped = 0
    for seq in range(int(info.state.first_seq), int(info.state.last_seq) + 1):
        try:
            message = await js.get_msg(stream, seq)
        except NotFoundError:
            continue
        if (message.headers or {}).get(BATCH_HEADER) == batch_id:
            await js.delete_msg(stream, seq)
            dropped += 1
    return dropped


async def reissue(
    js: JetStreamContext,
    profile: Profile,
    batch_id: str,
    *,
    force: bool = False,
    clock: Clock = utc_now,
) -> int:
    """Put ``batch_id`` back on the queue as a new issue; returns the new issue number."""
    with profile.database.read() as session:
        row = session.get(QueueBatch, batch_id)
        if row is None:
            raise errors.NotFoundError(f"No batch {batch_id} was pushed from this profile.")
        project, track, manifest = row.project, row.track, dict(row.manifest)
    key = project_key(profile, project)
    kv = await js.key_value(protocol.LEASE_BUCKET)
    lease = await read_lease(kv, key, track, batch_id)
    if lease is not None and not lease.expired(clock()) and not force:
        raise ReissueError(
            f"Batch {batch_id} is leased to {lease.holder} until {lease.expires_at}; "
            "use --force to reissue it anyway."
        )
    await _drop_queued_copies(js, track, batch_id)
    if lease is not None:
        await kv.delete(protocol.lease_key(track, batch_id))
    manifest["issue"] = int(manifest["issue"]) + 1
    with profile.database.write() as session:
        stored = session.get(QueueBatch, batch_id)
        assert stored is not None
        stored.issue = manifest["issue"]
        stored.manifest = manifest
        profile.audit.append(session, "queue.reissue", batch_id, {"issue": manifest["issue"]})
    await publish_manifest(js, key, manifest)
    return int(manifest["issue"])
