"""Keeping this workstation's leases alive while it is online."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nats.js import JetStreamContext
from sqlalchemy import select

from storage.models import SyncCheckout, SyncOutboxEntry, Task
from workspace.sync import protocol
from workspace.sync.checkout import Clock, utc_now
from workspace.sync.config import project_key
from workspace.sync.leases import Lease, LeaseLostError, renew
from workspace.tasks import EDITABLE

if TYPE_CHECKING:
    from storage.profile import Profile


def _open_checkouts(profile: Profile) -> list[SyncCheckout]:
    """Checkouts with a lease still worth renewing (some task not yet submitted, or reopened)."""
    with profile.database.read() as session:
        submitted = {
            (r.batch_id, r.task_id)
            for r in session.execute(select(SyncOutboxEntry.batch_id, SyncOutboxEntry.task_id))
        }
        reopened = select(Task.batch_id, Task.id).where(
            Task.revision > 1, Task.status.in_([s.value for s in EDITABLE])
        )
        submitted -= {(r[0], r[1]) for r in session.execute(reopened)}  # a new revision due
        rows = []
        open_rows = select(SyncCheckout).where(
            SyncCheckout.lease_lost == 0,
            SyncCheckout.lease_revision.is_not(None),  # None: from a batch file, which holds it
        )
        for row in session.scalars(open_rows):
            tasks = {t["task_id"] for t in row.manifest["tasks"]}
            if any((row.batch_id, t) not in submitted for t in tasks):
                session.expunge(row)
                rows.append(row)
        return rows


async def renew_leases(
    js: JetStreamContext,
    profile: Profile,
    holder: str,
    days: float = protocol.DEFAULT_LEASE_DAYS,
    clock: Clock = utc_now,
) -> tuple[int, list[str]]:
    """Renew every open lease; returns (renewed, ids of batches whose lease was lost)."""
    kv = await js.key_value(protocol.LEASE_BUCKET)
    renewed, lost = 0, []
    for row in _open_checkouts(profile):
        key = project_key(profile, row.project)
        lease = Lease(
            track=row.track,
            batch_id=row.batch_id,
            project=row.project,
            issue=row.issue,
            holder=holder,
            claimed_at=row.checked_out_at,
            expires_at=row.lease_expires_at or "",
            revision=row.lease_revision or 0,
        )
        try:
            fresh = await renew(kv, key, lease, clock(), days)
        except LeaseLostError:
            lost.append(row.batch_id)
            with profile.database.write() as session:
                stored = session.get(SyncCheckout, row.batch_id)
                if stored is not None:
                    stored.lease_lost = 1
            continue
        with profile.database.write() as session:
            stored = session.get(SyncCheckout, row.batch_id)
            if stored is not None:
                stored.lease_revision = fresh.revision
                stored.lease_expires_at = fresh.expires_at
        renewed += 1
    return renewed, lost
