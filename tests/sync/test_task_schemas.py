"""Per-task schemas in a manifest: how they are cut, checked and recorded (no server needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.sync.sync_support import make_workspace
from workspace.demo_data import write_clinical_note, write_ecg
from workspace.schema import load_preset
from workspace.sync.batching import PushPlan, SchemaChoiceError, build_manifests, choose_schemas
from workspace.sync.documents import DocumentError, decode, encode, task_schema_documents
from workspace.sync.materialize import materialize_batch
from workspace.workspace import Workspace


@pytest.fixture
def manager(tmp_path: Path) -> Workspace:
    workspace = make_workspace(tmp_path, "manager")
    folder = tmp_path / "data"
    folder.mkdir()
    write_clinical_note(folder / "note.txt", patient_name="Ann Zyxwv", patient_id="PID000001")
    write_ecg(folder / "rec100")
    workspace.import_paths([folder])
    return workspace


def _mixed_manifest(manager: Workspace) -> dict[str, Any]:
    items = manager.items()
    schema, item_schemas = choose_schemas(manager.profile, items, {})
    plan = PushPlan("mixed", "t", schema, items, [], item_schemas=item_schemas)
    ((manifest, _gold),) = build_manifests(manager.profile, plan)
    return manifest


def test_a_mixed_batch_names_each_task_schema(manager: Workspace) -> None:
    manifest = _mixed_manifest(manager)
    assert manifest["protocol"] == 3
    decoded = decode("manifest", encode("manifest", manifest))
    documents = task_schema_documents(decoded)
    by_modality = {t["item"]["modality"]: documents[t["task_id"]]["id"] for t in decoded["tasks"]}
    assert by_modality == {"text": "clinical-ner", "waveform": "ecg-beats-rhythms"}


def test_a_batch_of_one_modality_stays_readable_by_older_workstations(manager: Workspace) -> None:
    (note,) = manager.items("text")
    plan = PushPlan("notes", "t", load_preset("clinical-ner"), [note], [])
    ((manifest, _gold),) = build_manifests(manager.profile, plan)
    assert manifest["protocol"] == 2
    assert "schemas" not in manifest and "schema_id" not in manifest["tasks"][0]


def test_a_task_naming_a_schema_not_carried_is_refused(manager: Workspace) -> None:
    manifest = copy.deepcopy(_mixed_manifest(manager))
    manifest["schemas"] = [{"id": "other", "name": "Other"}]
    with pytest.raises(DocumentError, match=r"names schema '.*', which the manifest does not"):
        encode("manifest", manifest)
    manifest = copy.deepcopy(_mixed_manifest(manager))
    manifest["protocol"] = 2
    with pytest.raises(DocumentError, match="per-task schemas need protocol 3, it says 2"):
        decode("manifest", json.dumps(manifest).encode())


def test_a_plain_override_needs_one_modality(manager: Workspace) -> None:
    with pytest.raises(SchemaChoiceError, match="the folder mixes text, waveform"):
        choose_schemas(manager.profile, manager.items(), {None: "clinical-ner"})
    with pytest.raises(SchemaChoiceError, match="the folder has no audio items"):
        choose_schemas(manager.profile, manager.items(), {"audio": "audio-conversation"})
    schema, chosen = choose_schemas(
        manager.profile, manager.items("waveform"), {None: "waveform-events"}
    )
    assert schema.id == "waveform-events" and len(chosen) == 1


def test_an_ecg_in_a_project_first_made_for_notes_keeps_the_ecg_schema(
    manager: Workspace, tmp_path: Path
) -> None:
    """The bug this replaces: the first batch's schema was every later item's."""
    alice = make_workspace(tmp_path, "alice")
    (note,), (ecg,) = manager.items("text"), manager.items("waveform")
    notes = PushPlan("mixed", "t", load_preset("clinical-ner"), [note], [])
    ecgs = PushPlan("mixed", "t", load_preset("ecg-beats-rhythms"), [ecg], [])
    for plan in (notes, ecgs):  # two protocol-2 batches of one project
        ((manifest, _gold),) = build_manifests(manager.profile, plan)
        for digest in {f["digest"] for t in manifest["tasks"] for f in t["item"]["files"]}:
            alice.profile.blobs.put(manager.profile.blobs.get(digest), sha256=digest)
        with alice.profile.database.write() as session:
            materialize_batch(session, manifest, "alice")
    schemas = {item.modality: alice.schema_for(item).id for item in alice.items()}
    assert schemas == {"text": "clinical-ner", "waveform": "ecg-beats-rhythms"}
