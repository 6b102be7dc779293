"""Key hierarchy: passphrase, recovery key, re-wrapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.errors import StorageError, WrongPassphraseError
from storage.keys import format_recovery_key, parse_recovery_key
from storage.profile import Profile
from storage.unlock_throttle import FAILURES_FILE
from tests.conftest import PASSPHRASE


def test_wrong_passphrase_is_refused_and_touches_nothing(profile_dir: Path) -> None:
    before = {p: p.read_bytes() for p in profile_dir.rglob("*") if p.is_file()}
    with pytest.raises(WrongPassphraseError, match="Wrong passphrase"):
        Profile.unlock(profile_dir, "not the passphrase")
    after = {p: p.read_bytes() for p in profile_dir.rglob("*") if p.is_file()}
    counter = profile_dir / FAILURES_FILE  # only the wrong-passphrase counter is new
    assert json.loads(after.pop(counter))["failures"] == 1
    assert after == before


def test_change_passphrase_rewraps_only(profile: Profile) -> None:
    digest = profile.blobs.put(b"payload")
    db_path = profile.path / "caliper.db"
    profile.change_passphrase("a new passphrase")
    profile.lock()
    with pytest.raises(WrongPassphraseError):
        Profile.unlock(profile.path, PASSPHRASE)
    reopened = Profile.unlock(profile.path, "a new passphrase")
    assert reopened.blobs.get(digest) == b"payload"
    assert db_path.exists()
    reopened.lock()


def test_recovery_key_unlocks_and_is_replaced_by_a_new_export(profile: Profile) -> None:
    first = profile.export_recovery_key()
    second = profile.export_recovery_key()
    profile.lock()
    with pytest.raises(WrongPassphraseError, match="Wrong recovery key"):
        Profile.unlock_with_recovery_key(profile.path, first)
    reopened = Profile.unlock_with_recovery_key(profile.path, second.lower().replace("-", " "))
    reopened.change_passphrase("after recovery")
    reopened.lock()
    Profile.unlock(profile.path, "after recovery").lock()


def test_recovery_key_without_export_is_a_clear_error(profile: Profile) -> None:
    profile.lock()
    with pytest.raises(WrongPassphraseError, match="No recovery key"):
        Profile.unlock_with_recovery_key(profile.path, format_recovery_key(bytes(32)))


@pytest.mark.parametrize("text", ["", "ABCD", "0" * 52, "Z" * 60])
def test_malformed_recovery_key_is_rejected(text: str) -> None:
    with pytest.raises(WrongPassphraseError):
        parse_recovery_key(text)


def test_recovery_key_format_round_trips() -> None:
    raw = bytes(range(32))
    assert parse_recovery_key(format_recovery_key(raw)) == raw


def test_damaged_key_file_gives_a_clear_error(profile_dir: Path) -> None:
    (profile_dir / "keys.json").write_text("{ not json")
    with pytest.raises(StorageError, match=r"key file .* is damaged"):
        Profile.unlock(profile_dir, PASSPHRASE)


def test_lock_leaves_no_reachable_key_material(profile: Profile) -> None:
    import gc
    import weakref

    database = weakref.ref(profile.database)
    blobs = weakref.ref(profile.blobs)
    profile.lock()
    gc.collect()
    assert database() is None
    assert blobs() is None
    with pytest.raises(StorageError, match="locked"):
        profile.audit.record("x")
