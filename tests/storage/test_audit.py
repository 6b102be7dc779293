"""Audit log: append-only by trigger, tampering found by the hash chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage.errors import StorageError
from storage.profile import Profile


def test_chain_holds_after_appends(profile: Profile) -> None:
    for n in range(5):
        profile.audit.record("annotation.save", f"item-{n}", {"n": n})
    report = profile.audit.verify()
    assert report.ok
    assert report.rows >= 6  # unlock + creation rows + ours
    newest = profile.audit.entries(1)[0]
    assert newest["event"] == "annotation.save"
    assert newest["user"] == "tester"
    assert newest["detail"] == {"n": 4}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET event = 'x' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
    ],
)
def test_update_and_delete_are_forbidden(profile: Profile, statement: str) -> None:
    with pytest.raises(StorageError, match="append-only"), profile.database.write() as session:
        session.execute(text(statement))
    assert profile.audit.verify().ok


def _tamper(profile: Profile, statement: str) -> None:
    """What an attacker holding the key would have to do: drop the triggers first."""
    with profile.database.write() as session:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("DROP TRIGGER audit_log_no_delete"))
        session.execute(text(statement))


def test_changed_row_is_named(profile: Profile) -> None:
    for n in range(4):
        profile.audit.record("annotation.save", f"item-{n}")
    _tamper(profile, "UPDATE audit_log SET subject = 'forged' WHERE id = 3")
    report = profile.audit.verify()
    assert not report.ok
    assert report.first_bad_id == 3
    assert "does not match its hash" in report.reason


def test_deleted_row_is_named(profile: Profile) -> None:
    for n in range(4):
        profile.audit.record("annotation.save", f"item-{n}")
    _tamper(profile, "DELETE FROM audit_log WHERE id = 2")
    report = profile.audit.verify()
    assert report.first_bad_id == 3
    assert "row 2 is missing" in report.reason
