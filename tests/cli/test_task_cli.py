"""``caliper task list|submit|reopen`` as real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.models import SyncOutboxEntry
from tests.cli.test_batch_files import Cli, cli  # noqa: F401 - a fixture
from tests.cli.test_batch_files import _init as init_profile
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.cli.test_segmentation_cli import volume_item  # noqa: F401 - a fixture
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from tests.sync.sync_support import write_notes
from tests.workspace.task_support import add_span, check_out, local_task, note_item
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace


def _queue_task(profile_dir: Path, tmp_path: Path, annotate: bool) -> tuple[str, str]:
    """A checked-out task in the profile (annotated or not); (task id, item id)."""
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        item_id = note_item(workspace, tmp_path / "notes")
        task_id = local_task(workspace, item_id)
        check_out(workspace, task_id)
        if annotate:
            workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
            add_span(workspace, item_id)
    finally:
        workspace.lock()
    return task_id, item_id


def _outbox_documents(profile_dir: Path) -> list[dict[str, object]]:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        with workspace.profile.database.read() as session:
            return [row.document for row in session.query(SyncOutboxEntry)]
    finally:
        workspace.lock()


def test_task_list_shows_status_revision_and_schema(profile_dir: Path, tmp_path: Path) -> None:
    task_id, item_id = _queue_task(profile_dir, tmp_path, annotate=False)
    listed = caliper("task", "list", "--json", "--profile", str(profile_dir))
    assert listed.returncode == 0, listed.stderr
    (task,) = json.loads(listed.stdout)
    assert (task["id"], task["item_id"], task["status"]) == (task_id, item_id, "new")
    assert (task["revision"], task["schema_id"]) == (1, "clinical-ner")
    text = caliper("task", "list", "--profile", str(profile_dir))
    assert text.stdout.split("\t")[:3] == [task_id, "new", "1"]
    everything = json.loads(caliper("list", "--json", "--profile", str(profile_dir)).stdout)
    assert [t["schema_id"] for t in everything["tasks"]] == ["clinical-ner"]


def test_submit_without_allow_empty_is_refused_and_changes_nothing(
    profile_dir: Path, tmp_path: Path
) -> None:
    task_id, _ = _queue_task(profile_dir, tmp_path, annotate=False)
    before = stored_state(profile_dir)
    refused = caliper("task", "submit", task_id[:8], "--profile", str(profile_dir))
    assert_one_line_error(refused, "never opened and has no annotations")
    assert "--allow-empty" in refused.stderr
    assert_nothing_stored_changed(before, profile_dir)

    done = caliper("task", "submit", task_id[:8], "--allow-empty", "--profile", str(profile_dir))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"submitted\t{task_id}\trevision 1\tresult ")
    (document,) = _outbox_documents(profile_dir)
    assert document["task_id"] == task_id and document["revision"] == 1
    assert document["annotations"] == []


def test_submit_reopen_submit_makes_two_revisions(profile_dir: Path, tmp_path: Path) -> None:
    task_id, _ = _queue_task(profile_dir, tmp_path, annotate=True)
    profile = str(profile_dir)
    first = caliper("task", "submit", task_id, "--profile", profile)
    assert first.returncode == 0, first.stderr
    again = caliper("task", "submit", task_id, "--profile", profile)
    assert_one_line_error(again, "already 'submitted'")
    reopened = caliper("task", "reopen", task_id, "--profile", profile)
    assert reopened.returncode == 0, reopened.stderr
    assert reopened.stdout.strip() == f"reopened\t{task_id}\trevision 2"
    twice = caliper("task", "reopen", task_id, "--profile", profile)
    assert_one_line_error(twice, "open already")
    second = caliper("task", "submit", task_id, "--profile", profile)
    assert second.returncode == 0, second.stderr
    assert "\trevision 2\t" in second.stdout
    revisions = sorted(int(str(d["revision"])) for d in _outbox_documents(profile_dir))
    assert revisions == [1, 2]


def test_unknown_and_ambiguous_task_names(profile_dir: Path, tmp_path: Path) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        item_id = note_item(workspace, tmp_path / "notes")
        ids = [local_task(workspace, item_id, f"Batch {n}") for n in range(20)]
    finally:
        workspace.lock()
    profile = str(profile_dir)
    assert_one_line_error(caliper("task", "reopen", "zzzz", "--profile", profile), "no task")
    # 20 uuid4 ids: some first hex digit is shared by two of them
    shared = next(i[0] for i in ids if sum(j[0] == i[0] for j in ids) > 1)
    assert_one_line_error(caliper("task", "submit", shared, "--profile", profile), "matches")


def test_local_task_is_not_sent_to_the_queue(profile_dir: Path, tmp_path: Path) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        task_id = local_task(workspace, note_item(workspace, tmp_path / "notes"))
    finally:
        workspace.lock()
    before = stored_state(profile_dir)
    refused = caliper("task", "submit", task_id, "--allow-empty", "--profile", str(profile_dir))
    assert_one_line_error(refused, "is local")
    assert_nothing_stored_changed(before, profile_dir)


def test_segmentation_import_into_a_submitted_task_is_refused(
    profile_dir: Path,
    tmp_path: Path,
    volume_item: tuple[str, object],  # noqa: F811 - the fixture imported above
) -> None:
    item_id, _ = volume_item
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        task_id = local_task(workspace, item_id)
        workspace.set_task_status(task_id, TaskStatus.IN_PROGRESS)
        workspace.set_task_status(task_id, TaskStatus.SUBMITTED)
    finally:
        workspace.lock()
    before = stored_state(profile_dir)
    refused = caliper(
        "import", str(tmp_path / "pre.nii.gz"), "--segmentation-of", item_id,
        "--profile", str(profile_dir),
    )  # fmt: skip
    assert_one_line_error(refused, "reopen it to edit")
    assert "Task submitted on " in refused.stderr
    assert_nothing_stored_changed(before, profile_dir)


@pytest.mark.slow
def test_cli_submit_is_sent_once_by_sync_push(nats_server: object, tmp_path: Path) -> None:
    from tests.cli.test_sync_cli import _init
    from tests.sync.sync_support import write_notes

    url = nats_server.url  # type: ignore[attr-defined]
    manager, alice = _init(tmp_path, "manager"), _init(tmp_path, "alice")
    pushed = caliper(
        "queue", "push", str(write_notes(tmp_path / "notes", 1)), "--project", "notes",
        "--track", "ct-chest", "--server", url, "--profile", manager,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    key = caliper("queue", "project-key", "notes", "--profile", manager).stdout.strip()
    synced = caliper(
        "sync", "--server", url, "--track", "ct-chest", "--pull", "1",
        "--project-key", key, "--profile", alice,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    (task,) = json.loads(caliper("task", "list", "--json", "--profile", alice).stdout)
    assert task["schema_id"]
    submitted = caliper("task", "submit", task["id"], "--allow-empty", "--profile", alice)
    assert submitted.returncode == 0, submitted.stderr
    sent = caliper("sync", "--push", "--profile", alice)
    assert sent.returncode == 0, sent.stderr
    assert "1 result sent" in sent.stdout or "1 results sent" in sent.stdout
    again = caliper("sync", "--push", "--profile", alice)
    assert "0 results sent" in again.stdout
    collected = caliper("queue", "collect", "--out", str(tmp_path / "out"), "--profile", manager)
    assert "1 new result" in collected.stdout, collected.stdout


def test_a_reopened_revision_travels_in_a_batch_file_and_is_collected(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    """A site with no network: both revisions reach the manager in results files, each in its
    own folder, and ``newest.json`` names revision 2."""
    manager, carol = init_profile(tmp_path, "manager"), init_profile(tmp_path, "carol")
    batch = tmp_path / "b.clb"
    created = cli.ok(
        "batch", "create", str(write_notes(tmp_path / "notes", 1)), "--project", "notes",
        "--out", str(batch), "--profile", manager,
    )  # fmt: skip
    batch_id = created.splitlines()[0].split("\t")[1]
    key = cli.ok("queue", "project-key", "notes", "--profile", manager).strip()
    cli.ok("batch", "import", str(batch), "--project-key", key, "--profile", carol)
    (task,) = json.loads(cli.ok("task", "list", "--json", "--profile", carol))

    def send_back(revision: int) -> str:
        submitted = cli.ok("task", "submit", task["id"], "--allow-empty", "--profile", carol)
        assert f"\trevision {revision}\t" in submitted
        results = tmp_path / f"results-{revision}.clb"
        cli.ok("batch", "export", batch_id, "--out", str(results), "--profile", carol)
        imported = cli.ok("batch", "import", str(results), "--profile", manager)
        assert "1 new results (0 flagged)" in imported, imported
        return submitted.split("\tresult ")[1].strip()

    first = send_back(1)
    cli.ok("task", "reopen", task["id"], "--profile", carol)
    second = send_back(2)  # the file holds both revisions; only the new one is recorded

    out = tmp_path / "out"
    cli.ok("queue", "collect", "--offline", "--out", str(out), "--profile", manager)
    folder = out / batch_id / task["id"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"carol-{first}", f"carol-r2-{second}", "newest.json"]
    )
    written = json.loads((folder / f"carol-r2-{second}" / "result.json").read_text())
    assert (written["revision"], written["result_id"]) == (2, second)
    newest = json.loads((folder / "newest.json").read_text())
    assert newest == {"carol": {"revision": 2, "result_id": second, "folder": f"carol-r2-{second}"}}
