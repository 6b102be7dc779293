"""Signed results: each workstation signs, the manager enrols keys, collect checks them.

A real nats-server, real profiles: a result from an enrolled workstation is verified; one from
an annotator with no enrolled key is written and marked unverified; a forged, altered or
unsigned result claiming an enrolled annotator is refused and nothing of it is written.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import nats.js.kv
import pytest
from nats.js import JetStreamContext

from storage.models import QueueResult
from tests.sync.nats_fixtures import NatsServer
from tests.sync.robust_support import annotate_and_submit, collect_results, with_js
from tests.sync.sync_support import (
    PROJECT,
    join_project,
    make_workspace,
    manager_push,
    run,
    write_notes,
)
from workspace.sync import protocol
from workspace.sync.batch_file import (
    BatchFileError,
    ImportedFile,
    results_index,
    write_batch_file,
)
from workspace.sync.batch_transfer import export_file, import_file, server_connector
from workspace.sync.config import load_config, project_key
from workspace.sync.documents import DocumentError, encode
from workspace.sync.envelope import seal
from workspace.sync.outbox import RESULT_ID_HEADER, pending, result_context
from workspace.sync.session import sync_once
from workspace.sync.signers import EnrolError, enrol, signer_key
from workspace.sync.signing import (
    ensure_signing_key,
    public_hex,
    public_key_text,
    sign_result,
    signature_valid,
)
from workspace.workspace import Workspace


def _site(nats: NatsServer, tmp_path: Path, notes: int = 2) -> tuple[Workspace, Workspace]:
    manager = make_workspace(tmp_path, "manager")
    alice = make_workspace(tmp_path, "alice")
    manager_push(manager, nats.url, write_notes(tmp_path / "notes", notes))
    join_project(alice, manager, nats.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=10))
    return manager, alice


def _export(workspace: Workspace, batch_id: str, out: Path) -> None:
    run(
        export_file(
            workspace.profile, batch_id, out, server_connector(load_config(workspace.profile))
        )
    )


def _import(workspace: Workspace, url: str, path: Path) -> ImportedFile:
    config = replace(load_config(workspace.profile), server_url=url)
    return run(import_file(workspace.profile, path, server_connector(config)))


def _enrol(manager: Workspace, url: str, annotator: str, workstation: Workspace) -> bool:
    public = public_key_text(workstation.profile).removeprefix("ed25519:")
    key = project_key(manager.profile, PROJECT)
    return with_js(url, lambda js: enrol(js, manager.profile, key, PROJECT, annotator, public))


def _written(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(out.rglob("result.json"))]


def _publish(url: str, manager: Workspace, document: dict[str, Any]) -> None:
    """Publish ``document`` as a result, as anyone holding the project key could."""
    key = project_key(manager.profile, PROJECT)
    result_id = document["result_id"]
    payload = seal(key, encode("result", document), result_context(result_id))

    async def go(js: JetStreamContext) -> None:
        await js.publish(
            protocol.result_subject(PROJECT), payload, headers={RESULT_ID_HEADER: result_id}
        )

    with_js(url, go)


def test_results_of_an_enrolled_workstation_are_verified(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice = _site(nats_server, tmp_path)
    assert _enrol(manager, nats_server.url, "alice", alice) is True
    assert _enrol(manager, nats_server.url, "alice", alice) is False  # idempotent
    result_ids = annotate_and_submit(alice)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 2

    report = collect_results(manager, nats_server.url, tmp_path / "out")
    assert report.received == 2 and report.rejected == [] and report.unverified == []
    written = _written(tmp_path / "out")
    assert sorted(d["result_id"] for d in written) == sorted(result_ids)
    for document in written:
        assert document["protocol"] == protocol.PROTOCOL_VERSION
        assert document["signature"]["key"] == public_hex(ensure_signing_key(alice.profile))
        assert document["signature_check"]["status"] == "verified"


def test_annotator_without_an_enrolled_key_is_written_unverified(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice = _site(nats_server, tmp_path)
    annotate_and_submit(alice)
    run(sync_once(alice.profile, load_config(alice.profile)))

    report = collect_results(manager, nats_server.url, tmp_path / "out")
    assert report.received == 2 and report.rejected == [] and report.flagged == 0
    assert len(report.unverified) == 2
    assert all("alice has no enrolled key" in line for line in report.unverified)
    written = _written(tmp_path / "out")
    assert [d["signature_check"]["status"] for d in written] == ["unverified"] * 2
    # Signed all the same: once the key is enrolled, anyone can check these files.
    collect_fields = {"signature_check", "flag", "gold", "received_at"}
    for document in written:
        published = {k: v for k, v in document.items() if k not in collect_fields}
        assert signature_valid(published)
        assert not signature_valid({**published, "late": not published["late"]})


def test_forged_altered_and_unsigned_results_are_refused(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice = _site(nats_server, tmp_path, notes=1)
    _enrol(manager, nats_server.url, "alice", alice)
    # Mallory has the project key and a profile whose user is also called "alice".
    mallory = make_workspace(tmp_path / "mallory", "alice")
    annotate_and_submit(alice)
    (entry,) = pending(alice.profile)
    genuine = sign_result(alice.profile, entry.document)

    def forged(**changes: Any) -> dict[str, Any]:
        return {**entry.document, "result_id": str(uuid.uuid4()), **changes}

    by_mallory = sign_result(mallory.profile, forged())
    altered = {**genuine, "result_id": str(uuid.uuid4())}  # signature no longer matches
    unsigned = forged()
    for document in (by_mallory, altered, unsigned):
        _publish(nats_server.url, manager, document)

    report = collect_results(manager, nats_server.url, tmp_path / "out")
    assert report.received == 0 and report.unverified == []
    assert len(report.rejected) == 3 and report.refused == 3
    text = "\n".join(report.rejected)
    assert f"result {by_mallory['result_id']} by alice: signed by key" in text
    assert "which is not enrolled for alice" in text
    assert f"result {altered['result_id']} by alice: its signature does not verify" in text
    assert f"result {unsigned['result_id']} by alice: it is not signed" in text
    assert not (tmp_path / "out").exists()
    with manager.profile.database.read() as session:
        assert session.query(QueueResult).count() == 0
    refusals = [e for e in manager.profile.audit.entries(20) if e["event"] == "queue.refuse"]
    assert len(refusals) == 3

    # The genuine result still arrives and is verified.
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 1
    report = collect_results(manager, nats_server.url, tmp_path / "out")
    assert report.received == 1 and report.rejected == []
    (document,) = _written(tmp_path / "out")
    assert document["signature_check"]["status"] == "verified"


def _profile_bytes(workspace: Workspace) -> dict[Path, bytes]:
    """Every file of an open profile but SQLite's WAL index (``-shm``), which reads touch."""
    root = workspace.profile.path
    return {
        p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.endswith("-shm")
    }


