"""The profile database: SQLCipher 4 through SQLAlchemy 2, opened with a raw 256-bit key."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from storage.errors import DatabaseDamagedError, DiskFullError, StorageError

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
        return DatabaseDamagedError(
            f"The profile database {path} is damaged (a page failed its integrity check); "
            "run 'caliper check' to find it."
        )
    if "locked" in message:
        return StorageError(f"The profile database {path} is busy (locked by another process).")
    return StorageError(f"The profile database {path} could not be used: {message}")


class Database:
    """One encrypted SQLite file; hands out read sessions and write transactions."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        pragmas = self._pragmas = _connection_pragmas(key)

        def connect() -> Any:
            conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
            for pragma in pragmas:
                conn.execute(pragma).fetchall()
            return conn

        self._connect = connect
        self._writer: Any = None  # DBAPI connection of :meth:`raw_write`, made on first use
        self._writer_lock = threading.Lock()
        self._after_commit: dict[int, Callable[[], None]] = {}
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
                committed = False
                try:
                    yield cursor
                    cursor.execute("COMMIT")
                    committed = True
                finally:
                    if writer.in_transaction:
                        writer.execute("ROLLBACK")
                    self._transaction_ended(writer, committed)
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
                dbapi_connection = conn.connection.dbapi_connection
                committed = False
                try:
                    with conn.begin():
                        yield conn
                    committed = True
                finally:
                    self._transaction_ended(dbapi_connection, committed)
        except (DatabaseError, OperationalError) as exc:
            raise describe_database_error(exc, self.path) from None

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """An ORM session in one ``BEGIN IMMEDIATE`` transaction, committed (synced) on exit."""
        with self.write_connection() as conn, Session(bind=conn) as session:
            yield session
            session.flush()

    def after_commit(self, dbapi_connection: Any, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the write transaction open on ``dbapi_connection`` commits.

        One callback per transaction (a later one replaces an earlier one); it is dropped if
        the transaction rolls back. Used to anchor the audit log's new head.
        """
        self._after_commit[id(dbapi_connection)] = callback

    def _transaction_ended(self, dbapi_connection: Any, committed: bool) -> None:
        callback = self._after_commit.pop(id(dbapi_connection), None)
        if committed and callback is not None:
            callback()

    def integrity_problems(self) -> list[str]:
        """Damaged pages (``PRAGMA cipher_integrity_check``, one line per page), else any
        ``PRAGMA integrity_check`` problem; [] means sound."""
        # Only the key: the other pragmas read page 1, which may be the damaged one.
        conn = sqlcipher3.connect(str(self.path), isolation_level=None)
        try:
            for pragma in self._pragmas[:2]:
                conn.execute(pragma).fetchall()
            rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            problems = [str(r[0]) for r in rows]
            if not problems:
                rows = conn.execute("PRAGMA integrity_check").fetchall()
                problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        except sqlcipher3.DatabaseError as exc:
            problems = [str(describe_database_error(exc, self.path))]
        finally:
            conn.close()
        return problems

    def dispose(self) -> None:
        """Close every connection (the key goes with them)."""
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()
