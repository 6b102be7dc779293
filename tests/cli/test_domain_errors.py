"""User mistakes and damaged stored data are domain errors: one line, exit 1, nothing changed.

The command line catches only :class:`CliError`, :class:`StorageError`, :class:`WorkspaceError`
and OS errors; anything else would print "internal error" (exit 70), so these would fail if
the workspace raised a bare ``KeyError`` or ``ValueError`` for them.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli.common import EXIT_ERROR
from storage.models import Annotation as AnnotationRow
from storage.models import LabelMapDeltaRecord
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.cli.test_segmentation_cli import volume_item  # noqa: F401 - fixture used by name
from tests.conftest import PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from tests.sync.nats_fixtures import NatsServer
from workspace.volume.model import LabelMap
from workspace.workspace import Workspace

MISSING = "00000000-0000-4000-8000-000000000000"


def _refused(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert_one_line_error(result, fragment)
    assert result.returncode == EXIT_ERROR
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (["export", MISSING, "--format", "json", "--out", "{tmp}/x.json"], "No item with id"),
        (["import", "{tmp}/x.nii.gz", "--segmentation-of", MISSING], "No item with id"),
        (["batch", "export", MISSING, "--out", "{tmp}/x.clb"], f"No batch {MISSING}"),
        (["queue", "push", "{tmp}", "--project", "p", "--track", "t", "--schema", "nope"], "nope"),
    ],
    ids=["export", "import-segmentation", "batch-export", "unknown-schema"],
)
def test_an_id_that_is_not_there_is_one_line(
    profile_dir: Path, tmp_path: Path, command: list[str], fragment: str
) -> None:
    (tmp_path / "x.nii.gz").write_bytes(b"")
    before = stored_state(profile_dir)
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    _refused(caliper(*args, "--profile", str(profile_dir)), fragment)
    assert_nothing_stored_changed(before, profile_dir)
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "x.clb").exists()


@pytest.mark.parametrize("command", ["reissue", "repair"])
def test_a_batch_that_is_not_there_is_one_line_from_the_server_commands(
    profile_dir: Path, nats_server: NatsServer, command: str
) -> None:
    missing = f"No batch {MISSING} was pushed from this profile"
    profile = str(profile_dir)
    _refused(
        caliper("queue", command, MISSING, "--server", nats_server.url, "--profile", profile),
        missing,
    )
    before = stored_state(profile_dir)  # the server address given above is kept
    _refused(caliper("queue", command, MISSING, "--profile", profile), missing)
    assert_nothing_stored_changed(before, profile_dir)


def test_a_batch_schema_this_caliper_cannot_use_is_one_line() -> None:
    from app.cli.sync_commands import _queue_error
    from workspace.schema import SchemaError

    error = SchemaError("batch b-1", ["classes[0].kind: 'polygon3d' is not a kind", "more"])
    message = _queue_error(error)
    assert message is not None and "\n" not in message
    assert "'polygon3d' is not a kind" in message


def _damage_snapshot(workspace: Workspace, item_id: str) -> None:
    """The record names a blob that is not a compressed label map."""
    digest = workspace.profile.blobs.put(b"not a label map")
    _edit_record(workspace, item_id, lambda data: {**data, "snapshot": digest})


def _damage_shape(workspace: Workspace, item_id: str) -> None:
    """The record's geometry no longer matches the snapshot's size."""

    def grow(data: dict[str, Any]) -> dict[str, Any]:
        geometry = dict(data["geometry"])
        geometry["shape"] = [n + 1 for n in geometry["shape"]]
        return {**data, "geometry": geometry}

    _edit_record(workspace, item_id, grow)


def _damage_delta(workspace: Workspace, item_id: str) -> None:
    """An edit stored after the snapshot cannot be decoded."""
    with workspace.profile.database.write() as session:
        session.add(
            LabelMapDeltaRecord(
                id=str(uuid.uuid4()),
                item_id=item_id,
                bbox=[0, 1, 0, 1, 0, 1],
                dtype="|u1",
                voxels=b"\x00garbage",
            )
        )


def _edit_record(
    workspace: Workspace, item_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    with workspace.profile.database.write() as session:
        row = session.scalars(
            select(AnnotationRow).where(
                AnnotationRow.item_id == item_id, AnnotationRow.kind == "segmentation"
            )
        ).one()
        row.data = change(dict(row.data))


@pytest.mark.parametrize("damage", [_damage_snapshot, _damage_shape, _damage_delta])
@pytest.mark.parametrize(("fmt", "name"), [("nifti", "seg.nii.gz"), ("json", "report.json")])
def test_a_damaged_segmentation_is_refused_not_exported_empty(
    profile_dir: Path,
    tmp_path: Path,
    volume_item: tuple[str, LabelMap],  # noqa: F811 - the fixture
    damage: Callable[[Workspace, str], None],
    fmt: str,
    name: str,
) -> None:
    item_id, _labels = volume_item
    labelmap = str(tmp_path / "pre.nii.gz")
    result = caliper(
        "import", labelmap, "--segmentation-of", item_id, "--profile", str(profile_dir)
    )
    assert result.returncode == 0, result.stderr
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        damage(workspace, item_id)
    finally:
        workspace.lock()
    before = stored_state(profile_dir)
    out = tmp_path / name
    export = caliper(
        "export", item_id, "--format", fmt, "--out", str(out), "--profile", str(profile_dir)
    )
    _refused(export, f"The stored segmentation of item {item_id} is damaged")
    assert not out.exists()
    assert_nothing_stored_changed(before, profile_dir)