def test_results_in_batch_files_are_checked_against_enrolled_keys(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice = _site(nats_server, tmp_path, notes=1)
    (task,) = alice.tasks()
    batch_id = task.batch_id
    assert batch_id is not None
    annotate_and_submit(alice)
    results_file = tmp_path / "results.clb"
    _export(alice, batch_id, results_file)

    # Another key is enrolled for alice: her file is refused whole, nothing is recorded.
    other = make_workspace(tmp_path / "other", "alice")
    _enrol(manager, nats_server.url, "alice", other)
    before = _profile_bytes(manager)
    with pytest.raises(BatchFileError, match="which is not enrolled for alice"):
        _import(manager, nats_server.url, results_file)
    assert _profile_bytes(manager) == before

    # Her own key enrolled as well: the same file is recorded, verified.
    _enrol(manager, nats_server.url, "alice", alice)
    assert _import(manager, nats_server.url, results_file).count == 1
    with manager.profile.database.read() as session:
        (row,) = session.query(QueueResult).all()
        assert row.document["signature_check"]["status"] == "verified"


#: Annotator names results may carry that the first enrolment rule refused, and names neither
#: accepts (a path, "..", a line break, too long).
_NAMES = ["Dr Alice", "jo@site.org", "Zoë", "a+b", "-", "x" * 64]
_NOT_NAMES = ["../alice", "al..ice", "alice\n", "a/b", ".alice", " alice", "x" * 65, ""]


def _result_template() -> dict[str, Any]:
    return {
        "protocol": protocol.PROTOCOL_VERSION,
        "result_id": str(uuid.uuid4()),
        "project": PROJECT,
        "batch_id": "b-1",
        "group": "g-1",
        "issue": 1,
        "task_id": "t-1",
        "item_digest": "0" * 64,
        "annotator": "alice",
        "submitted_at": "2026-01-01T00:00:00+00:00",
        "late": False,
        "lease_expires_at": None,
        "annotations": [],
        "labelmap": None,
    }


@pytest.mark.parametrize("name", _NAMES + _NOT_NAMES)
def test_enrolment_accepts_exactly_the_annotators_results_may_carry(name: str) -> None:
    document = {**_result_template(), "annotator": name}
    try:
        encode("result", document)
    except DocumentError:
        in_schema = False
    else:
        in_schema = True
    try:
        key = signer_key(PROJECT, name)
    except EnrolError:
        enrollable = False
    else:
        enrollable = True
        assert nats.js.kv.VALID_KEY_RE.fullmatch(key), key
    assert in_schema == enrollable == (name in _NAMES)


def test_signer_keys_of_different_annotators_differ() -> None:
    keys = {signer_key(PROJECT, name) for name in [*_NAMES, "Dr-20Alice", "Dr_Alice"]}
    assert len(keys) == len(_NAMES) + 2


def test_an_annotator_named_with_spaces_and_at_signs_is_enrolled_and_verified(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice = _site(nats_server, tmp_path, notes=1)
    annotate_and_submit(alice)
    (entry,) = pending(alice.profile)
    names = ["Dr Alice", "jo@site.org"]
    for name in names:
        assert _enrol(manager, nats_server.url, name, alice) is True
        document = {**entry.document, "annotator": name, "result_id": str(uuid.uuid4())}
        _publish(nats_server.url, manager, sign_result(alice.profile, document))

    report = collect_results(manager, nats_server.url, tmp_path / "out")
    assert report.received == 2 and report.rejected == [] and report.unverified == []
    written = _written(tmp_path / "out")
    assert sorted(d["annotator"] for d in written) == sorted(names)
    assert {d["signature_check"]["status"] for d in written} == {"verified"}


def test_a_result_of_another_project_in_a_batch_file_refuses_the_file(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    # Checked against the enrolments of the project it names, it would pass as unverified.
    manager, alice = _site(nats_server, tmp_path, notes=1)
    (task,) = alice.tasks()
    assert task.batch_id is not None
    annotate_and_submit(alice)
    _enrol(manager, nats_server.url, "alice", alice)
    project, index = results_index(alice.profile, task.batch_id)
    (result,) = index["results"]
    index["results"] = [sign_result(alice.profile, {**result, "project": "elsewhere"})]
    crafted = tmp_path / "crafted.clb"
    write_batch_file(alice.profile, crafted, project, task.batch_id, index)
    before = _profile_bytes(manager)
    with pytest.raises(BatchFileError, match="belongs to another batch"):
        _import(manager, nats_server.url, crafted)
    assert _profile_bytes(manager) == before
