"""The SQLCipher database: migrations, pragmas, damage detection."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import migrations
from storage.errors import IntegrityError
from storage.profile import Profile
from tests.conftest import PASSPHRASE


def test_head_revision_constant_matches_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == migrations.HEAD_REVISION


def test_database_is_encrypted_wal_and_synchronous_full(profile: Profile) -> None:
    with profile.database.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(profile.path / "caliper.db").execute("SELECT * FROM sqlite_master")


def test_fresh_profile_is_sound(profile: Profile) -> None:
    assert profile.database.integrity_problems() == []


def _flip(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x40
    path.write_bytes(bytes(raw))


def _checkpointed(profile_dir: Path) -> None:
    """Fold the WAL into the main file so the flipped byte is the one that is read."""
    opened = Profile.unlock(profile_dir, PASSPHRASE)
    with opened.database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    opened.lock()


def test_flipped_byte_on_first_page_is_a_clear_error(profile_dir: Path) -> None:
    _checkpointed(profile_dir)
    _flip(profile_dir / "caliper.db", 100)
    with pytest.raises(IntegrityError, match="failed its integrity check"):
        Profile.unlock(profile_dir, PASSPHRASE)


def test_flipped_byte_in_a_later_page_is_reported_by_the_check(profile_dir: Path) -> None:
    _checkpointed(profile_dir)
    db = profile_dir / "caliper.db"
    page_size = 4096
    assert db.stat().st_size >= 3 * page_size
    _flip(db, 2 * page_size + 500)
    try:
        opened = Profile.unlock(profile_dir, PASSPHRASE)
    except IntegrityError:
        return  # the damaged page was needed to open: detected just the same
    problems = opened.database.integrity_problems()
    opened.lock()
    assert problems, "a flipped byte went unnoticed"
    assert any("page" in p.lower() or "integrity" in p.lower() for p in problems)
