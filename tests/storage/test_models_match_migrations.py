"""The SQLAlchemy models and the Alembic migrations describe the same schema.

A model changed without a migration (or the reverse) would work in tests that build tables from
the models and fail on a real profile; Alembic's autogenerate comparison catches it here.
"""

from __future__ import annotations

from typing import Any

from storage.models import Base
from storage.profile import Profile


def test_a_profile_migrated_to_head_matches_the_models(profile: Profile) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with profile.database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        differences: list[Any] = compare_metadata(context, Base.metadata)
    assert differences == []
