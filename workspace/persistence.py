"""Persisting command steps: the changed rows, the journal entry and the audit row, at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, delete, insert
from sqlalchemy.dialects.sqlite import insert as upsert

from storage.audit import AuditLog
from storage.database import Database
from storage.models import Annotation as AnnotationRow
from storage.models import CommandRecord
from workspace.commands import Change, Command

_TABLES: dict[str, Table] = {"annotations": cast(Table, AnnotationRow.__table__)}
_JOURNAL = cast(Table, CommandRecord.__table__)


class StoreSink:
    """A :class:`~workspace.commands.ChangeSink` writing to the encrypted profile database."""

    def __init__(self, database: Database, audit: AuditLog, item_id: str) -> None:
        self._database = database
        self._audit = audit
        self._item_id = item_id

    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        """One ``BEGIN IMMEDIATE`` transaction, synced before this returns."""
        with self._database.write() as session:
            for change in changes:
                table = _TABLES[change.table]
                if change.values is None:
                    session.execute(delete(table).where(table.c.id == change.key))
                else:
                    statement = upsert(table).values(change.values)
                    session.execute(
                        statement.on_conflict_do_update(
                            index_elements=[table.c.id], set_=dict(statement.excluded)
                        )
                    )
            session.execute(
                insert(_JOURNAL).values(
                    item_id=self._item_id,
                    action=action,
                    kind=command.kind,
                    payload=command.payload(),
                    author=self._audit.user,
                    at=datetime.now(UTC).isoformat(timespec="microseconds"),
                )
            )
            self._audit.append(
                session,
                "annotation.save",
                self._item_id,
                {"action": action, "command": command.kind, "keys": [c.key for c in changes]},
            )
