"""Append-only, hash-chained audit log.

Triggers (migration 0001) forbid UPDATE and DELETE; each row's hash covers its own fields and
the previous row's hash, so a changed, removed or reordered row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from storage.database import Database
from storage.models import AuditEntry
from storage.prepared import PreparedStatement, dbapi_cursor

GENESIS = bytes(32)
_TABLE = cast(Table, AuditEntry.__table__)
_LAST_ROW = PreparedStatement(
    select(_TABLE.c.id, _TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
)
_INSERT = PreparedStatement(insert(_TABLE))


def row_hash(
    prev_hash: bytes, row_id: int, at: str, user: str, event: str, subject: str, detail: str
) -> bytes:
    """SHA-256 over the previous hash and a canonical encoding of the row's fields."""
    body = json.dumps([row_id, at, user, event, subject, detail], separators=(",", ":"))
    return hashlib.sha256(prev_hash + body.encode("utf-8")).digest()


@dataclass(frozen=True)
class AuditReport:
    """Outcome of a chain check."""

    rows: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when every row links to the one before it."""
        return self.first_bad_id is None


class AuditLog:
    """Writes and checks audit rows for one user of a profile."""

    def __init__(self, database: Database, user: str) -> None:
        self._database = database
        self.user = user

    def append(
        self,
        session: Session | Connection | Any,
        event: str,
        subject: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Add a row inside the caller's write transaction (so it commits with the change).

        ``session`` is a Session, a Connection or a DBAPI cursor from ``Database.raw_write``.
        """
        cursor = dbapi_cursor(session)
        last = _LAST_ROW.execute(cursor).fetchone()
        row_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        detail_text = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"))
        digest = row_hash(prev, row_id, at, self.user, event, subject, detail_text)
        _INSERT.execute(
            cursor,
            {
                "id": row_id,
                "at": at,
                "user": self.user,
                "event": event,
                "subject": subject,
                "detail": detail_text,
                "prev_hash": prev,
                "hash": digest,
            },
        )

    def record(self, event: str, subject: str = "", detail: dict[str, Any] | None = None) -> None:
        """Add a row in a transaction of its own."""
        with self._database.write() as session:
            self.append(session, event, subject, detail)

    def verify(self) -> AuditReport:
        """Walk the chain from the first row; report the first row that does not hold."""
        prev = GENESIS
        expected_id = 1
        count = 0
        with self._database.read() as session:
            rows = session.execute(select(_TABLE).order_by(AuditEntry.id))
            for row in rows:
                count += 1
                if row.id != expected_id:
                    return AuditReport(count, row.id, f"row {expected_id} is missing")
                if bytes(row.prev_hash) != prev:
                    return AuditReport(count, row.id, "its link to the previous row is broken")
                digest = row_hash(
                    prev, row.id, row.at, row.user, row.event, row.subject, row.detail
                )
                if digest != bytes(row.hash):
                    return AuditReport(count, row.id, "its content does not match its hash")
                prev = digest
                expected_id += 1
        return AuditReport(count)

    def entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest rows, newest first, as plain dictionaries."""
        with self._database.read() as session:
            rows = session.execute(select(_TABLE).order_by(AuditEntry.id.desc()).limit(limit))
            return [
                {
                    "id": r.id,
                    "at": r.at,
                    "user": r.user,
                    "event": r.event,
                    "subject": r.subject,
                    "detail": json.loads(r.detail),
                }
                for r in rows
            ]
