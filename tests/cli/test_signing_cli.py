"""``caliper whoami``, ``caliper queue enroll`` and signed results, as real subprocesses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.cli.test_sync_cli import _init, _submit_all
from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import write_notes

pytestmark = pytest.mark.slow


def _files(profile: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in Path(profile).rglob("*") if p.is_file()}


def test_init_makes_a_key_pair_that_whoami_prints(tmp_path: Path) -> None:
    alice = _init(tmp_path, "alice")
    made = caliper("audit", "show", "--profile", alice)  # init made it, not a later first need
    assert "\tsync.signing_key\t" in made.stdout, made.stdout
    first = caliper("whoami", "--public-key", "--profile", alice)
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(r"ed25519:[0-9a-f]{64}\n", first.stdout)
    again = caliper("whoami", "--profile", alice)
    assert again.returncode == 0, again.stderr
    assert f"public key\t{first.stdout.strip()}" in again.stdout
    assert "user\talice" in again.stdout and "workstation\talice@" in again.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["alice", "ed25519:1234"], "64 hexadecimal digits"),
        (["alice", "0" * 63 + "g"], "64 hexadecimal digits"),
        (["../alice", "ed25519:" + "ab" * 32], "cannot be enrolled"),
        (["al..ice", "ed25519:" + "ab" * 32], "cannot be enrolled"),
        (["alice", "ed25519:" + "ab" * 32, "--project", "Bad_Project"], "not valid on the queue"),
        (["alice", "ed25519:" + "ab" * 32], "holds no project key"),
    ],
)
def test_bad_enrolments_are_one_line_and_change_nothing(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    manager = _init(tmp_path, "manager")
    before = _files(manager)
    result = caliper(
        "queue", "enroll", *args, "--server", "nats://127.0.0.1:1", "--profile", manager
    )
    assert_one_line_error(result, fragment)
    if fragment != "holds no project key":  # refused before the profile is opened
        assert _files(manager) == before


def test_enrolled_workstation_results_are_verified(nats_server: NatsServer, tmp_path: Path) -> None:
    manager, alice = _init(tmp_path, "manager"), _init(tmp_path, "alice")
    pushed = caliper(
        "queue", "push", str(write_notes(tmp_path / "notes", 2)), "--project", "notes",
        "--track", "ct-chest", "--server", nats_server.url, "--profile", manager,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    key = caliper("queue", "project-key", "notes", "--profile", manager).stdout.strip()
    synced = caliper(
        "sync", "--server", nats_server.url, "--track", "ct-chest", "--pull", "5",
        "--project-key", key, "--profile", alice,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    assert _submit_all(alice) == 2
    assert caliper("sync", "--push", "--profile", alice).returncode == 0

    public = caliper("whoami", "--public-key", "--profile", alice).stdout.strip()
    enrolled = caliper("queue", "enroll", "alice", public, "--profile", manager)
    assert enrolled.returncode == 0, enrolled.stderr
    assert enrolled.stdout.startswith("enrolled\talice\tnotes\t")
    again = caliper("queue", "enroll", "alice", public, "--project", "notes", "--profile", manager)
    assert again.stdout.startswith("already enrolled\talice\tnotes\t")

    out = tmp_path / "results"
    collected = caliper("queue", "collect", "--out", str(out), "--profile", manager)
    assert collected.returncode == 0, collected.stderr
    assert "2 new results (0 flagged); 0 unverified;" in collected.stdout
    results = [json.loads(p.read_text()) for p in out.rglob("result.json")]
    assert [r["signature_check"]["status"] for r in results] == ["verified"] * 2


def test_enrol_every_key_of_a_site_file(nats_server: NatsServer, tmp_path: Path) -> None:
    manager, alice = _init(tmp_path, "manager"), _init(tmp_path, "alice")
    assert caliper("queue", "project-key", "notes", "--profile", manager).returncode == 0
    public = caliper("whoami", "--public-key", "--profile", alice).stdout.strip()
    site = tmp_path / "site.toml"
    site.write_text(
        '[[users]]\nname = "manager"\nrole = "manager"\n\n'
        '[[users]]\nname = "ws-alice"\nrole = "workstation"\ntracks = ["ct-chest"]\n'
        f'projects = ["notes"]\nannotator = "alice"\npublic_key = "{public}"\n'
    )
    args = ("queue", "enroll", "--site", str(site), "--server", nats_server.url)
    first = caliper(*args, "--profile", manager)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("enrolled\talice\tnotes\t")
    assert caliper(*args, "--profile", manager).stdout.startswith("already enrolled\talice")

    site.write_text('[[users]]\nname = "ws-bob"\npublic_key = "ed25519:00"\n')
    assert_one_line_error(caliper(*args, "--profile", manager), "no annotator or projects")
    assert_one_line_error(
        caliper("queue", "enroll", "--site", str(tmp_path / "none.toml"), "--profile", manager),
        "Cannot read",
    )
