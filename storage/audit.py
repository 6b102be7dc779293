"""Append-only, hash-chained audit log, anchored outside the database.

Triggers (migration 0001) forbid UPDATE and DELETE; each row's hash covers its own fields and
the previous row's hash, so a changed, removed or reordered row breaks the chain at that row.
After every committed append the chain's head (sequence, hash) is written, under a keyed MAC,
to an anchor file beside the database (:mod:`storage.audit_anchor`): deleting the newest rows,
rewriting the log with recomputed hashes or wiping it then no longer matches the anchor.
:meth:`AuditLog.head` and :meth:`AuditLog.extends` let a head published elsewhere (the sync
server) catch what the anchor cannot: a rollback of the whole profile to an older copy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from storage.audit_anchor import AnchorError, AnchorFile, AuditHead
from storage.database import Database
from storage.models import AuditEntry, Setting
from storage.prepared import PreparedStatement, dbapi_cursor

GENESIS = bytes(32)
_TABLE = cast(Table, AuditEntry.__table__)
_LAST_ROW_QUERY = select(_TABLE.c.id, _TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
_LAST_ROW = PreparedStatement(_LAST_ROW_QUERY)
_INSERT = PreparedStatement(insert(_TABLE))
#: Set (in the database) once the profile has an anchor: from then on a missing anchor is a
#: finding, not a profile made before anchoring existed.
ANCHORED_SETTING = "audit.anchored"

__all__ = ["GENESIS", "AnchorFile", "AuditHead", "AuditLog", "AuditReport", "row_hash"]


def row_hash(
    prev_hash: bytes, row_id: int, at: str, user: str, event: str, subject: str, detail: str
) -> bytes:
    """SHA-256 over the previous hash and a canonical encoding of the row's fields."""
    body = json.dumps([row_id, at, user, event, subject, detail], separators=(",", ":"))
    return hashlib.sha256(prev_hash + body.encode("utf-8")).digest()


@dataclass(frozen=True)
class AuditReport:
    """Outcome of a chain check (``first_bad_id``/``reason`` name the first finding)."""

    rows: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when every row links to the one before it and the anchor agrees."""
        return self.first_bad_id is None


class AuditLog:
    """Writes and checks audit rows for one user of a profile."""

    def __init__(self, database: Database, user: str, anchor: AnchorFile | None = None) -> None:
        self._database = database
        self.user = user
        self._anchor = anchor
        self._anchor_writable = False
        self._anchored_seq = -1

    # ------------------------------------------------------------------ anchor
    def start_anchoring(self) -> None:
        """Check the anchor against the log; keep it updated from now on only if it agrees.

        A profile without an anchor (made before anchoring) gets one from its current head.
        An anchor that disagrees is left as it is, as evidence for :meth:`verify`.
        """
        if self._anchor is None:
            return
        with self._database.read() as session:
            anchored = session.get(Setting, ANCHORED_SETTING) is not None
        if not anchored and not self._anchor.path.exists():
            self._anchor.write(self.head(), durable=True)
            with self._database.write() as session:
                session.merge(Setting(key=ANCHORED_SETTING, value=True))
        if self._anchor_problem() is None:
            self._anchor_writable = True

    def _anchor_head(self, head: AuditHead) -> None:
        """After a commit: record the new head (never an older one) in the anchor file."""
        if self._anchor is None or not self._anchor_writable or head.seq <= self._anchored_seq:
            return
        try:
            self._anchor.write(head)
        except OSError:
            return  # the anchor lags behind (a prefix, still checked); the row is committed
        self._anchored_seq = head.seq

    def _anchor_problem(self) -> tuple[int, str] | None:
        """``(row, reason)`` when the anchor file does not vouch for this log, else None."""
        if self._anchor is None:
            return None
        try:
            anchored = self._anchor.read()
        except AnchorError as exc:
            return self.head().seq, str(exc)
        # The head is read after the anchor: another process commits a row before it anchors
        # it, so the log seen now is at least as new as the anchor just read.
        head = self.head()
        if anchored is None:
            with self._database.read() as session:
                expected = session.get(Setting, ANCHORED_SETTING) is not None
            return (head.seq, "the anchor file is missing (deleted?)") if expected else None
        if anchored.seq > head.seq:
            ends = f"ends at row {head.seq}" if head.seq else "is empty"
            return anchored.seq, (
                f"the anchor records {anchored.seq} rows but the log {ends}: "
                "rows were deleted or the database was rolled back"
            )
        if anchored.seq and self._row_hash(anchored.seq) != anchored.hash:
            return anchored.seq, "it differs from the anchored head: the log was rewritten"
        return None

    def _row_hash(self, seq: int) -> bytes | None:
        with self._database.read() as session:
            value = session.scalar(select(_TABLE.c.hash).where(_TABLE.c.id == seq))
        return bytes(value) if value is not None else None

    def head(self) -> AuditHead:
        """The chain's current head: the newest row's id and hash (``(0, GENESIS)`` if empty)."""
        with self._database.read() as session:
            last = session.execute(_LAST_ROW_QUERY).first()
        return AuditHead(last[0], bytes(last[1])) if last else AuditHead(0, GENESIS)

    def extends(self, earlier: AuditHead) -> AuditReport:
        """Whether the chain is intact and still holds ``earlier`` (a head published before).

        Fails when the log was rolled back past ``earlier`` or rewritten up to it, even
        together with the anchor file (what an attacker with the passphrase could do).
        """
        report = self._verify_chain()
        if not report.ok or earlier.seq == 0:
            return report
        if earlier.seq > report.rows:
            return AuditReport(
                report.rows,
                earlier.seq,
                f"the log ends at row {report.rows} but row {earlier.seq} was published: "
                "the profile was rolled back or rows were deleted",
            )
        if self._row_hash(earlier.seq) != earlier.hash:
            return AuditReport(
                report.rows,
                earlier.seq,
                "it differs from the published head: the log was rewritten",
            )
        return report

    # ------------------------------------------------------------------ writing
    def append(
        self,
        session: Session | Connection | Any,
        event: str,
        subject: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Add a row inside the caller's write transaction (so it commits with the change).

        ``session`` is a Session, a Connection or a DBAPI cursor from ``Database.raw_write``.
        The anchor file follows once the transaction commits.
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
        if self._anchor_writable:
            head = AuditHead(row_id, digest)
            self._database.after_commit(cursor.connection, lambda: self._anchor_head(head))

    def record(self, event: str, subject: str = "", detail: dict[str, Any] | None = None) -> None:
        """Add a row in a transaction of its own."""
        with self._database.write() as session:
            self.append(session, event, subject, detail)

    # ------------------------------------------------------------------ checking
    def verify(self) -> AuditReport:
        """Walk the chain from the first row, then check it against the anchor file."""
        report = self._verify_chain()
        if not report.ok:
            return report
        problem = self._anchor_problem()
        if problem is not None:
            return AuditReport(report.rows, problem[0], problem[1])
        return report

    def _verify_chain(self) -> AuditReport:
        """Report the first row that does not link to the one before it."""
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
