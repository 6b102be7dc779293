"""The profile database: SQLCipher 4 through SQLAlchemy 2, opened with a raw 256-bit key."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from storage.errors import DiskFullError, IntegrityError, StorageError

_WRITE_OPTION = "caliper_write"


def _connection_pragmas(key: bytes) -> list[str]:
    return [
        f"PRAGMA key = \"x'{key.hex()}'\"",
        "PRAGMA cipher_log_level = NONE",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 15000",
        "PRAGMA temp_store = MEMORY",
    ]


def describe_database_error(exc: BaseException, path: Path) -> StorageError:
    """Map a driver error to one clear sentence."""
    message = str(getattr(exc, "orig", exc))
    if "database or disk is full" in message:
        return DiskFullError(f"The disk is full; {path.name} was not changed.")
    if "not a database" in message or "malformed" in message or "hmac" in message.lower():
        return IntegrityError(
            f"The profile database {path} failed its integrity check (damaged or altered)."
        )
    if "locked" in message:
        return StorageError(f"The profile database {path} is busy (locked by another process).")
    return StorageError(f"The profile database {path} could not be used: {message}")


class Database:
    """One encrypted SQLite file; hands out read sessions and write transactions."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        pragmas = _connection_pragmas(key)

        def connect() -> Any:
            conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
            for pragma in pragmas:
                conn.execute(pragma).fetchall()
            return conn

        self._connect = connect
        self._writer: Any = None  # DBAPI connection of :meth:`raw_write`, made on first use
        self._writer_lock = threading.Lock()
        self.engine: Engine = create_engine(
            "sqlite://",
            module=sqlcipher3,
            creator=connect,
            poolclass=QueuePool,
            pool_size=4,
            max_overflow=4,
        )
        event.listen(self.engine, "begin", self._on_begin)

    @staticmethod
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE_OPTION) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    def check_readable(self) -> None:
        """Read page 1; a damaged or altered file gives :class:`IntegrityError`."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
        except (DatabaseError, OperationalError) as exc:
            raise describe_database_error(exc, self.path) from None

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session on one consistent snapshot; nothing is written."""
        try:
            with self.engine.connect() as conn, Session(bind=conn) as session:
                yield session
        except (DatabaseError, OperationalError) as exc:
            raise describe_database_error(exc, self.path) from None

    @contextlib.contextmanager
    def raw_write(self) -> Iterator[Any]:
        """A DBAPI cursor in ``BEGIN IMMEDIATE`` on a dedicated connection; COMMIT on exit.

        The hot path (one command per edit): no pool checkout, no execution events. Use it with
        :class:`storage.prepared.PreparedStatement`. Any error rolls the transaction back.
        """
        with self._writer_lock:
            try:
                if self._writer is None:
                    self._writer = self._connect()
                writer = self._writer
                cursor = writer.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    yield cursor
                    cursor.execute("COMMIT")
                finally:
                    if writer.in_transaction:
                        writer.execute("ROLLBACK")
            except sqlcipher3.DatabaseError as exc:
                raise describe_database_error(exc, self.path) from None

    @contextlib.contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in one ``BEGIN IMMEDIATE`` transaction, committed on exit.

        The lean path for hot writes (one command per edit); :meth:`write` builds on it.
        """
        try:
            with self.engine.connect() as base:
                conn = base.execution_options(**{_WRITE_OPTION: True})
                with conn.begin():
                    yield conn
        except (DatabaseError, OperationalError) as exc:
            raise describe_database_error(exc, self.path) from None

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """An ORM session in one ``BEGIN IMMEDIATE`` transaction, committed (synced) on exit."""
        with self.write_connection() as conn, Session(bind=conn) as session:
            yield session
            session.flush()

    def integrity_problems(self) -> list[str]:
        """Run ``PRAGMA integrity_check`` and ``PRAGMA cipher_integrity_check``; [] means sound."""
        problems: list[str] = []
        try:
            with self.engine.connect() as conn:
                rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
                problems += [str(r[0]) for r in rows if str(r[0]) != "ok"]
                rows = conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall()
                problems += [str(r[0]) for r in rows]
        except (DatabaseError, OperationalError) as exc:
            problems.append(str(describe_database_error(exc, self.path)))
        return problems

    def dispose(self) -> None:
        """Close every connection (the key goes with them)."""
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()
