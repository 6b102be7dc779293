"""``caliper queue``, ``caliper sync`` and ``caliper batch`` as real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import write_notes

pytestmark = pytest.mark.slow


def _init(tmp_path: Path, user: str) -> str:
    profile = str(tmp_path / user)
    result = caliper("init", "--profile", profile, "--user", user)
    assert result.returncode == 0, result.stderr
    return profile


def _submit_all(profile: str) -> int:
    """Annotate and submit every task of ``profile`` through the workspace (as the GUI does)."""
    from tests.conftest import PASSPHRASE
    from workspace.annotations import AddAnnotation, Annotation
    from workspace.sync.outbox import submit_task
    from workspace.workspace import Workspace

    workspace = Workspace.unlock(Path(profile), PASSPHRASE)
    try:
        tasks = workspace.tasks()
        for task in tasks:
            document = workspace.document(task.item_id)
            span = Annotation(task.item_id, "span", "problem", {"start": 0, "end": 9})
            workspace.command_stack(task.item_id).push(AddAnnotation(document, span))
            submit_task(workspace.profile, task.id)
        return len(tasks)
    finally:
        workspace.lock()


def test_push_sync_collect_from_the_command_line(nats_server: NatsServer, tmp_path: Path) -> None:
    manager, alice = _init(tmp_path, "manager"), _init(tmp_path, "alice")
    notes = write_notes(tmp_path / "notes", 3)
    pushed = caliper(
        "queue", "push", str(notes), "--project", "notes", "--track", "ct-chest",
        "--per-batch", "2", "--server", nats_server.url, "--profile", manager,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.count("pushed\t") == 2

    key = caliper("queue", "project-key", "notes", "--profile", manager)
    assert key.returncode == 0 and key.stdout.startswith("notes=")
    first_batch = pushed.stdout.split("pushed\t")[1].split()[0]
    repaired = caliper("queue", "repair", first_batch, "--profile", manager)
    assert repaired.returncode == 0, repaired.stderr
    assert f"0 damaged objects replaced in batch {first_batch}." in repaired.stdout

    synced = caliper(
        "sync", "--server", nats_server.url, "--track", "ct-chest", "--pull", "5",
        "--project-key", key.stdout.strip(), "--profile", alice,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.count("checked out\t") == 2
    assert _submit_all(alice) == 3

    sent = caliper("sync", "--push", "--profile", alice)  # server remembered from the first run
    assert sent.returncode == 0, sent.stderr
    assert "3 results sent" in sent.stdout

    status = caliper("queue", "status", "--profile", manager)
    assert status.returncode == 0, status.stderr
    assert "3 results waiting to be collected" in status.stdout

    out = tmp_path / "results"
    collected = caliper("queue", "collect", "--out", str(out), "--profile", manager)
    assert collected.returncode == 0, collected.stderr
    assert "3 new results (0 flagged)" in collected.stdout
    results = [json.loads(p.read_text()) for p in out.rglob("result.json")]
    assert sorted(r["annotator"] for r in results) == ["alice"] * 3

    again = caliper("queue", "collect", "--out", str(out), "--profile", manager)
    assert "0 new results" in again.stdout
    assert len(list(out.rglob("result.json"))) == 3


def test_dead_server_wrong_url_and_no_key_are_one_line_each(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    alice = _init(tmp_path, "alice")
    url = nats_server.url
    nats_server.stop()
    dead = caliper(
        "sync", "--server", url, "--track", "ct-chest", "--pull", "1", "--profile", alice
    )
    assert_one_line_error(dead, "connection refused")
    wrong = caliper("sync", "--server", "http://example.org", "--profile", alice)
    assert_one_line_error(wrong, "is not a queue server URL")
    bad_key = caliper("sync", "--project-key", "notes=abc", "--profile", alice)
    assert_one_line_error(bad_key, "64 hexadecimal")


def test_batch_files_carry_a_batch_and_its_results(nats_server: NatsServer, tmp_path: Path) -> None:
    manager, alice = _init(tmp_path, "manager"), _init(tmp_path, "alice")
    notes = write_notes(tmp_path / "notes", 2)
    pushed = caliper(
        "queue", "push", str(notes), "--project", "notes", "--track", "ct-chest",
        "--per-batch", "5", "--server", nats_server.url, "--profile", manager,
    )  # fmt: skip
    batch_id = pushed.stdout.split("pushed\t")[1].split()[0]
    key = caliper("queue", "project-key", "notes", "--profile", manager).stdout.strip()
    batch_file = tmp_path / "batch.clb"
    exported = caliper("batch", "export", batch_id, "--out", str(batch_file), "--profile", manager)
    assert exported.returncode == 0, exported.stderr
    raw = batch_file.read_bytes()
    assert b"Zyxwv" not in raw and b"PID000" not in raw  # no plaintext PHI in the file

    # The annotator's site has no network: key given once, batch imported from the file.
    caliper("sync", "--project-key", key, "--server", "nats://127.0.0.1:9", "--profile", alice)
    imported = caliper("batch", "import", str(batch_file), "--profile", alice)
    assert imported.returncode == 0, imported.stderr
    assert "2 tasks" in imported.stdout
    assert _submit_all(alice) == 2
    results_file = tmp_path / "results.clb"
    back = caliper("batch", "export", batch_id, "--out", str(results_file), "--profile", alice)
    assert back.returncode == 0, back.stderr
    recorded = caliper("batch", "import", str(results_file), "--profile", manager)
    assert "2 new results" in recorded.stdout
    twice = caliper("batch", "import", str(results_file), "--profile", manager)
    assert "0 new results" in twice.stdout
    out = tmp_path / "out"
    written = caliper("queue", "collect", "--offline", "--out", str(out), "--profile", manager)
    assert written.returncode == 0, written.stderr
    assert len(list(out.rglob("result.json"))) == 2

    # Tampered and truncated files are refused with one line; nothing is imported.
    tampered = tmp_path / "tampered.clb"
    data = bytearray(raw)
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert_one_line_error(
        caliper("batch", "import", str(tampered), "--profile", alice), "failed authentication"
    )
    truncated = tmp_path / "truncated.clb"
    truncated.write_bytes(raw[: len(raw) - 100])
    assert_one_line_error(
        caliper("batch", "import", str(truncated), "--profile", alice), "truncated"
    )
