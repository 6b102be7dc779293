"""``caliper passwd --rotate-key``: a new data key everywhere, resumable after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.blobs import BlobStore
from storage.database import Database
from storage.errors import StorageError
from storage.key_rotation import JOURNAL_FILE
from storage.keys import KeyFile
from storage.profile import Profile
from tests.cli.test_cli import REPO, assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from workspace.workspace import Workspace

NEW_PASSPHRASE = "a brand new passphrase"


@pytest.fixture
def stocked(profile_dir: Path, tmp_path: Path) -> dict[str, bytes]:
    """The profile with a few text items and a multi-chunk blob; their bytes by digest."""
    notes = []
    for n in range(3):
        note = tmp_path / f"note-{n}.txt"
        note.write_text(f"Discharge summary {n}\nStable.\n")
        notes.append(note)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    workspace.import_paths(notes)
    workspace.profile.blobs.put(os.urandom((2 << 20) + 12345))
    blobs = workspace.profile.blobs
    contents = {info.digest: bytes(blobs.get(info.digest)) for info in blobs.digests()}
    workspace.lock()
    assert len(contents) == 4
    return contents


def _rotate(profile_dir: Path, **env: str) -> int:
    result = caliper(
        "passwd",
        "--rotate-key",
        "--profile",
        str(profile_dir),
        CALIPER_NEW_PASSPHRASE=NEW_PASSPHRASE,
        **env,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode


def _assert_rotated(profile_dir: Path, contents: dict[str, bytes], old_keys: bytes) -> None:
    """Everything opens with the new passphrase; an old key file with the old one opens
    nothing (neither the database nor any blob under its old or new name)."""
    result = caliper("check", "--profile", str(profile_dir), passphrase=NEW_PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert "profile sound" in result.stdout
    assert not (profile_dir / JOURNAL_FILE).exists()
    profile = Profile.unlock(profile_dir, NEW_PASSPHRASE)
    assert {info.digest for info in profile.blobs.digests()} == set(contents)
    for digest, data in contents.items():
        assert profile.blobs.get(digest) == data
    assert profile.audit.verify().ok
    events = [e["event"] for e in profile.audit.entries(1000)]
    assert "profile.rotate_key" in events
    profile.lock()
    files = sorted(p.name for p in (profile_dir / "blobs").rglob("*") if p.is_file())
    assert len(files) == len(contents)  # the old names are gone
    old_key = KeyFile.from_document(profile_dir / "keys.json", json.loads(old_keys))
    stale = old_key.unwrap_with_passphrase(PASSPHRASE)
    database = Database(profile_dir / "caliper.db", stale)
    with pytest.raises(StorageError, match="damaged"):
        database.check_readable()
    database.dispose()
    new_database = Database(profile_dir / "caliper.db", stale)
    store = BlobStore(profile_dir / "blobs", stale, new_database)
    assert not any(store.contains(digest) for digest in contents)
    new_database.dispose()
    (profile_dir / "keys.json").write_bytes(old_keys)
    with pytest.raises(StorageError):
        Profile.unlock(profile_dir, PASSPHRASE)


def test_rotate_key_replaces_the_data_key_everywhere(
    profile_dir: Path, stocked: dict[str, bytes]
) -> None:
    old_keys = (profile_dir / "keys.json").read_bytes()
    assert _rotate(profile_dir) == 0
    _assert_rotated(profile_dir, stocked, old_keys)


@pytest.mark.slow
@pytest.mark.parametrize(
    "point", ["journal", "rekey-database", "blob", "reseal-blobs", "anchor", "save-keys"]
)
def test_rotation_killed_at_any_point_is_finished_by_the_next_unlock(
    profile_dir: Path, stocked: dict[str, bytes], point: str
) -> None:
    old_keys = (profile_dir / "keys.json").read_bytes()
    assert _rotate(profile_dir, CALIPER_TEST_KILL_AT=point) == -signal.SIGKILL
    assert (profile_dir / JOURNAL_FILE).exists()
    _assert_rotated(profile_dir, stocked, old_keys)


def test_rerunning_with_the_old_passphrase_finishes_the_rotation(
    profile_dir: Path, stocked: dict[str, bytes]
) -> None:
    old_keys = (profile_dir / "keys.json").read_bytes()
    assert _rotate(profile_dir, CALIPER_TEST_KILL_AT="blob") == -signal.SIGKILL
    result = caliper(
        "passwd",
        "--rotate-key",
        "--profile",
        str(profile_dir),
        CALIPER_NEW_PASSPHRASE=NEW_PASSPHRASE,
    )
    assert result.returncode == 0, result.stderr
    assert "finished an interrupted key rotation" in result.stdout
    _assert_rotated(profile_dir, stocked, old_keys)


def test_rotation_refuses_a_broken_audit_log(profile_dir: Path) -> None:
    (profile_dir / "audit-anchor").unlink()
    keys_before = (profile_dir / "keys.json").read_bytes()
    result = caliper(
        "passwd",
        "--rotate-key",
        "--profile",
        str(profile_dir),
        CALIPER_NEW_PASSPHRASE=NEW_PASSPHRASE,
    )
    assert_one_line_error(result, "the key was not rotated")
    assert (profile_dir / "keys.json").read_bytes() == keys_before
    assert not (profile_dir / JOURNAL_FILE).exists()


def _phase(journal: Path) -> str | None:
    try:
        return str(json.loads(journal.read_text())["phase"])
    except FileNotFoundError:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["rekey-database", "reseal-blobs"])
def test_rotation_killed_from_outside_while_it_runs_is_finished_by_the_next_unlock(
    profile_dir: Path, stocked: dict[str, bytes], phase: str
) -> None:
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    for _ in range(3):  # enough sealed data that the kill lands while blobs are re-sealed
        data = os.urandom(12 << 20)
        stocked[profile.blobs.put(data)] = data
    for n in range(400):  # and enough pages that re-keying the database is seen on a busy machine
        profile.audit.record("test.padding", str(n), {"filler": os.urandom(12_000).hex()})
    profile.lock()
    old_keys = (profile_dir / "keys.json").read_bytes()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALIPER_")}
    environment.update(
        PYTHONPATH=str(REPO),
        CALIPER_PASSPHRASE=PASSPHRASE,
        CALIPER_NEW_PASSPHRASE=NEW_PASSPHRASE,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "passwd", "--rotate-key", "--profile", str(profile_dir)],
        env=environment,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = profile_dir / JOURNAL_FILE
    deadline = time.monotonic() + 60
    while _phase(journal) != phase and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    assert _phase(journal) == phase
    _assert_rotated(profile_dir, stocked, old_keys)
