"""Alembic migrations of the profile database, run whenever a profile is opened."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

MIGRATIONS_DIR = Path(__file__).parent


def _newest_revision() -> str:
    """Revisions are numbered ``NNNN`` and live in ``versions/NNNN_<slug>.py``; the largest wins.

    Reading file names is much cheaper than loading every script through Alembic at start-up; a
    test checks the result equals Alembic's own head.
    """
    numbers = [p.name[:4] for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(numbers)


#: Tables made by migrations that no model describes: the FTS5 index of terminology terms
#: and the shadow tables SQLite keeps for it (a virtual table has no SQLAlchemy model).
NOT_MODELLED = "terminology_fts"


def is_modelled(name: str | None, type_: str, *_: object) -> bool:
    """Alembic ``include_name`` hook: leave out the unmodelled FTS5 tables when comparing."""
    return not (type_ == "table" and name is not None and name.startswith(NOT_MODELLED))


#: The newest revision (see :func:`_newest_revision`).
HEAD_REVISION = _newest_revision()


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at, or None for a new database."""
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError:
        return None


def upgrade(conn: Connection) -> None:
    """Bring the database to the head revision (cheap no-op when already there)."""
    if current_revision(conn) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
