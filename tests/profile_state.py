"""What a profile stores, for tests that prove a refused action changed nothing.

Opening a profile appends ``profile.*`` audit rows (and so moves the audit anchor, which MACs
the newest row): those are the only differences allowed. Every other file is compared byte for
byte and every other database row value for value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage.audit_anchor import ANCHOR_FILE
from storage.profile import Profile
from tests.conftest import PASSPHRASE

#: Files that follow the audit log's head, checked through the log itself.
_FOLLOW_THE_AUDIT_LOG = {ANCHOR_FILE}


@dataclass
class StoredState:
    """Everything a profile stores, but the audit log's own growth."""

    files: dict[str, bytes]
    tables: dict[str, list[tuple[Any, ...]]]
    audit_events: list[str]


def stored_state(profile_dir: Path, passphrase: str = PASSPHRASE) -> StoredState:
    """Every file byte for byte (not the database), every table's rows, the audit events."""
    files = {
        str(p.relative_to(profile_dir)): p.read_bytes()
        for p in profile_dir.rglob("*")
        if p.is_file()
        and not p.name.startswith("caliper.db")
        and p.name not in _FOLLOW_THE_AUDIT_LOG
    }
    profile = Profile.unlock(profile_dir, passphrase)
    try:
        with profile.database.read() as session:
            names = session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            ).scalars()
            tables = {
                name: sorted(
                    (tuple(row) for row in session.execute(text(f'SELECT * FROM "{name}"'))),
                    key=repr,
                )
                for name in list(names)
                if name != "audit_log"
            }
            events = session.execute(text("SELECT event FROM audit_log ORDER BY id")).scalars()
            audit_events = list(events)
        assert profile.audit.verify().ok  # the anchor left out above still matches the log
    finally:
        profile.lock()
    return StoredState(files, tables, audit_events)


def assert_nothing_stored_changed(
    before: StoredState, profile_dir: Path, passphrase: str = PASSPHRASE
) -> None:
    """Only ``profile.*`` audit rows (unlocks) were added since ``before``."""
    after = stored_state(profile_dir, passphrase)
    assert after.files == before.files
    assert after.tables == before.tables
    assert after.audit_events[: len(before.audit_events)] == before.audit_events
    added = after.audit_events[len(before.audit_events) :]
    assert all(event.startswith("profile.") for event in added), added
