"""Core statements compiled once and run straight on the DBAPI cursor of a SQLAlchemy connection.

For the hot path only (one command per edit must cost about what raw SQLCipher costs): the SQL
still comes from the typed models, inside the transaction SQLAlchemy opened, but the per-call
work of SQLAlchemy's execution layer is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import JSON, Connection
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

_DIALECT = sqlite.dialect(paramstyle="named")


class PreparedStatement:
    """One statement's SQL text, with JSON parameters serialised the way SQLAlchemy would."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
        self.sql = str(compiled)
        self._defaults = dict(compiled.params)
        self._json = frozenset(
            name for name, bind in compiled.binds.items() if isinstance(bind.type, JSON)
        )

    def execute(self, cursor: Any, params: Mapping[str, Any] | None = None) -> Any:
        """Run on ``cursor``; returns the cursor (fetch from it for a query)."""
        values = {**self._defaults, **(params or {})}
        for name in self._json & values.keys():
            values[name] = json.dumps(values[name])
        return cursor.execute(self.sql, values)


def dbapi_cursor(bound: Session | Connection | Any) -> Any:
    """A DBAPI cursor on the connection (and in the transaction) ``bound`` already uses.

    ``bound`` is a Session, a Connection, or already a DBAPI cursor (returned as it is).
    """
    if isinstance(bound, Session):
        bound = bound.connection()
    if isinstance(bound, Connection):
        return bound.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    return bound
