"""The SQLAlchemy models and the Alembic migrations describe the same schema.

A model changed without a migration (or the reverse) would work in tests that build tables from
the models and fail on a real profile; Alembic's autogenerate comparison catches it here.
"""

from __future__ import annotations

from typing import Any

from storage.migrations import is_modelled
from storage.models import Base
from storage.profile import Profile


def test_a_profile_migrated_to_head_matches_the_models(profile: Profile) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with profile.database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # Only the FTS5 index and its shadow tables (no model can describe them).
                "include_name": is_modelled,
            },
        )
        differences: list[Any] = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_terminology_full_text_index_exists_after_migrating(profile: Profile) -> None:
    from sqlalchemy import text

    with profile.database.engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert "terminology_fts" in tables
        # The FTS5 module is compiled into SQLCipher and the table answers a query.
        conn.execute(text("SELECT rowid FROM terminology_fts WHERE terminology_fts MATCH 'x*'"))
    assert all(not is_modelled(t, "table") for t in tables if t.startswith("terminology_fts"))
