"""A damaged database page or key file: one clear line from every command, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.errors import DatabaseDamagedError, KeyFileDamagedError
from storage.profile import Profile
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE

PAGE = 4096
DAMAGED = "is damaged (a page failed its integrity check); run 'caliper check'"


def _fill(profile_dir: Path) -> None:
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    for n in range(200):
        profile.audit.record("annotation.save", f"item-{n}", {"text": "x" * 200})
    profile.lock()


def _damage_page(path: Path, page: int) -> bytes:
    """Overwrite 8 bytes in the middle of ``page`` (1-based); returns what was there."""
    with path.open("r+b") as handle:
        handle.seek((page - 1) * PAGE + PAGE // 2)
        original = handle.read(8)
        handle.seek((page - 1) * PAGE + PAGE // 2)
        handle.write(b"\xa5" * 8)
    return original


def _restore_page(path: Path, page: int, original: bytes) -> None:
    with path.open("r+b") as handle:
        handle.seek((page - 1) * PAGE + PAGE // 2)
        handle.write(original)


def _damage_an_audit_page(profile_dir: Path) -> int:
    """Damage a page in the middle of the file that reading the audit log runs into."""
    database = profile_dir / "caliper.db"
    pages = database.stat().st_size // PAGE
    for page in range(pages // 2, pages):
        original = _damage_page(database, page)
        try:
            profile = Profile.unlock(profile_dir, PASSPHRASE)
        except DatabaseDamagedError:  # a page the unlock itself reads: try another
            _restore_page(database, page, original)
            continue
        try:
            profile.audit.verify()
        except DatabaseDamagedError:
            return page
        finally:
            profile.lock()
        _restore_page(database, page, original)
    raise AssertionError("no page of the audit log found")


def test_check_names_the_damaged_page_and_other_commands_say_to_run_it(
    profile_dir: Path,
) -> None:
    _fill(profile_dir)
    page = _damage_an_audit_page(profile_dir)
    result = caliper("check", "--profile", str(profile_dir))
    assert_one_line_error(result, f"page {page}")
    for command in (["audit", "verify"], ["audit", "show", "--limit", "1000"]):
        result = caliper(*command, "--profile", str(profile_dir))
        assert_one_line_error(result, DAMAGED)


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["audit", "verify"],
        ["import", "{note}"],
        ["recovery-key", "export", "--out", "{tmp}/r.txt"],
        ["passwd"],
    ],
)
def test_damaged_first_page_every_command_says_damaged(
    profile_dir: Path, tmp_path: Path, command: list[str]
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Discharge summary\n")
    _damage_page(profile_dir / "caliper.db", 1)
    before = {p: p.read_bytes() for p in profile_dir.rglob("*") if p.is_file()}
    args = [c.format(note=note, tmp=tmp_path) for c in command]
    result = caliper(
        *args, "--profile", str(profile_dir), CALIPER_NEW_PASSPHRASE="another passphrase"
    )
    assert_one_line_error(result, DAMAGED)
    after = {p: p.read_bytes() for p in profile_dir.rglob("*") if p.is_file()}
    assert after == before


def test_check_names_a_damaged_first_page(profile_dir: Path) -> None:
    _damage_page(profile_dir / "caliper.db", 1)
    assert_one_line_error(caliper("check", "--profile", str(profile_dir)), "page 1")


@pytest.mark.parametrize(
    "content",
    [b"", b'{"version": 1, "kdf": {', b"[]", b"\xff\xfe", b'{"version": 1}', b"null"],
)
def test_damaged_or_truncated_key_file_says_so(profile_dir: Path, content: bytes) -> None:
    (profile_dir / "keys.json").write_bytes(content)
    with pytest.raises(KeyFileDamagedError, match=r"key file .* is damaged"):
        Profile.unlock(profile_dir, PASSPHRASE)


def test_key_file_with_a_cut_wrapped_key_says_so_in_one_line(profile_dir: Path) -> None:
    document = json.loads((profile_dir / "keys.json").read_text())
    document["wrapped_by_passphrase"] = document["wrapped_by_passphrase"][:20]
    (profile_dir / "keys.json").write_text(json.dumps(document))
    assert_one_line_error(caliper("list", "--profile", str(profile_dir)), "is damaged")
    (profile_dir / "keys.json").write_text(json.dumps(document)[:-30])
    assert_one_line_error(caliper("list", "--profile", str(profile_dir)), "truncated")
