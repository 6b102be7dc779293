"""Persisting command steps: the changed rows and the audit row, in one transaction.

The audit row of an ``annotation.save`` carries the command's journal payload (before and
after values), so the hash-chained audit log is also the tamper-evident history of every edit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.audit import AuditLog
from storage.database import Database
from storage.models import Annotation as AnnotationRow
from storage.models import LabelMapDeltaRecord
from storage.prepared import PreparedStatement
from workspace.commands import Change, Command


class _TableStatements:
    """Upsert and delete of one table by its ``id``, compiled once."""

    def __init__(self, table: Table) -> None:
        upsert = sqlite_insert(table)
        self.upsert = PreparedStatement(
            upsert.on_conflict_do_update(
                index_elements=[table.c.id],
                set_={c.name: upsert.excluded[c.name] for c in table.columns if c.name != "id"},
            )
        )
        self.delete = PreparedStatement(delete(table).where(table.c.id == bindparam("key")))


_TABLES = {"annotations": _TableStatements(cast(Table, AnnotationRow.__table__))}
#: Append-only tables: every change is a new row (label-map edit steps).
_APPEND = {"labelmap_deltas": PreparedStatement(insert(cast(Table, LabelMapDeltaRecord.__table__)))}
SAVE_EVENT = "annotation.save"


class StoreSink:
    """A :class:`~workspace.commands.ChangeSink` writing to the encrypted profile database."""

    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        item_id: str,
        guard: Callable[[Any, str], None] | None = None,
        label_map_edited: Callable[[], None] | None = None,
    ) -> None:
        self._database = database
        self._audit = audit
        self._item_id = item_id
        #: Called with the cursor and the item id before anything is written (may refuse).
        self._guard = guard
        #: Called after a step that stored label-map edit rows is committed.
        self._label_map_edited = label_map_edited

    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        """One ``BEGIN IMMEDIATE`` transaction, synced before this returns."""
        with self._database.raw_write() as cursor:
            if self._guard is not None:
                self._guard(cursor, self._item_id)
            for change in changes:
                if change.table in _APPEND:
                    _APPEND[change.table].execute(cursor, change.values)
                    continue
                statements = _TABLES[change.table]
                if change.values is None:
                    statements.delete.execute(cursor, {"key": change.key})
                else:
                    statements.upsert.execute(cursor, change.values)
            self._audit.append(
                cursor,
                SAVE_EVENT,
                self._item_id,
                {"action": action, "command": command.kind, "payload": command.payload()},
            )
        if self._label_map_edited is not None and any(c.table in _APPEND for c in changes):
            self._label_map_edited()
