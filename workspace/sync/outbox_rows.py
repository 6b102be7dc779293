"""The outbox's rows, read without the queue client (counted at start-up: no NATS import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from storage.models import SyncOutboxEntry

if TYPE_CHECKING:
    from storage.profile import Profile


def pending(profile: Profile) -> list[SyncOutboxEntry]:
    """Outbox entries not yet sent, oldest first."""
    with profile.database.read() as session:
        rows = list(
            session.scalars(
                select(SyncOutboxEntry)
                .where(SyncOutboxEntry.sent_at.is_(None))
                .order_by(SyncOutboxEntry.created_at, SyncOutboxEntry.result_id)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows
