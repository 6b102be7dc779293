"""``caliper queue push`` of a folder that mixes modalities: each task carries its own schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from tests.sync.nats_fixtures import NatsServer
from workspace.demo_data import (
    generate_ct_series,
    write_clinical_note,
    write_conversation,
    write_ecg,
)
from workspace.workspace import Workspace

pytestmark = pytest.mark.slow

EXPECTED = {
    "volume": "ct-abdomen-organs",
    "text": "clinical-ner",
    "waveform": "ecg-beats-rhythms",
    "audio": "audio-conversation",
}


def _init(tmp_path: Path, user: str) -> str:
    profile = str(tmp_path / user)
    result = caliper("init", "--profile", profile, "--user", user)
    assert result.returncode == 0, result.stderr
    return profile


def _mixed_folder(folder: Path) -> Path:
    """A CT series, a note, an ECG and a recording side by side."""
    generate_ct_series(folder / "ct", slices=4, rows=16, cols=16)
    write_clinical_note(folder / "note.txt", patient_name="Ann Zyxwv", patient_id="PID000001")
    write_ecg(folder / "rec100")
    write_conversation(folder / "visit.wav")
    return folder


def _push(tmp_path: Path, profile: str, url: str, *schema: str) -> list[str]:
    options = [arg for value in schema for arg in ("--schema", value)]
    pushed = caliper(
        "queue", "push", str(tmp_path / "data"), "--project", "mixed", "--track", "ct-chest",
        "--per-batch", "10", "--server", url, "--profile", profile, *options,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    return [line.split("\t")[1] for line in pushed.stdout.splitlines() if line.startswith("pushed")]


def test_each_task_of_a_mixed_folder_gets_its_modality_schema(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    manager, alice = _init(tmp_path, "manager"), _init(tmp_path, "alice")
    _mixed_folder(tmp_path / "data")
    assert len(_push(tmp_path, manager, nats_server.url)) == 1  # no --schema needed

    key = caliper("queue", "project-key", "mixed", "--profile", manager).stdout.strip()
    synced = caliper(
        "sync", "--server", nats_server.url, "--track", "ct-chest", "--pull", "1",
        "--project-key", key, "--profile", alice,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr

    listed = caliper("list", "tasks", "--json", "--profile", alice)
    assert listed.returncode == 0, listed.stderr
    tasks = json.loads(listed.stdout)["tasks"]
    assert {t["modality"]: t["schema_id"] for t in tasks} == EXPECTED
    workspace = Workspace.unlock(Path(alice), PASSPHRASE)
    try:
        for task in workspace.tasks():
            schema = workspace.schema_for(workspace.item(task.item_id))
            assert schema.id == EXPECTED[task.modality]  # what the viewer and palette show
    finally:
        workspace.lock()


def test_schema_modality_id_overrides_one_modality(nats_server: NatsServer, tmp_path: Path) -> None:
    manager = _init(tmp_path, "manager")
    _mixed_folder(tmp_path / "data")
    (batch_id,) = _push(tmp_path, manager, nats_server.url, "waveform=waveform-events")
    workspace = Workspace.unlock(Path(manager), PASSPHRASE)
    try:
        from storage.models import QueueBatch
        from workspace.sync.documents import task_schema_documents

        with workspace.profile.database.read() as session:
            batch = session.get(QueueBatch, batch_id)
            assert batch is not None
            manifest = dict(batch.manifest)
    finally:
        workspace.lock()
    assert manifest["protocol"] == 3
    documents = task_schema_documents(manifest)
    chosen = {t["item"]["modality"]: documents[t["task_id"]]["id"] for t in manifest["tasks"]}
    assert chosen == {**EXPECTED, "waveform": "waveform-events"}


def test_a_plain_schema_for_a_mixed_folder_is_one_clear_line(tmp_path: Path) -> None:
    manager = _init(tmp_path, "manager")
    _mixed_folder(tmp_path / "data")
    before = stored_state(Path(manager))
    common = ["--project", "mixed", "--track", "t", "--server", "nats://127.0.0.1:9"]
    folder = str(tmp_path / "data")
    for schema, fragment in (
        ("genome=clinical-ner", "unknown modality 'genome'"),
        ("text=no-such-preset", "unknown schema preset 'no-such-preset'"),
        ("=clinical-ner", "give ID, or MODALITY=ID"),
    ):
        refused = caliper(
            "queue", "push", folder, *common, "--schema", schema, "--profile", manager
        )
        assert_one_line_error(refused, fragment)
    assert_nothing_stored_changed(before, Path(manager))
    mixed = caliper(
        "queue", "push", folder, *common, "--schema", "clinical-ner", "--profile", manager
    )
    assert_one_line_error(
        mixed, "the folder mixes audio, text, volume, waveform: give --schema MODALITY=ID"
    )
