"""The ``caliper`` command line, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.profile import Profile
from tests.conftest import PASSPHRASE

REPO = Path(__file__).resolve().parents[2]


def caliper(
    *args: str, passphrase: str | None = PASSPHRASE, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALIPER_")}
    environment["PYTHONPATH"] = str(REPO)
    if passphrase is not None:
        environment["CALIPER_PASSPHRASE"] = passphrase
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("caliper: ")
    assert fragment in lines[0]


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "discharge.txt"
    path.write_text("Discharge summary\nStable, home today.\n", encoding="utf-8")
    return path


def test_init_creates_a_profile_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = caliper("init", "--profile", str(target), "--user", "dr.lee")
    assert result.returncode == 0, result.stderr
    assert "created profile" in result.stdout
    assert (target / "keys.json").exists()
    assert_one_line_error(caliper("init", "--profile", str(target)), "already exists")


def test_short_passphrase_is_refused(tmp_path: Path) -> None:
    assert_one_line_error(
        caliper("init", "--profile", str(tmp_path / "p"), passphrase="short"), "at least 8"
    )


def test_wrong_passphrase_changes_nothing(profile_dir: Path) -> None:
    before = {p: p.read_bytes() for p in profile_dir.rglob("*") if p.is_file()}
    result = caliper("list", "--profile", str(profile_dir), passphrase="wrong passphrase")
    assert_one_line_error(result, "Wrong passphrase")
    after = {p: p.read_bytes() for p in profile_dir.rglob("*") if p.is_file()}
    after.pop(profile_dir / "unlock-failures.json")  # only the wrong-passphrase counter is new
    assert after == before


def test_missing_passphrase_without_a_terminal(profile_dir: Path) -> None:
    result = caliper("list", "--profile", str(profile_dir), passphrase=None)
    assert_one_line_error(result, "no passphrase given")


def test_passphrase_file_and_profile_env(profile_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    result = caliper(
        "list", "--passphrase-file", str(secret), passphrase=None, CALIPER_PROFILE=str(profile_dir)
    )
    assert result.returncode == 0, result.stderr


def test_missing_profile(tmp_path: Path) -> None:
    assert_one_line_error(
        caliper("list", "--profile", str(tmp_path / "nope")), "No Caliper profile"
    )


def test_import_prints_one_line_per_item_and_skips_bad_files(
    profile_dir: Path, note: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(300))
    result = caliper("import", str(note), str(junk), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.strip().splitlines()
    item_id, modality, title = line.split("\t")
    assert modality == "text"
    assert title == "Discharge summary"
    assert "junk.bin" in result.stderr
    listing = json.loads(caliper("list", "--json", "--profile", str(profile_dir)).stdout)
    assert [i["id"] for i in listing["items"]] == [item_id]
    assert listing["tasks"] == []
    assert listing["annotations"] == []


def test_importing_again_says_already_in_the_profile(profile_dir: Path, note: Path) -> None:
    first = caliper("import", str(note), "--profile", str(profile_dir))
    again = caliper("import", str(note), "--profile", str(profile_dir))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout  # the same id, so scripts still find the item
    assert "already in the profile" in again.stderr and "already" not in first.stderr
    listing = json.loads(caliper("list", "--json", "--profile", str(profile_dir)).stdout)
    assert len(listing["items"]) == 1


def test_import_of_nothing_usable_fails(profile_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(300))
    result = caliper("import", str(junk), "--profile", str(profile_dir))
    assert result.returncode != 0
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr


def test_audit_verify_passes_then_names_the_tampered_row(profile_dir: Path, note: Path) -> None:
    assert caliper("import", str(note), "--profile", str(profile_dir)).returncode == 0
    result = caliper("audit", "verify", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert "audit log intact" in result.stdout
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    with profile.database.write() as session:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("UPDATE audit_log SET user = 'mallory' WHERE id = 2"))
    profile.lock()
    assert_one_line_error(
        caliper("audit", "verify", "--profile", str(profile_dir)), "audit log broken at row 2"
    )


def test_passwd_and_recovery_key(profile_dir: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "recovery.txt"
    result = caliper(
        "recovery-key", "export", "--out", str(key_file), "--profile", str(profile_dir)
    )
    assert result.returncode == 0, result.stderr
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    result = caliper(
        "passwd", "--profile", str(profile_dir), CALIPER_NEW_PASSPHRASE="second passphrase"
    )
    assert result.returncode == 0, result.stderr
    assert_one_line_error(caliper("list", "--profile", str(profile_dir)), "Wrong passphrase")
    result = caliper(
        "passwd",
        "--recovery-key-file",
        str(key_file),
        "--profile",
        str(profile_dir),
        passphrase=None,
        CALIPER_NEW_PASSPHRASE="third passphrase",
    )
    assert result.returncode == 0, result.stderr
    assert (
        caliper("list", "--profile", str(profile_dir), passphrase="third passphrase").returncode
        == 0
    )


def test_check_finds_a_flipped_blob_byte(profile_dir: Path, note: Path) -> None:
    assert caliper("import", str(note), "--profile", str(profile_dir)).returncode == 0
    result = caliper("check", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert "profile sound" in result.stdout
    (blob,) = [p for p in (profile_dir / "blobs").rglob("*") if p.is_file()]
    raw = bytearray(blob.read_bytes())
    raw[-20] ^= 0xFF
    blob.write_bytes(bytes(raw))
    assert_one_line_error(
        caliper("check", "--profile", str(profile_dir)), "failed its integrity check"
    )


def test_demo_defaults_to_the_user_data_directory(tmp_path: Path) -> None:
    result = caliper(
        "demo",
        "--no-gui",
        passphrase=None,
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "Caliper" / "profiles" / "demo" / "keys.json").exists()


def test_demo_profile_has_every_modality(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = caliper("demo", "--no-gui", "--profile", str(target), passphrase=None)
    assert result.returncode == 0, result.stderr
    assert "created demo profile" in result.stdout
    modalities = sorted(line.split("\t")[1] for line in result.stdout.splitlines()[1:])
    assert modalities == ["audio", "text", "volume", "waveform"]
    again = caliper("demo", "--no-gui", "--profile", str(target), passphrase=None)
    assert "opened demo profile" in again.stdout
    listing = json.loads(
        caliper(
            "list", "tasks", "--json", "--profile", str(target), passphrase="caliper-demo"
        ).stdout
    )
    assert len(listing["tasks"]) == 4
    assert {t["status"] for t in listing["tasks"]} == {"new"}
