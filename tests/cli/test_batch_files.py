"""Batch files through the real CLI: the file holds the batch's lease, sites with no network.

A batch exported to a file must not be checked out again over the network, ``queue status``
names the file as its holder, and the results that come back in a file are credited to the
annotator who made them. A site with no server at all makes, annotates and collects batch
files end to end. Damaged files are refused with one line and change nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from storage.audit_anchor import ANCHOR_FILE
from storage.models import Base, Batch, Task
from tests.cli.test_cli import assert_one_line_error
from tests.cli.test_sync_cli import _submit_all
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import write_notes
from workspace.workspace import Workspace


def _init(tmp_path: Path, user: str) -> str:
    """A fresh profile for ``user`` (cheap key derivation: every command below unlocks it)."""
    Workspace.create(tmp_path / user, PASSPHRASE, user=user, kdf=FAST_KDF).lock()
    return str(tmp_path / user)


class Cli:
    """``caliper`` run in this process (``app.cli.main``): the same parser, handlers and
    one-line errors as the console script, without a Python start-up per command."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one command; its exit code, stdout and stderr."""
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    def ok(self, *args: str) -> str:
        """Run one command that must succeed; its stdout."""
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI with the test passphrase and no other ``CALIPER_*`` settings."""
    for name in [n for n in os.environ if n.startswith("CALIPER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CALIPER_PASSPHRASE", PASSPHRASE)
    return Cli(capsys)


def _field(stdout: str, tag: str, column: int = 1) -> str:
    """Column ``column`` of the first ``tag\\t…`` line of ``stdout``."""
    line = next(line for line in stdout.splitlines() if line.startswith(f"{tag}\t"))
    return line.split("\t")[column]


def _status_row(cli: Cli, manager: str, batch_id: str) -> list[str]:
    status = cli.ok("queue", "status", "--profile", manager)
    return next(line for line in status.splitlines() if line.startswith(batch_id)).split("\t")


def _snapshot(profile: str) -> tuple[dict[Path, bytes], dict[str, list[str]]]:
    """Every profile file byte for byte, and every database row.

    Opening a profile appends a ``profile.unlock`` audit row, so the database is compared
    row by row with those left out; everything else must be identical.
    """
    files = {
        p: p.read_bytes()
        for p in Path(profile).rglob("*")
        if p.is_file() and not p.name.startswith("caliper.db") and p.name != ANCHOR_FILE
    }  # the anchor follows the audit log's head, which each unlock moves
    workspace = Workspace.unlock(Path(profile), PASSPHRASE)
    try:
        with workspace.profile.database.read() as session:
            tables = {}
            for table in Base.metadata.sorted_tables:
                rows = session.execute(select(table)).all()
                if table.name == "audit_log":
                    rows = [r for r in rows if r.event != "profile.unlock"]
                tables[table.name] = sorted(repr(tuple(r)) for r in rows)
    finally:
        workspace.lock()
    return files, tables


def _push_one_batch(cli: Cli, tmp_path: Path, url: str, manager: str) -> tuple[str, str]:
    notes = write_notes(tmp_path / "notes", 2)
    pushed = cli.ok(
        "queue", "push", str(notes), "--project", "notes", "--track", "ct-chest",
        "--per-batch", "5", "--server", url, "--profile", manager,
    )  # fmt: skip
    key = cli.ok("queue", "project-key", "notes", "--profile", manager).strip()
    return _field(pushed, "pushed"), key


def _pull(cli: Cli, url: str, profile: str, key: str) -> str:
    return cli.ok(
        "sync", "--server", url, "--track", "ct-chest", "--pull", "5",
        "--project-key", key, "--profile", profile,
    )  # fmt: skip


@pytest.mark.slow
def test_a_batch_in_a_file_is_not_checked_out_and_its_annotator_is_credited(
    cli: Cli, nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice, carol = (_init(tmp_path, u) for u in ("manager", "alice", "carol"))
    batch_id, key = _push_one_batch(cli, tmp_path, nats_server.url, manager)
    batch_file = tmp_path / "site-b.clb"
    exported = cli.ok("batch", "export", batch_id, "--out", str(batch_file), "--profile", manager)
    holder = _field(exported, "leased", 2)
    assert holder.startswith("file:site-b.clb@")

    # A networked workstation does not get the batch the file holds.
    assert "checked out\t" not in _pull(cli, nats_server.url, alice, key)
    row = _status_row(cli, manager, batch_id)
    assert row[3:6] == ["leased", "0/2", holder]

    # The offline site annotates it and sends the results back in a file.
    cli.ok("batch", "import", str(batch_file), "--project-key", key, "--profile", carol)
    # If that site syncs other work, it does not claim the file's lease as its own.
    assert "leases lost" not in cli.ok("sync", "--server", nats_server.url, "--profile", carol)
    assert _submit_all(carol) == 2
    results_file = tmp_path / "site-b-results.clb"
    cli.ok("batch", "export", batch_id, "--out", str(results_file), "--profile", carol)
    imported = cli.ok("batch", "import", str(results_file), "--profile", manager)
    assert "2 new results (0 flagged)" in imported
    assert f"released\t{batch_id}" in imported

    status = cli.ok("queue", "status", "--profile", manager)
    assert "annotator carol: 2 results" in status and "alice" not in status
    assert _status_row(cli, manager, batch_id)[3:6] == ["returned", "2/2", "-"]
    out = tmp_path / "out"
    cli.ok("queue", "collect", "--out", str(out), "--profile", manager)
    results = [json.loads(p.read_text()) for p in out.rglob("result.json")]
    assert [(r["annotator"], r["flag"]) for r in results] == [("carol", "")] * 2
    # Released, but not put back on the queue: nobody checks out a returned batch.
    assert "checked out\t" not in _pull(cli, nats_server.url, alice, key)


@pytest.mark.slow
def test_results_for_a_batch_leased_to_someone_else_are_flagged(
    cli: Cli, nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice, carol = (_init(tmp_path, u) for u in ("manager", "alice", "carol"))
    batch_id, key = _push_one_batch(cli, tmp_path, nats_server.url, manager)
    batch_file = tmp_path / "batch.clb"
    cli.ok("batch", "export", batch_id, "--out", str(batch_file), "--profile", manager)
    cli.ok("batch", "import", str(batch_file), "--project-key", key, "--profile", carol)

    # The manager takes the batch back for the network; alice checks it out.
    cli.ok("queue", "reissue", batch_id, "--force", "--profile", manager)
    assert f"checked out\t{batch_id}" in _pull(cli, nats_server.url, alice, key)
    alice_holder = _status_row(cli, manager, batch_id)[5]
    assert alice_holder.startswith("alice@")

    # While alice holds it, it cannot go to a file; nothing changes.
    before = _snapshot(manager)
    again = cli.run(
        "batch", "export", batch_id, "--out", str(tmp_path / "again.clb"), "--profile", manager
    )
    assert_one_line_error(again, f"is leased to {alice_holder}")
    assert _snapshot(manager) == before and not (tmp_path / "again.clb").exists()

    # carol's results from the old file arrive: accepted, flagged, alice keeps her lease.
    _submit_all(carol)
    results_file = tmp_path / "results.clb"
    cli.ok("batch", "export", batch_id, "--out", str(results_file), "--profile", carol)
    imported = cli.ok("batch", "import", str(results_file), "--profile", manager)
    assert "2 new results (2 flagged)" in imported and "released" not in imported
    assert _status_row(cli, manager, batch_id)[5] == alice_holder
    out = tmp_path / "out"
    cli.ok("queue", "collect", "--out", str(out), "--profile", manager)
    flags = {json.loads(p.read_text())["flag"] for p in out.rglob("result.json")}
    assert flags == {
        f"for issue 1, the batch was reissued (issue 2); the lease is held by {alice_holder}"
    }


def test_a_site_with_no_network_creates_annotates_and_collects_batch_files(
    cli: Cli,
    tmp_path: Path,
) -> None:
    manager, carol = _init(tmp_path, "manager"), _init(tmp_path, "carol")
    notes = write_notes(tmp_path / "notes", 3)
    created = cli.ok(
        "batch", "create", str(notes), "--project", "notes", "--out", str(tmp_path / "b.clb"),
        "--per-batch", "2", "--due", "2027-01-31", "--instructions", "Mark every problem.",
        "--profile", manager,
    )  # fmt: skip
    files = [tmp_path / "b-001.clb", tmp_path / "b-002.clb"]
    assert [Path(line.split("\t")[2]) for line in created.splitlines()[:2]] == files
    batch_ids = [line.split("\t")[1] for line in created.splitlines()[:2]]
    key = cli.ok("queue", "project-key", "notes", "--profile", manager).strip()

    for path in files:
        cli.ok("batch", "import", str(path), "--project-key", key, "--profile", carol)
    workspace = Workspace.unlock(Path(carol), PASSPHRASE)
    try:
        with workspace.profile.database.read() as session:
            assert set(session.scalars(select(Task.instructions))) == {"Mark every problem."}
            assert set(session.scalars(select(Batch.due))) == {"2027-01-31"}
    finally:
        workspace.lock()
    assert _submit_all(carol) == 3

    released = []
    for batch_id in batch_ids:
        results_file = tmp_path / f"{batch_id}-results.clb"
        cli.ok("batch", "export", batch_id, "--out", str(results_file), "--profile", carol)
        imported = cli.ok("batch", "import", str(results_file), "--profile", manager)
        released += [line for line in imported.splitlines() if line.startswith("released\t")]
    assert len(released) == 2
    out = tmp_path / "out"
    collected = cli.ok("queue", "collect", "--offline", "--out", str(out), "--profile", manager)
    assert "0 new results (0 flagged); " in collected
    results = [json.loads(p.read_text()) for p in out.rglob("result.json")]
    assert sorted(r["annotator"] for r in results) == ["carol"] * 3
    assert all(r["flag"] == "" for r in results)

    # Re-running create never overwrites batch files already handed out.
    again = cli.run(
        "batch", "create", str(notes), "--project", "notes", "--out", str(tmp_path / "b.clb"),
        "--per-batch", "2", "--profile", manager,
    )  # fmt: skip
    assert_one_line_error(again, "b-001.clb exists")


def test_trailing_bytes_and_unknown_formats_are_refused_and_change_nothing(
    cli: Cli,
    tmp_path: Path,
) -> None:
    manager, carol = _init(tmp_path, "manager"), _init(tmp_path, "carol")
    notes = write_notes(tmp_path / "notes", 1)
    create = ("batch", "create", str(notes), "--project", "notes", "--profile", manager)
    good, first = tmp_path / "good.clb", tmp_path / "first.clb"
    cli.ok(*create, "--out", str(good))
    cli.ok(*create, "--out", str(first))
    key = cli.ok("queue", "project-key", "notes", "--profile", manager).strip()
    # A first file gives carol the key; then every damaged copy of another is refused.
    cli.ok("batch", "import", str(first), "--project-key", key, "--profile", carol)
    raw = good.read_bytes()
    damaged = {
        "trailing.clb": (raw + b"\x00", "data after its end record"),
        "appended.clb": (raw + raw, "data after its end record"),
        "format2.clb": (raw[:8] + b"\x02" + raw[9:], "format 2; this Caliper reads format 1"),
        "format0.clb": (raw[:8] + b"\x00" + raw[9:], "format 0"),
        "magic.clb": (b"CALIPERX" + raw[8:], "is not a Caliper batch file"),
    }
    before = _snapshot(carol)
    for name, (data, message) in damaged.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert_one_line_error(cli.run("batch", "import", str(path), "--profile", carol), message)
        assert _snapshot(carol) == before, name
    shutil.copy(good, tmp_path / "copy.clb")
    assert "1 tasks" in cli.ok("batch", "import", str(tmp_path / "copy.clb"), "--profile", carol)
