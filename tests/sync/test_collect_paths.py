"""``queue collect --out DIR`` never writes outside DIR, whatever ids a result claims.

Crafted results are sealed with the real project key (a workstation that holds it could send
them) and published straight to a real nats-server; the manager collects with the real CLI.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import select

from storage.models import QueueBatch, QueueResult
from tests.cli.test_cli import caliper
from tests.sync.nats_fixtures import NatsServer
from tests.sync.robust_support import with_js
from tests.sync.sync_support import PROJECT, make_workspace, manager_push, write_notes
from workspace.annotations import now_iso
from workspace.sync import protocol
from workspace.sync.checkout import PROJECT_HEADER
from workspace.sync.config import SyncConfig, project_key, save_config
from workspace.sync.envelope import seal
from workspace.sync.outbox import RESULT_ID_HEADER, result_context
from workspace.sync.safe_names import UnsafeNameError, result_folder, task_folder
from workspace.workspace import Workspace

#: (field, value) of each crafted result; every one must be refused, none written.
CRAFTED: list[tuple[str, str]] = [
    ("batch_id", "../../x"),
    ("batch_id", "{escape}"),
    ("batch_id", "a/b"),
    ("task_id", "../../../escape"),
    ("task_id", "a/b"),
    ("task_id", ".."),
    ("annotator", "eve\x00root"),
    ("annotator", ".."),
    ("annotator", "../../../eve"),
    ("annotator", "a..b"),
    ("annotator", "x/y"),
    ("result_id", "../../../../" + "0" * 24),
]


def _result(manager: Workspace, **changes: Any) -> dict[str, Any]:
    with manager.profile.database.read() as session:
        manifest = dict(session.scalars(select(QueueBatch.manifest)).first() or {})
    task = manifest["tasks"][0]
    document = {
        "protocol": protocol.PROTOCOL_VERSION,
        "result_id": str(uuid.uuid4()),
        "project": PROJECT,
        "batch_id": manifest["batch_id"],
        "group": manifest["group"],
        "issue": 1,
        "task_id": task["task_id"],
        "item_digest": task["item"]["digest"],
        "annotator": "alice",
        "submitted_at": now_iso(),
        "late": False,
        "lease_expires_at": None,
        "annotations": [],
        "labelmap": None,
    }
    document.update(changes)
    return document


def _publish(url: str, key: bytes, documents: list[dict[str, Any]]) -> None:
    async def go(js: JetStreamContext) -> None:
        for document in documents:
            # Sealed without validation, as a hostile workstation would.
            plain = json.dumps(document).encode()
            await js.publish(
                protocol.result_subject(PROJECT),
                seal(key, plain, result_context(document["result_id"])),
                headers={RESULT_ID_HEADER: document["result_id"], PROJECT_HEADER: PROJECT},
            )

    with_js(url, go)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_crafted_ids_are_refused_and_the_rest_collect(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager = make_workspace(tmp_path, "manager")
    manager_push(manager, nats_server.url, write_notes(tmp_path / "notes", 1))
    save_config(manager.profile, SyncConfig(server_url=nats_server.url))
    good = _result(manager)
    escape = tmp_path / "escape"  # an absolute path outside DIR
    crafted = [_result(manager, **{field: value.format(escape=escape)}) for field, value in CRAFTED]
    _publish(nats_server.url, project_key(manager.profile, PROJECT), [*crafted, good])
    manager.lock()

    area = tmp_path / "area"
    out = area / "one" / "two" / "out"
    collected = caliper(
        "queue", "collect", "--out", str(out), "--profile", str(tmp_path / "manager")
    )
    assert collected.returncode == 0, collected.stderr
    assert f"1 new results (0 flagged, {len(CRAFTED)} refused" in collected.stdout
    assert collected.stderr.count("caliper: result") == len(CRAFTED)
    assert "Traceback" not in collected.stderr
    written = _files(area)
    assert written and all(p.is_relative_to(out) for p in written)
    folder = f"alice-{good['result_id']}"
    assert sorted(p.parent.name if p.name == "result.json" else p.name for p in written) == [
        folder,
        "newest.json",
    ]
    newest = json.loads(next(p for p in written if p.name == "newest.json").read_text())
    assert newest == {"alice": {"revision": 1, "result_id": good["result_id"], "folder": folder}}
    assert not escape.exists() and not (tmp_path / "x").exists()


def test_rows_recorded_before_the_patterns_are_refused_when_written(tmp_path: Path) -> None:
    """A result an older Caliper already recorded is checked again when it is written out."""
    manager = make_workspace(tmp_path, "manager")
    with manager.profile.database.write() as session:
        session.add(
            QueueBatch(
                batch_id="b-1",
                project=PROJECT,
                track="ct-chest",
                group_id="g-1",
                issue=1,
                manifest={"tasks": []},
                gold_task_ids=[],
                pushed_at=now_iso(),
            )
        )
        absolute = str(tmp_path / "abs")
        rows = [("../../x", "t-1", "alice"), ("b-1", absolute, "alice"), ("b-1", "t-1", "..")]
        rows.append(("b-1", "t-1", "alice"))
        for batch_id, task_id, annotator in rows:
            result_id = str(uuid.uuid4())
            document = {"result_id": result_id, "item_digest": "0" * 64, "labelmap": None}
            session.add(
                QueueResult(
                    result_id=result_id,
                    project=PROJECT,
                    batch_id=batch_id,
                    task_id=task_id,
                    annotator=annotator,
                    received_at=now_iso(),
                    flag="",
                    document={**document, "annotations": []},
                    exported_at=None,
                )
            )
    manager.lock()
    area = tmp_path / "area"
    out = area / "deep" / "out"
    written = caliper(
        "queue", "collect", "--offline", "--out", str(out), "--profile", str(tmp_path / "manager")
    )
    assert written.returncode == 0, written.stderr
    assert "3 refused" in written.stdout
    assert written.stderr.count("refused, nothing written") == 3
    files = _files(area)
    assert sorted(p.name for p in files) == ["newest.json", "result.json"]
    assert all(p.is_relative_to(out) for p in files)
    newest = json.loads((out / "b-1" / "t-1" / "newest.json").read_text())
    assert list(newest) == ["alice"]  # the refused ".." result is never named
    assert not (tmp_path / "x").exists() and not (tmp_path / "abs").exists()


def test_result_folder_is_the_one_checked_path(tmp_path: Path) -> None:
    ok = result_folder(tmp_path, "b-1", "t-1", "dr.lee", "0" * 36)
    assert ok == tmp_path / "b-1" / "t-1" / f"dr.lee-{'0' * 36}"
    for args in [
        ("../b", "t", "a", "0" * 36),
        ("b", "t\n", "a", "0" * 36),
        ("b", "t", "a\\b", "0" * 36),
        ("b", "t", "a", "."),
        ("b", "t", 5, "0" * 36),
    ]:
        try:
            result_folder(tmp_path, *args)
        except UnsafeNameError as exc:
            assert "not allowed in a file name" in str(exc)
        else:
            raise AssertionError(f"accepted {args!r}")
    # A symlink inside DIR pointing out of it is not followed.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b-1").symlink_to(tmp_path)
    try:
        result_folder(tmp_path / "out", "b-1", "t-1", "alice", "0" * 36)
    except UnsafeNameError as exc:
        assert "outside" in str(exc)
    else:
        raise AssertionError("followed a symlink out of DIR")


def test_a_revision_is_part_of_the_checked_path(tmp_path: Path) -> None:
    """Revision N > 1 goes into the folder name through the same check; junk is refused."""
    rid = "0" * 36
    assert result_folder(tmp_path, "b-1", "t-1", "alice", rid, 1).name == f"alice-{rid}"
    assert result_folder(tmp_path, "b-1", "t-1", "alice", rid, 3).name == f"alice-r3-{rid}"
    assert task_folder(tmp_path, "b-1", "t-1") == tmp_path / "b-1" / "t-1"
    for revision in (0, -1, True, "2", "../x", 2.0, None):
        try:
            result_folder(tmp_path, "b-1", "t-1", "alice", rid, revision)
        except UnsafeNameError as exc:
            assert "revision" in str(exc)
        else:
            raise AssertionError(f"accepted revision {revision!r}")
