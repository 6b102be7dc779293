"""The audit chain anchored outside the database: what the anchor file catches, and the head
functions a published head is checked with (the rollback the anchor alone cannot see)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.audit import GENESIS, AuditHead, row_hash
from storage.audit_anchor import ANCHOR_FILE, AnchorFile
from storage.profile import Profile
from tests.conftest import PASSPHRASE


def _grow(profile: Profile, rows: int) -> None:
    for n in range(rows):
        profile.audit.record("annotation.save", f"item-{n}", {"n": n})


def _sql(profile: Profile, *statements: str) -> None:
    """Tamper as an attacker with the key would: drop the triggers first."""
    with profile.database.write() as session:
        session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        for statement in statements:
            session.execute(text(statement))


def _reopen(profile: Profile) -> Profile:
    profile.lock()
    return Profile.unlock(profile.path, PASSPHRASE)


def test_anchor_follows_every_append_and_verifies(profile: Profile) -> None:
    _grow(profile, 3)
    head = profile.audit.head()
    assert head.seq == profile.audit.entries(1)[0]["id"]
    report = profile.audit.verify()
    assert report.ok, report.reason
    assert profile.audit.extends(head).ok
    assert (profile.path / ANCHOR_FILE).stat().st_size == 80


def test_deleting_the_newest_rows_is_detected(profile: Profile) -> None:
    _grow(profile, 5)
    last = profile.audit.head().seq
    _sql(profile, f"DELETE FROM audit_log WHERE id > {last - 2}")
    assert profile.audit.head().seq == last - 2
    report = profile.audit.verify()
    assert report.first_bad_id == last
    assert "rows were deleted" in report.reason
    reopened = _reopen(profile)  # new rows after the deletion do not launder it
    _grow(reopened, 4)
    report = reopened.audit.verify()
    assert not report.ok
    assert "rewritten" in report.reason
    reopened.lock()


def test_rewriting_with_recomputed_hashes_is_detected(profile: Profile) -> None:
    _grow(profile, 5)
    _sql(profile, "UPDATE audit_log SET subject = 'forged' WHERE id = 3")
    with profile.database.read() as session:
        rows = session.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
    prev = GENESIS
    fixes = []
    for row in rows:
        digest = row_hash(prev, row.id, row.at, row.user, row.event, row.subject, row.detail)
        fixes.append(
            f"UPDATE audit_log SET prev_hash = x'{prev.hex()}', hash = x'{digest.hex()}' "
            f"WHERE id = {row.id}"
        )
        prev = digest
    _sql(profile, *fixes)
    report = profile.audit.verify()
    assert report.first_bad_id == rows[-1].id
    assert "the log was rewritten" in report.reason


def test_wiping_the_table_is_detected(profile: Profile) -> None:
    _grow(profile, 2)
    _sql(profile, "DELETE FROM audit_log")
    report = profile.audit.verify()
    assert not report.ok
    assert "the log is empty" in report.reason


def test_deleting_or_forging_the_anchor_file_is_detected(profile: Profile) -> None:
    anchor = profile.path / ANCHOR_FILE
    original = anchor.read_bytes()
    anchor.unlink()
    assert "missing" in profile.audit.verify().reason
    reopened = _reopen(profile)  # unlocking does not quietly make a new anchor
    assert "missing" in reopened.audit.verify().reason
    forged = bytearray(original)
    forged[10] ^= 1  # another sequence number, without the key to MAC it
    anchor.write_bytes(bytes(forged))
    assert "altered" in reopened.audit.verify().reason
    reopened.lock()


def test_rolling_back_only_the_database_is_detected(profile_dir: Path, tmp_path: Path) -> None:
    old_copy = tmp_path / "old.db"
    shutil.copy2(profile_dir / "caliper.db", old_copy)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    _grow(profile, 3)
    profile.lock()
    shutil.copy2(old_copy, profile_dir / "caliper.db")
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    report = profile.audit.verify()
    assert "rows were deleted or the database was rolled back" in report.reason
    profile.lock()


def test_a_rolled_back_profile_passes_offline_but_fails_against_a_published_head(
    profile_dir: Path, tmp_path: Path
) -> None:
    old_copy = tmp_path / "old-profile"
    shutil.copytree(profile_dir, old_copy)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    _grow(profile, 3)
    published = profile.audit.head()
    profile.lock()
    shutil.rmtree(profile_dir)
    shutil.copytree(old_copy, profile_dir)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    assert profile.audit.verify().ok  # the anchor was rolled back with it: offline, invisible
    report = profile.audit.extends(published)
    assert not report.ok
    assert "rolled back" in report.reason
    forged = AuditHead(published.seq, hashlib.sha256(b"other").digest())
    assert not profile.audit.extends(AuditHead(profile.audit.head().seq, forged.hash)).ok
    assert profile.audit.extends(AuditHead(0, GENESIS)).ok
    profile.lock()


def test_a_profile_made_before_anchoring_gets_an_anchor(profile_dir: Path) -> None:
    (profile_dir / ANCHOR_FILE).unlink()
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    _sql(profile, "DELETE FROM settings WHERE key = 'audit.anchored'")
    profile = _reopen(profile)
    assert profile.audit.verify().ok
    assert (profile_dir / ANCHOR_FILE).exists()
    profile.lock()


def test_an_anchor_lagging_behind_is_accepted(profile: Profile) -> None:
    anchor = profile.path / ANCHOR_FILE
    _grow(profile, 2)
    lagging = anchor.read_bytes()
    _grow(profile, 2)
    anchor.write_bytes(lagging)  # a power cut before the newest anchor write reached the disk
    assert profile.audit.verify().ok


def test_anchor_follows_the_edit_path_and_ignores_rolled_back_rows(profile: Profile) -> None:
    anchor = AnchorFile(profile.path / ANCHOR_FILE, profile._require_key())
    with profile.database.raw_write() as cursor:  # the path every annotation edit takes
        profile.audit.append(cursor, "annotation.save", "item-1")
    assert anchor.read() == profile.audit.head()
    with pytest.raises(RuntimeError), profile.database.write() as session:
        profile.audit.append(session, "annotation.save", "item-2")
        raise RuntimeError("the change fails after its audit row was added")
    assert anchor.read() == profile.audit.head()
    assert profile.audit.verify().ok
