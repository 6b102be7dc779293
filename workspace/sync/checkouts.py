"""The batches this workstation checked out, as the sync panel and the batch-file menu list them.

Rows become plain values here, so no ORM object reaches the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.models import SyncCheckout, SyncOutboxEntry
from storage.profile import Profile


@dataclass(frozen=True)
class CheckoutRow:
    """A checked-out batch: where its download stands, its lease, due date and instructions."""

    batch_id: str
    project: str
    track: str
    state: str
    bytes_total: int
    bytes_done: int
    tasks_total: int
    lease_expires_at: datetime | None
    lease_lost: bool
    due: str | None = None
    #: The batch's task instructions (each distinct text once).
    instructions: str = ""

    def lease_problem(self, now: datetime) -> str:
        """ "lease lost", "lease expired" or "" (results of a lost lease are flagged late)."""
        if self.lease_lost:
            return "lease lost"
        if self.lease_expires_at is not None and now >= self.lease_expires_at:
            return "lease expired"
        return ""


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _instructions(manifest: dict[str, Any]) -> str:
    """The distinct instructions of a manifest's tasks, in order, one paragraph each."""
    texts = (str(t.get("instructions") or "").strip() for t in manifest.get("tasks", []))
    return "\n".join(dict.fromkeys(t for t in texts if t))


def checked_out(profile: Profile) -> list[CheckoutRow]:
    """Every batch this profile checked out, newest first."""
    with profile.database.read() as session:
        rows = session.scalars(select(SyncCheckout).order_by(SyncCheckout.checked_out_at.desc()))
        return [
            CheckoutRow(
                batch_id=row.batch_id,
                project=row.project,
                track=row.track,
                state=row.state,
                bytes_total=row.bytes_total,
                bytes_done=row.bytes_done,
                tasks_total=len(row.manifest.get("tasks", [])),
                lease_expires_at=_parse_time(row.lease_expires_at),
                lease_lost=bool(row.lease_lost),
                due=row.manifest.get("due"),
                instructions=_instructions(row.manifest),
            )
            for row in rows
        ]


def exportable_batches(profile: Profile) -> list[str]:
    """Checked-out batches with at least one submitted result, newest first."""
    with profile.database.read() as session:
        with_results = set(session.scalars(select(SyncOutboxEntry.batch_id).distinct()))
        ordered = session.scalars(
            select(SyncCheckout.batch_id).order_by(SyncCheckout.checked_out_at.desc())
        )
        return [batch_id for batch_id in ordered if batch_id in with_results]
