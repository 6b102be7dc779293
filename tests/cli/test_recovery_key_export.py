"""``recovery-key export`` writes the new key file before it replaces the working key."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from storage.profile import Profile
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE


def _export(profile_dir: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return caliper(
        "recovery-key", "export", "--out", str(out), *extra, "--profile", str(profile_dir)
    )


def _recovery_unlocks(profile_dir: Path, key_file: Path) -> bool:
    result = caliper(
        "passwd",
        "--recovery-key-file",
        str(key_file),
        "--profile",
        str(profile_dir),
        passphrase=None,
        CALIPER_NEW_PASSPHRASE=PASSPHRASE,
    )
    return result.returncode == 0


def test_a_failed_write_leaves_the_old_recovery_key_working(
    profile_dir: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old-recovery.txt"
    assert _export(profile_dir, old).returncode == 0
    keys_before = (profile_dir / "keys.json").read_bytes()
    blocked = tmp_path / "blocked"
    blocked.mkdir()  # a folder where the file should go: the write fails even as root
    result = _export(profile_dir, blocked, "--force")
    assert_one_line_error(result, "the recovery key was not changed")
    assert (profile_dir / "keys.json").read_bytes() == keys_before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert _recovery_unlocks(profile_dir, old)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_leaves_the_old_recovery_key_working(
    profile_dir: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old-recovery.txt"
    assert _export(profile_dir, old).returncode == 0
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    result = _export(profile_dir, read_only / "new.txt")
    assert_one_line_error(result, "the recovery key was not changed")
    assert _recovery_unlocks(profile_dir, old)


def test_a_failing_disk_leaves_the_old_recovery_key_working(
    profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = profile.export_recovery_key(tmp_path / "old.txt")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output"):
        profile.export_recovery_key(tmp_path / "new.txt")
    monkeypatch.undo()
    assert not (tmp_path / "new.txt").exists()
    profile.lock()
    Profile.unlock_with_recovery_key(profile.path, old).lock()


def test_the_exported_key_file_is_owner_only_and_works(profile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "recovery.txt"
    assert _export(profile_dir, out).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert _recovery_unlocks(profile_dir, out)
